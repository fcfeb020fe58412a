"""Demo data (kehu.demo, kehu.demo_data): realistic, valid under every rule, deterministic for a seed (SPEC A3–A6)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from importlib import metadata

import pytest
from sqlalchemy import select
from stdnum.cn import ric, uscc

from kehu import demo, demo_data
from kehu.app import Kehu
from kehu.defaults.core_fields import CONTACT_METHODS
from kehu.models import ChangeLog, Customer, Department, User
from kehu.records import field_values, plain, plain_contact, plugin_values
from kehu.validation import check_mobile, check_not_vague, check_real_name
from kehu.values import clean_contacts, clean_fields, missing_required

TAGS_INSTALLED = any(ep.name == "tags" for ep in metadata.entry_points(group="kehu"))


def all_customers(app: Kehu) -> list[Customer]:
    with app.db.read() as session:
        return list(session.scalars(select(Customer).order_by(Customer.id)))


def revalidate(app: Kehu, customer: Customer, plugin_data: dict) -> list:
    """Every error the service layer would report if this customer's values were entered again."""
    values = field_values(app, customer, plugin_data)
    data = {k: plain(v) for k, v in values.items() if v is not None and not app.fields[k].readonly}
    cleaned, errors = clean_fields(app.fields, data)
    errors += missing_required(app.fields, cleaned, cleaned.get("customer_type"))
    contacts = [{k: v for k, v in plain_contact(c).items() if k != "id"} for c in customer.contacts]
    errors += clean_contacts(contacts)[1]
    return errors


def test_org_code_check_matches_real_codes():
    # The organisation codes inside two real credit codes (GB 11714 check character).
    assert demo.org_code_check("60003734") == "1"  # 91110000600037341L
    assert demo.org_code_check("71610585") == "2"  # 91330100716105852F
    assert demo.org_code_check("MA1FL8XX") in "0123456789X"


def test_resident_id_matches_the_standard_example():
    # GB 11643's own example number.
    assert demo.resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"


def test_every_name_title_and_prefix_in_the_tables_is_accepted():
    for surname, _, _ in demo_data.SURNAMES:
        for given, _ in demo_data.GIVEN_MALE + demo_data.GIVEN_FEMALE:
            assert check_real_name(surname + given) == surname + given
    for title in demo_data.TITLES_ENTERPRISE + demo_data.TITLES_INSTITUTION:
        assert check_not_vague(title) == title
    for prefix in demo_data.MOBILE_PREFIXES:
        number = prefix + "12345678"
        assert check_mobile(number) == number


def test_faker_words_that_are_taken_pass_the_rules():
    fake = demo.faker_for(0)
    titles = {j for j in (fake.job() for _ in range(5000)) if demo.is_business_title(j)}
    occupations = {j for j in (fake.job() for _ in range(5000)) if demo.is_occupation(j)}
    trade_names = {p for p in (fake.company_prefix() for _ in range(2000)) if demo.is_trade_name(p)}
    assert len(titles) >= 20 and len(occupations) >= 100 and len(trade_names) >= 20
    for title in titles | occupations:
        assert check_not_vague(title) == title and len(title) <= 50
    for name in trade_names:
        assert not name.endswith(("公司", "科技")) and not any(c.short in name for c in demo_data.CITIES)
    assert not demo.is_business_title("传菜主管") and not demo.is_occupation("计算机硬件")
    assert not demo.is_trade_name("济南亿次元") and not demo.is_trade_name("方正科技")


def test_faker_adds_variety_the_tables_do_not_have(make_kehu):
    app = make_kehu()
    demo.generate(app, 150, seed=1)
    customers = all_customers(app)
    table_titles = set(demo_data.TITLES_ENTERPRISE + demo_data.TITLES_INSTITUTION)
    titles = {k.title for c in customers for k in c.contacts if k.title}
    assert titles - table_titles, "some contacts have a Faker job title"
    assert any(c.contacts[0].title for c in customers if c.customer_type == "individual"), "occupations"
    roads = {r for city in demo_data.CITIES for r in city.roads}
    assert any(not c.street.startswith(tuple(roads)) for c in customers), "some roads come from Faker"
    brands = {a + b for a, _ in demo_data.BRAND_CHARS for b, _ in demo_data.BRAND_CHARS}
    faker_named = [c for c in customers if c.customer_type == "enterprise"
                   and not any(brand in c.name for brand in brands)]
    assert faker_named, "some enterprises have a Faker trade name"
    for c in faker_named:  # no pinyin for the company's domain: free mail only
        assert all(k.email.split("@")[1] in demo_data.FREE_MAIL for k in c.contacts if k.email), c.name


def test_every_district_code_is_a_real_one():
    for city in demo_data.CITIES:
        assert city.area in demo_data.SALES_BY_AREA
        for district, code in city.districts:
            place = ric.get_birth_place(demo.resident_id(code, date(2015, 1, 1), 1))
            assert place["province"] == city.province and place["county"] == district, (district, code)
    for code in demo_data.STABLE_BIRTHPLACES:
        assert demo.born_there(code, 1950) and demo.born_there(code, 2003)


