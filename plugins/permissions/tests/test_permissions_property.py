"""Property test of customer scopes (issue 4, SPEC G1, G2, D5), with Hypothesis.

Random organisations — nested departments, users holding random G1 roles (directly or through a
department above them), customers with a random owner, department, confidentiality and status —
and for every user the customers they see must be the same set on every read path:

- list (one page), list paged with the keyset cursor (small pages), count;
- detail (`load_customer` succeeds vs NotFound), history, export;

and equal an independent reference written below in plain Python from G1/G2/D5 (the seeded
roles' scopes own / department and below / all, up to a level), not from the plugin's code.
D5: the default list, count and export leave inactive and dormant customers out; detail and
history open them for anyone whose scope holds them; `include_hidden` lists them for the roles
allowed `list_hidden` (department heads, the data admin).

One app (database) per test; each example writes its users and departments under fresh names
and replaces the customers, so an example costs a few inserts.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from kehu import records
from kehu.actors import Actor
from kehu.errors import Forbidden, NotFound
from kehu.exporting import export_customers
from kehu.models import ChangeLog, Contact, Customer, Department, User
from kehu.query import count_customers, list_customers
from kehu.testing import customer_payload, make_user
from kehu_permissions import service

# --- the reference: G1's roles and G2's levels, in plain Python ----------------------------------

LEVEL_RANK = {"public": 0, "internal": 1, "confidential": 2}
HIDDEN_STATUSES = {"inactive", "dormant"}  # D5
# role -> (scope, highest level) of its customer grants (the plugin README's G1 table)
GRANTS = {"sales": ("own", "confidential"), "support": ("all", "internal"), "marketing": ("all", "internal"),
          "department_head": ("subtree", "confidential"), "data_admin": ("all", "confidential")}
MAY_EXPORT = {"sales", "department_head", "data_admin"}
MAY_LIST_HIDDEN = {"department_head", "data_admin"}
ROLES = tuple(GRANTS)
STATUSES = ("active", "active", "pending_review", "dormant", "inactive")


@dataclass(frozen=True)
class Row:
    code: str
    owner: int | None
    department: int | None
    level: str
    status: str


def below(parents: dict[int, int | None], top: int) -> set[int]:
    """`top` and every department under it."""
    found, grew = {top}, True
    while grew:
        more = {d for d, p in parents.items() if p in found} - found
        grew = bool(more)
        found |= more
    return found


def above(parents: dict[int, int | None], department: int | None) -> list[int]:
    chain = []
    while department is not None:
        chain.append(department)
        department = parents[department]
    return chain


def sees(roles: set[str], user: int, department: int | None, parents: dict[int, int | None], row: Row) -> bool:
    for role in roles:
        scope, level = GRANTS[role]
        if LEVEL_RANK[row.level] > LEVEL_RANK[level]:
            continue
        if scope == "all":
            return True
        if scope == "own" and row.owner is not None and row.owner == user:
            return True
        if (scope == "subtree" and department is not None and row.department is not None
                and row.department in below(parents, department)):
            return True
    return False


# --- random organisations ------------------------------------------------------------------------


@st.composite
def organisations(draw):
    n_depts = draw(st.integers(1, 5))
    # mostly nested: each department hangs under an earlier one (or is a top one)
    parents = [None] + [draw(st.one_of(st.integers(0, i - 1), st.none())) for i in range(1, n_depts)]
    maybe_dept = st.one_of(st.integers(0, n_depts - 1), st.none())
    users = draw(st.lists(st.tuples(st.sets(st.sampled_from(ROLES), min_size=1, max_size=2)
                                    | st.sets(st.sampled_from(ROLES), max_size=0), maybe_dept),
                          min_size=1, max_size=5))
    dept_roles = draw(st.sets(st.tuples(st.sampled_from(ROLES), st.integers(0, n_depts - 1)), max_size=2))
    customers = draw(st.lists(st.tuples(st.one_of(st.integers(0, len(users) - 1), st.none()), maybe_dept,
                                        st.sampled_from(tuple(LEVEL_RANK)), st.sampled_from(STATUSES)),
                              min_size=1, max_size=10))
    return parents, users, dept_roles, customers


_names = itertools.count(1)


@pytest.fixture
def app(make_kehu):
    return make_kehu(enable=["permissions"])


def codes_listed(app, actor, *, include_hidden: bool = False, limit: int = 500) -> list[str]:
    with app.db.read() as session:
        return [c.code for c in list_customers(app, session, actor, limit=limit, with_total=False,
                                               include_hidden=include_hidden).items]


def codes_paged(app, actor) -> list[str]:
    codes, cursor = [], None
    with app.db.read() as session:
        while True:
            page = list_customers(app, session, actor, limit=2, cursor=cursor, with_total=False)
            codes += [c.code for c in page.items]
            if not page.next_cursor or not page.items:
                return codes
            cursor = page.next_cursor


def opens(app, actor, code: str) -> bool:
    try:
        with app.db.read() as session:
            records.load_customer(app, session, actor, code)
    except NotFound:
        return False
    return True


def history_opens(app, actor, code: str) -> bool:
    try:
        records.history(app, actor, code)
    except NotFound:
        return False
    return True


def codes_exported(app, actor) -> list[str]:
    out = io.BytesIO()
    export_customers(app, actor, fmt="csv", out=out)
    return [r[0] for r in list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))[1:]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(org=organisations())
# the edges, always tried: a head above a team; an owner's confidential and dormant customers; a
# role held through a parent department; a user without a department; rows without owner/department
@example(org=([None, 0, 1], [({"department_head"}, 0), ({"sales"}, 2), ({"support", "marketing"}, None), (set(), 1)],
              {("department_head", 1)},
              [(None, 2, "confidential", "active"), (1, 1, "internal", "dormant"), (1, 0, "confidential", "active"),
               (None, None, "public", "inactive"), (3, None, "internal", "active"), (0, 1, "public", "pending_review")]))
def test_every_read_path_sees_the_reference_set(app, org):
    parents_idx, users_spec, dept_roles, customers_spec = org
    system = app.system_actor
    run = next(_names)
    with app.db.write() as session:  # the previous example's customers go; its users and departments stay unused
        session.execute(delete(Contact))
        session.execute(delete(ChangeLog))
        session.execute(delete(Customer))
        depts: list[int] = []
        for i, parent in enumerate(parents_idx):
            d = Department(name=f"d{run}-{i}", parent_id=depts[parent] if parent is not None else None)
            session.add(d)
            session.flush()
            depts.append(d.id)
    parents = {d: (depts[p] if p is not None else None) for d, p in zip(depts, parents_idx)}
    users: list[tuple[int, str, set[str], int | None]] = []
    for i, (roles, dept) in enumerate(users_spec):
        name = f"u{run}_{i}"
        department = depts[dept] if dept is not None else None
        user = make_user(app, name, password=None, department_id=department)
        for role in roles:
            service.assign(app, system, role, user=name)
        users.append((user.id, name, set(roles), department))
    held_by_department: dict[int, set[str]] = {}
    for role, dept in sorted(dept_roles):
        service.assign(app, system, role, department=depts[dept])
        held_by_department.setdefault(depts[dept], set()).add(role)
    rows: list[Row] = []
    for owner, dept, level, status in customers_spec:
        payload = customer_payload(confidentiality=level, status=status)
        if owner is not None:
            payload["owner"] = users[owner][1]
        if dept is not None:
            payload["department"] = f"d{run}-{dept}"
        code = records.create_customer(app, system, payload).code
        rows.append(Row(code, users[owner][0] if owner is not None else None,
                        depts[dept] if dept is not None else None, level, status))

    for user_id, name, direct, department in users:
        roles = direct | {r for d in above(parents, department) for r in held_by_department.get(d, ())}
        with app.db.read() as session:
            actor = Actor.of(session.scalar(select(User).where(User.id == user_id)))
        reachable = {r.code for r in rows if sees(roles, user_id, department, parents, r)}
        listable = {r.code for r in rows if r.code in reachable and r.status not in HIDDEN_STATUSES}
        why = (name, sorted(roles), department, parents, rows)
        if not roles:  # nobody gave them anything: every path refuses or finds nothing
            with pytest.raises(Forbidden):
                codes_listed(app, actor)
            assert not any(opens(app, actor, r.code) for r in rows), why
            continue
        listed = codes_listed(app, actor)
        assert len(listed) == len(set(listed)) and set(listed) == listable, why
        paged = codes_paged(app, actor)
        assert paged == listed, why  # same rows in the same order, none twice, none skipped
        with app.db.read() as session:
            assert count_customers(app, session, actor) == len(listable), why
        assert {r.code for r in rows if opens(app, actor, r.code)} == reachable, why
        assert {r.code for r in rows if history_opens(app, actor, r.code)} == reachable, why
        if roles & MAY_EXPORT:
            assert sorted(codes_exported(app, actor)) == sorted(listable), why
        else:
            with pytest.raises(Forbidden):
                codes_exported(app, actor)
        if roles & MAY_LIST_HIDDEN:
            assert set(codes_listed(app, actor, include_hidden=True)) == reachable, why
        else:
            with pytest.raises(Forbidden):
                codes_listed(app, actor, include_hidden=True)
