"""Realistic demo data: departments, users and customers that pass every rule (SPEC A3–A6).

    from kehu import demo
    demo.generate(app, 300, seed=0)

`generate` creates the demo organisation when it is missing (a sales centre with three regional
sales departments, support, marketing, finance; a data admin `admin`, department heads and sales
people such as `zhangwei`), then `count` customers through the real service layer
(`kehu.batch.create_many`, 200 per call and transaction), so validation, the change log and
every plugin hook run exactly as for a person's edit.

Where the values come from:

- Faker zh_CN (`Faker("zh_CN")`, seeded with `seed_instance(seed)`) gives variety: the trade
  names of about a quarter of the enterprises (`company_prefix()`: "上海鸿睿思博机械设备有限公司"),
  about half the titles of an enterprise's second and third contacts (`job()`: "供应链经理",
  "项目工程师"), the occupation of most individual customers, kept as their contact's title
  (`job()`: "证券分析师", "中学教师"), about a third of the roads (`city_name()` +
  `street_suffix()`: "沈阳路"; Chinese cities often name roads after other cities) and building
  blocks (`building_number()`: "B座").  Its words pass the filters at the end of
  `kehu.demo_data` first (no category headings of its job list, no waiter's job at a machinery
  maker, no trade name that names a city or says "科技").  Not used: `company_suffix()` (only
  科技/网络/信息/传媒, which would contradict the industry field) and `lorem` (word salad; there is
  no free-text field to fill).
- The tables in `kehu.demo_data` give whatever must be consistent, which Faker zh_CN cannot
  guarantee: cities with their own districts, GB/T 2260 codes and roads (Faker draws province,
  city and district independently); person names with their pinyin, so e-mail addresses and IM
  accounts match the people (Faker's romanized names do not follow its Chinese names: 李 →
  "Deng"); trade-name characters with pinyin for the company's e-mail domain (a company named
  with a Faker trade name has no pinyin, so its contacts use free mail: QQ, 163, ...); industry
  words that agree with the industry field; institutions; the primary contact's title (the
  decision-makers a supplier deals with); mobile ranges; and the weights of grades, stages and
  statuses.  Dates follow the cooperation stage and status, so they come from the same random
  generator rather than Faker.

Identity numbers are valid, not real: credit codes carry a GB 11714 organisation code and the
GB 32100 check character, resident ID numbers a real area code, a birth date and the GB 11643
check character (both computed with `stdnum`).

Everything is decided by one seeded `random.Random` and one seeded Faker, so the same seed on a
fresh database gives the same customers (with the same Faker version: its word lists may change
between releases).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import select
from stdnum.cn import ric, uscc

from kehu import batch
from kehu.actors import Actor
from kehu.demo_data import (
    AMOUNT_BY_GRADE,
    AREA_TAGS,
    BRAND_CHARS,
    BUILDINGS,
    CHINESE_ORDINALS,
    CITIES,
    CONFIDENTIALITY,
    DEMANDS,
    DEMO_USERS,
    DEPARTMENTS,
    FAKER_OCCUPATION_ENDINGS,
    FAKER_TITLE_FUNCTIONS,
    FAKER_TITLE_LEVELS,
    FAKER_TRADE_NAME_SKIP,
    FREE_MAIL,
    GIVEN_FEMALE,
    GIVEN_MALE,
    GRADES,
    HOME_PROVINCE,
    INSTITUTIONS,
    MOBILE_PREFIXES,
    PAST_INTENT,
    SALES_BY_AREA,
    SCALES_ENTERPRISE,
    SCALES_INSTITUTION,
    SOURCES,
    STABLE_BIRTHPLACES,
    STAGES,
    STATUSES,
    SURNAMES,
    TITLES_ENTERPRISE,
    TITLES_INSTITUTION,
    TRADES,
    City,
)
from kehu.errors import ValidationFailed
from kehu.models import Customer, Department, User
from kehu.timeutil import today

BATCH = 200
REASON = "演示数据 / demo data"
FAKER_TRADE_NAME_SHARE = 0.25  # enterprises named with a Faker trade name (their contacts use free mail)
FAKER_ROAD_SHARE = 0.3  # addresses on a Faker road rather than one of the city's own
FAKER_TITLE_SHARE = 0.5  # an enterprise's further contacts with a Faker job title
FAKER_OCCUPATION_SHARE = 0.6  # individual customers whose occupation is given (as the contact's title)
FAKER_TRIES = 300  # draws before giving up on a filtered Faker word (then the tables are used)

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


# --- Organisation --------------------------------------------------------------------------


def ensure_organisation(app) -> None:
    """Create the demo departments and users that do not exist yet (by name / username)."""
    with app.db.write() as session:
        depts = {d.name: d for d in session.scalars(select(Department))}
        for name, parent in DEPARTMENTS:
            if name not in depts:
                dept = Department(name=name, parent_id=depts[parent].id if parent else None)
                session.add(dept)
                session.flush()
                depts[name] = dept
        existing = set(session.scalars(select(User.username)))
        for u in DEMO_USERS:
            if u.username not in existing:
                session.add(User(username=u.username, display_name=u.display_name,
                                 department_id=depts[u.department].id if u.department else None))



# --- Faker zh_CN ---------------------------------------------------------------------------


def faker_for(seed: int) -> Faker:
    """A zh_CN Faker seeded for `seed` (its own random state: Faker's global seed is not touched)."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def is_trade_name(word: str) -> bool:
    """Whether a Faker company prefix can be a demo trade name (字号); see demo_data."""
    return (_CJK_WORD.fullmatch(word) is not None and 2 <= len(word) <= 4
            and not any(skip in word for skip in FAKER_TRADE_NAME_SKIP)
            and not any(city.short in word for city in CITIES))


def is_business_title(job: str) -> bool:
    """Whether a Faker job is the title of a company's contact a supplier deals with."""
    return (_CJK_WORD.fullmatch(job) is not None and job.startswith(FAKER_TITLE_FUNCTIONS)
            and job.endswith(FAKER_TITLE_LEVELS))


def is_occupation(job: str) -> bool:
    """Whether a Faker job is a person's occupation (not a heading of its list)."""
    return _CJK_WORD.fullmatch(job) is not None and 2 <= len(job) <= 12 and job.endswith(FAKER_OCCUPATION_ENDINGS)


# --- Identity numbers ----------------------------------------------------------------------

ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # also valid in a credit code (no I, O, S, V, Z)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body: str) -> str:
    """The check character of an 8-character organisation code (GB 11714-1997)."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code(rng: random.Random, kind: str, area_code: str) -> str:
    """A valid Unified Social Credit Code: authority + type, area, organisation code, check (GB 32100)."""
    if kind == "91" and rng.random() < 0.6:
        # Codes issued since 2015 mostly carry an "MA…" organisation code.
        org = "MA" + rng.choice("0123456789") + "".join(rng.choice(ORG_CODE_CHARS) for _ in range(5))
    else:
        org = "".join(rng.choice("0123456789") for _ in range(8))
    body = kind + area_code + org + org_code_check(org)
    return body + uscc.calc_check_digit(body)


@functools.lru_cache(maxsize=4096)
def born_there(area_code: str, year: int) -> bool:
    """Whether `area_code` existed in `year` (stdnum's GB/T 2260 history; ric.validate checks it)."""
    return ric.is_valid(resident_id(area_code, date(year, 6, 1), 1))


def resident_id(area_code: str, birth: date, sequence: int) -> str:
    """A valid resident ID number (GB 11643): area, birth date, sequence (odd: male), check."""
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


# --- The generator -------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]



class _Generator:
    def __init__(self, seed: int, owners: dict[str, list[str]], used: dict[str, set[str]], with_tags: bool):
        self.rng = random.Random(seed)
        self.fake = faker_for(seed)
        self.owners = owners  # sales department -> usernames (sales people first, then the head)
        self.used = used  # credit_code / id_number / name / mobile values already taken
        self.with_tags = with_tags
        self.today = today()
        self.city_weights = [c.weight for c in CITIES]
        self.trade_weights = [t.weight for t in TRADES]
        self.surname_weights = [s[2] for s in SURNAMES]

    def faker(self, draw: Callable[[], str], accept: Callable[[str], bool]) -> str | None:
        """A Faker value that `accept`s, or None when none turns up (a newer Faker's lists)."""
        for _ in range(FAKER_TRIES):
            value = draw()
            if accept(value):
                return value
        return None  # pragma: no cover - only if Faker's lists change

    # people

    def person(self, female: bool | None = None) -> tuple[str, tuple[str, str], bool]:
        """(name, (surname pinyin, given-name pinyin), female) of a plausible person."""
        rng = self.rng
        surname, surname_py, _ = rng.choices(SURNAMES, weights=self.surname_weights)[0]
        female = rng.random() < 0.45 if female is None else female
        given, given_py = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        return surname + given, (surname_py, given_py), female

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used["mobile"]:
                self.used["mobile"].add(number)
                return number

    def contact(self, name: str, pinyin: tuple[str, str], title: str | None, domain: str | None, *,
                primary: bool) -> dict:
        rng = self.rng
        sur, giv = pinyin
        mail_domain = domain if domain and rng.random() < 0.8 else rng.choice(FREE_MAIL)
        if mail_domain == "qq.com" and rng.random() < 0.6:
            local = str(rng.randrange(10_000_000, 3_000_000_000))  # a QQ number
        elif mail_domain in FREE_MAIL:
            n = rng.randrange(1, 100)
            local = rng.choice((f"{sur}{giv}", f"{sur}{giv}{n}", f"{giv}{sur}{n:02d}"))
        else:
            local = rng.choice((f"{sur}{giv}", f"{sur}.{giv}", f"{giv}.{sur}", f"{sur}{giv[:1]}"))
        contact: dict[str, Any] = {"name": name, "mobile": self.mobile()}
        if title:
            contact["title"] = title
        if primary or rng.random() < 0.6:
            contact["email"] = f"{local}@{mail_domain}"
        if rng.random() < (0.3 if primary else 0.35):
            contact["im"] = f"微信:{sur}{giv}_{rng.randrange(10, 100)}"
        if primary:
            contact["is_primary"] = True
        return contact

    def titles(self, count: int, table: Sequence[str], from_faker: bool) -> list[str]:
        """`count` different titles: the first (the primary contact's) from `table`, the others
        from `table` or, when `from_faker`, often a Faker job such as "供应链经理"."""
        rng = self.rng
        chosen = [rng.choice(table)]
        while len(chosen) < count:
            title = None
            if from_faker and rng.random() < FAKER_TITLE_SHARE:
                title = self.faker(self.fake.job, is_business_title)
            title = title or rng.choice(table)
            if title not in chosen:
                chosen.append(title)
        return chosen

    def contacts(self, titles: Sequence[str], domain: str | None, *, faker_titles: bool = False) -> list[dict]:
        count = _weighted(self.rng, ((1, 40), (2, 40), (3, 20)))
        out = []
        for i, title in enumerate(self.titles(count, titles, faker_titles)):
            name, pinyin, _ = self.person()
            out.append(self.contact(name, pinyin, title, domain, primary=i == 0))
        return out

    # places

    def place(self) -> tuple[City, str, str]:
        city = self.rng.choices(CITIES, weights=self.city_weights)[0]
        district, code = self.rng.choice(city.districts)
        return city, district, code

    def road(self, city: City) -> str:
        """One of the city's own roads, or (FAKER_ROAD_SHARE) one named after another city by Faker."""
        if self.rng.random() < FAKER_ROAD_SHARE:
            road = self.faker(lambda: self.fake.city_name() + self.fake.street_suffix(),
                              lambda r: _CJK_WORD.fullmatch(r) is not None and not r.startswith(city.short))
            if road:
                return road
        return self.rng.choice(city.roads)

    def street(self, city: City) -> str:
        rng = self.rng
        number = f"{self.road(city)}{rng.randrange(1, 1500)}号"
        roll = rng.random()
        if roll < 0.35:
            block = self.fake.building_number().upper() if rng.random() < 0.4 else ""  # "B座"
            return f"{number}{rng.choice(BUILDINGS)}{block}{rng.randrange(2, 30)}层"
        if roll < 0.55:
            return f"{number}{rng.randrange(1, 12)}栋{rng.randrange(1, 20)}{rng.randrange(1, 20):02d}室"
        return number

    # identities

    def unique(self, key: str, make: Callable[[], str]) -> str:
        for _ in range(50):
            value = make()
            if value not in self.used[key]:
                self.used[key].add(value)
                return value
        raise RuntimeError(f"cannot find an unused {key}")  # pragma: no cover - vanishingly rare

    def trade_name(self) -> tuple[str, str | None]:
        """(trade name, its pinyin or None): two table characters, or a Faker company prefix."""
        if self.rng.random() < FAKER_TRADE_NAME_SHARE:
            word = self.faker(self.fake.company_prefix, is_trade_name)
            if word:
                return word, None
        (a, a_py), (b, b_py) = self.rng.sample(BRAND_CHARS, 2)
        return a + b, a_py + b_py

    def enterprise(self, city: City, district: str, area_code: str) -> dict:
        rng = self.rng
        trade = rng.choices(TRADES, weights=self.trade_weights)[0]
        word, word_en = rng.choice(trade.words)

        for _ in range(50):
            brand, brand_py = self.trade_name()
            prefix = city.short if rng.random() < 0.85 else city.province.removesuffix("省").removesuffix("市")
            form = "股份有限公司" if rng.random() < 0.1 else "有限公司"
            full_name = f"{prefix}{brand}{word}{form}"
            if full_name not in self.used["name"]:
                break
        self.used["name"].add(full_name)
        registered = area_code if rng.random() < 0.8 else area_code[:4] + "00"
        domain = None  # a Faker trade name has no pinyin: the contacts use free mail
        if brand_py is not None:
            tld = rng.choice((".com", ".com", ".cn", ".com.cn"))
            domain = f"{brand_py}{word_en}{tld}" if rng.random() < 0.5 else f"{brand_py}{tld}"
        return {
            "customer_type": "enterprise",
            "name": full_name,
            "credit_code": self.unique("credit_code", lambda: credit_code(rng, "91", registered)),
            "industry": trade.industry,
            "scale": _weighted(rng, SCALES_ENTERPRISE),
            "business_type": rng.choice(trade.business),
            "contacts": self.contacts(TITLES_ENTERPRISE, domain, faker_titles=True),
        }

    def institution(self, city: City, district: str, area_code: str) -> dict | None:
        rng = self.rng
        for _ in range(20):
            pattern, industry, kind = rng.choice(INSTITUTIONS)
            name = pattern.format(short=city.short, district=district, n=rng.choice(CHINESE_ORDINALS))
            if name not in self.used["name"]:
                break
        else:
            return None  # this city has all of them already: make an enterprise instead
        self.used["name"].add(name)
        registered = area_code if rng.random() < 0.5 else area_code[:4] + "00"
        return {
            "customer_type": "institution",
            "name": name,
            "credit_code": self.unique("credit_code", lambda: credit_code(rng, kind, registered)),
            "industry": industry,
            "scale": _weighted(rng, SCALES_INSTITUTION),
            "business_type": rng.choice(("product", "outsourcing", "consulting")),
            "contacts": self.contacts(TITLES_INSTITUTION, None),
        }

    def individual(self, area_code: str) -> dict:
        rng = self.rng
        name, pinyin, female = self.person()

        def number() -> str:
            # Born where they live now when that district existed at their birth, else somewhere
            # whose code never changed (people move; their ID number stays).
            for attempt in range(12):
                place = area_code if attempt < 6 else rng.choice(STABLE_BIRTHPLACES)
                birth = date(rng.randrange(1962, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
                sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)
                if born_there(place, birth.year):
                    return resident_id(place, birth, sequence)
            raise RuntimeError("no valid resident ID number found")  # pragma: no cover

        occupation = None
        if rng.random() < FAKER_OCCUPATION_SHARE:
            occupation = self.faker(self.fake.job, is_occupation)  # "证券分析师", "中学教师"
        contact = self.contact(name, pinyin, occupation, None, primary=True)
        return {
            "customer_type": "individual",
            "name": name,
            "id_number": self.unique("id_number", number),
            "business_type": rng.choice(("product", "consulting")),
            "contacts": [contact],
        }

    # the customer

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randrange(low, high))

    def customer(self) -> tuple[dict, str]:
        """(data for batch.create_many / records.create_in, owner's username)."""
        rng = self.rng
        city, district, area_code = self.place()
        roll = rng.random()
        data = None
        if roll < 0.08:
            data = self.institution(city, district, area_code)
        elif roll < 0.22:
            data = self.individual(area_code)
        if data is None:
            data = self.enterprise(city, district, area_code)
        data.update(province=city.province, city=city.city, district=district, street=self.street(city))
        region = "local" if city.province == HOME_PROVINCE else "domestic"
        grade = _weighted(rng, GRADES)
        stage = _weighted(rng, STAGES)
        status = _weighted(rng, STATUSES)
        if stage == "lost" and rng.random() < 0.5:
            status = rng.choice(("dormant", "inactive"))
        data.update(
            region=region, area=city.area, grade=grade, stage=stage, status=status,
            source=_weighted(rng, SOURCES),
            confidentiality="confidential" if grade == "A" and rng.random() < 0.3 else _weighted(rng, CONFIDENTIALITY),
            demand_tags=rng.sample(DEMANDS, rng.randrange(1, 4)),
        )
        first = None
        if stage in PAST_INTENT:
            first = self.days_ago(730, 2190) if stage == "loyal" else self.days_ago(60, 2190)
            data["first_cooperation_date"] = first.isoformat()
            low, high = AMOUNT_BY_GRADE[grade]
            data["cumulative_amount"] = str(Decimal(rng.randrange(low * 100, high * 100)) / 100)
        last = self._last_contact(stage, status)
        if last is not None and first is not None and last < first:
            last = first + timedelta(days=rng.randrange(0, 30))
            last = min(last, self.today)
        if last is not None:
            data["last_contact_date"] = last.isoformat()
        if self.with_tags:
            data["tags"] = self._tags(data, first)
        team = self.owners[SALES_BY_AREA[city.area]]
        owner = rng.choice(team) if rng.random() < 0.85 else team[-1]  # the head keeps a few
        data["owner"] = owner
        return data, owner

    def _last_contact(self, stage: str, status: str) -> date | None:
        rng = self.rng
        if status == "dormant":
            return self.days_ago(3 * 365, 5 * 365)
        if status == "to_verify":
            return self.days_ago(180, 365)
        if stage == "potential":
            return None if rng.random() < 0.4 else self.days_ago(0, 730)
        if stage == "intent":
            return self.days_ago(0, 180)
        if stage == "loyal":
            return self.days_ago(0, 90)
        if stage == "lost":
            return self.days_ago(365, 3 * 365)
        return self.days_ago(0, 365) if rng.random() < 0.9 else self.days_ago(730, 1000)

    def _tags(self, data: dict, first: date | None) -> list[str]:
        rng = self.rng
        pool = [AREA_TAGS[data["area"]]]
        if data["stage"] == "intent":
            pool.append("状态-意向强烈")
        if data["stage"] == "loyal":
            pool.append("合作-长期合作")
        if first is not None and (self.today - first).days < 365:
            pool.append("合作-新客户")
        if data["grade"] == "A":
            pool.append("价值-区域重点")
        if rng.random() < 0.06:
            pool.append("风险-投诉客户")
        if data["stage"] in ("customer", "loyal") and rng.random() < 0.2:
            pool.append("需求-需求升级")
        return rng.sample(pool, min(len(pool), rng.randrange(0, 4)))


def _owners(app) -> tuple[dict[str, list[str]], dict[str, Actor], Actor]:
    with app.db.read() as session:
        users = {u.username: u for u in session.scalars(select(User).where(User.is_active))}
        admin = Actor.of(users["admin"])
    owners: dict[str, list[str]] = {}
    for dept in SALES_BY_AREA.values():
        people = [u.username for u in DEMO_USERS if u.department == dept and u.role == "sales"]
        heads = [u.username for u in DEMO_USERS if u.department == dept and u.role == "head"]
        owners[dept] = [p for p in people + heads if p in users]
    departments = {u.username: u.department for u in DEMO_USERS}
    return owners, departments, admin


def _used(app) -> dict[str, set[str]]:
    """Values already taken in the database, so a second run does not collide with the first."""
    with app.db.read() as session:
        rows = session.execute(select(Customer.credit_code, Customer.id_number, Customer.name)).all()
    return {
        "credit_code": {r[0] for r in rows if r[0]},
        "id_number": {r[1] for r in rows if r[1]},
        "name": {r[2] for r in rows},
        "mobile": set(),
    }


def generate(app, count: int, *, seed: int = 0, progress: Callable[[int], None] | None = None) -> int:
    """Create `count` demo customers (and the demo organisation if missing); returns how many.

    Deterministic for a seed on a given database state.  `progress(n)` is called after each
    customer with n=1 (it fits `click.progressbar(...).update`), once its batch is written.
    Customers are written through `kehu.batch.create_many` by the data admin, `BATCH` per call
    and transaction.
    """
    ensure_organisation(app)
    # A permissions plugin gives the demo people the rights of their roles (admin writes below).
    app.hook.demo_users_ready(app=app, roles={u.username: u.role for u in DEMO_USERS})
    owners, departments, admin = _owners(app)
    gen = _Generator(seed, owners, _used(app), with_tags="tags" in app.fields)
    created = 0
    while created < count:
        rows = []
        for _ in range(min(BATCH, count - created)):
            data, owner = gen.customer()
            data["department"] = departments[owner]
            rows.append(data)
        with app.db.write() as session:
            results = batch.create_many(app, session, admin, rows, reason=REASON)
            refused = next((r for r in results if r.errors), None)
            if refused is not None:  # demo data passes every rule; if not, write none of the batch
                raise ValidationFailed(refused.errors)
        created += len(rows)
        if progress is not None:
            for _ in rows:
                progress(1)
    return created


# --- the demo account ----------------------------------------------------------------------

DEMO_ACCOUNT = "demo"


def demo_account(app, *, create: bool) -> str | None:
    """A fresh random password for the account `demo` (演示用户), or None when there is no such account.

    `kehu serve --demo` calls it at every start and prints the password, so a newcomer can sign
    in; the account is created only on a database the demo has just filled (`create`), never
    added to one with real data.  Until a permissions plugin is enabled every signed-in user may
    do everything, `demo` included; with one, a new `demo` account is an "admin" for the
    `demo_users_ready` hook (kehu-permissions makes it a data admin).
    """
    import secrets

    from kehu import accounts

    password = secrets.token_urlsafe(9)  # 12 characters
    created = False
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == DEMO_ACCOUNT))
        if user is None:
            if not create:
                return None
            user = accounts.create_user(session, DEMO_ACCOUNT, "演示用户", password=password)
            created = True
        else:
            user.is_active = True
            accounts.set_password(session, user, password)
    if created:  # the newcomer sees everything, as the data admin does
        app.hook.demo_users_ready(app=app, roles={DEMO_ACCOUNT: "admin"})
    return password