def test_fifty_customers_pass_every_rule_again(make_kehu):
    app = make_kehu()
    assert demo.generate(app, 50, seed=0) == 50
    customers = all_customers(app)
    assert len(customers) == 50
    with app.db.read() as session:
        extra = plugin_values(app, session, [c.id for c in customers])
    types = Counter(c.customer_type for c in customers)
    assert set(types) == {"enterprise", "individual", "institution"}
    for c in customers:
        assert revalidate(app, c, extra[c.id]) == [], c.name
        methods = {(m, getattr(k, m)) for k in c.contacts for m in CONTACT_METHODS if getattr(k, m)}
        assert len(methods) >= 2, c.name
        assert sum(k.is_primary for k in c.contacts) == 1
        if c.customer_type == "individual":
            assert ric.is_valid(c.id_number) and c.credit_code is None
            assert c.name == c.contacts[0].name
        else:
            assert uscc.is_valid(c.credit_code), c.credit_code
            org = c.credit_code[8:17]
            assert demo.org_code_check(org[:8]) == org[8], c.credit_code
            assert c.name.endswith(("有限公司", "医院", "保健院", "大学", "学院", "中学", "小学", "局",
                                    "委员会", "办公室", "协会")), c.name
            assert 1 <= len(c.contacts) <= 3


def test_customers_look_like_a_real_book(make_kehu):
    app = make_kehu()
    demo.generate(app, 120, seed=3)
    customers = all_customers(app)
    grades = Counter(c.grade for c in customers)
    assert grades["C"] > grades["B"] > grades["A"] > 0
    statuses = Counter(c.status for c in customers)
    assert statuses.most_common(1)[0][0] == "active"
    for c in customers:
        city = next(x for x in demo_data.CITIES if x.city == c.city)
        assert c.province == city.province and c.district in dict(city.districts), c
        assert c.area == city.area
        assert c.region == ("local" if c.province == demo_data.HOME_PROVINCE else "domestic")
        assert c.owner is not None and c.department is not None
        assert c.owner.department_id == c.department_id
        assert c.department.name == demo_data.SALES_BY_AREA[c.area]
        if c.stage in demo_data.PAST_INTENT:
            assert c.cumulative_amount > 0 and c.first_cooperation_date is not None
        else:
            assert c.cumulative_amount is None
        if c.last_contact_date and c.first_cooperation_date:
            assert c.last_contact_date >= c.first_cooperation_date
    with app.db.read() as session:
        # Every customer's creation is in the change log, by the data admin.
        logs = session.scalars(select(ChangeLog).where(ChangeLog.action == "create")).all()
        assert len(logs) == 120 and {log.actor.username for log in logs} == {"admin"}


def test_organisation(make_kehu):
    app = make_kehu()
    demo.generate(app, 1, seed=0)
    with app.db.read() as session:
        depts = {d.name: d for d in session.scalars(select(Department))}
        users = {u.username: u for u in session.scalars(select(User))}
    centre = depts[demo_data.SALES_CENTRE]
    for name in ("华东销售部", "华北销售部", "华南销售部"):
        assert depts[name].parent_id == centre.id
    assert {"客服部", "市场部", "财务部"} <= set(depts)
    assert users["admin"].display_name == "数据管理员"
    assert users["zhangwei"].department_id == depts["华东销售部"].id
    assert {u.username for u in demo_data.DEMO_USERS} <= set(users)


def snapshot(app: Kehu) -> list[tuple]:
    return [(c.name, c.credit_code, c.id_number, c.grade, c.owner.username, c.street,
             tuple((k.name, k.mobile, k.email, k.title) for k in c.contacts)) for c in all_customers(app)]


def test_same_seed_same_customers(make_kehu, other_database_settings):
    first = make_kehu()
    second = make_kehu(settings=other_database_settings)
    demo.generate(first, 30, seed=7)
    demo.generate(second, 30, seed=7)
    assert snapshot(first) == snapshot(second)
    third = make_kehu(settings=other_database_settings)
    demo.generate(third, 5, seed=8)
    assert [s[0] for s in snapshot(third)[30:]] != [s[0] for s in snapshot(first)[:5]]


def test_running_twice_adds_more_without_collisions(make_kehu):
    app = make_kehu()
    demo.generate(app, 40, seed=0)
    demo.generate(app, 40, seed=0)  # the same seed again: identities must not collide
    customers = all_customers(app)
    assert len(customers) == 80
    organisations = [c.name for c in customers if c.customer_type != "individual"]
    assert len(set(organisations)) == len(organisations)  # people may share a name; companies not
    codes = [c.credit_code for c in customers if c.credit_code]
    assert len(set(codes)) == len(codes)


def test_progress_is_reported_per_customer(make_kehu):
    app = make_kehu()
    seen = []
    demo.generate(app, 7, seed=0, progress=seen.append)
    assert seen == [1] * 7


@pytest.mark.skipif(not TAGS_INSTALLED, reason="kehu-tags is not installed")
def test_tags_when_the_tags_plugin_is_enabled(make_kehu):
    app = make_kehu(enable=["tags"])
    assert "tags" in app.fields
    demo.generate(app, 60, seed=0)
    customers = all_customers(app)
    with app.db.read() as session:
        tags = plugin_values(app, session, [c.id for c in customers])
    given = [t for c in customers for t in (tags[c.id].get("tags") or [])]
    assert given, "some customers have tags"
    allowed = set(demo_data.AREA_TAGS.values()) | {"状态-意向强烈", "合作-长期合作", "合作-新客户", "价值-区域重点",
                                              "风险-投诉客户", "需求-需求升级"}
    assert set(given) <= allowed
    assert max(len(tags[c.id].get("tags") or []) for c in customers) <= 3
    for c in customers:
        assert revalidate(app, c, tags[c.id]) == [], c.name


def test_no_tags_without_the_plugin(make_kehu):
    app = make_kehu()
    assert "tags" not in app.fields
    demo.generate(app, 10, seed=0)  # would be refused as an unknown field if tags were given
    assert len(all_customers(app)) == 10
