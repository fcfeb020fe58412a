"""An organisation to test permissions on (pytest puts this folder on sys.path; the name is unique).

Departments (nested):

    销售中心 ─┬─ 华东销售部 ── 上海组
              └─ 华北销售部
    客服部, 市场部

Users and their G1 roles: sales1 (华东销售部, sales), sales2 (华北销售部, sales), head_east
(华东销售部, department_head), head_centre (销售中心, department_head: everything below it),
support1 (客服部, support), mkt1 (市场部, marketing), admin1 (data_admin), nobody (no role).

Customers, written by the system user:

| name | owner | department | level | status |
|---|---|---|---|---|
| own1 | sales1 | 华东销售部 | internal | |
| own1_secret | sales1 | 华东销售部 | confidential | |
| shanghai | — | 上海组 | internal | |
| north | sales2 | 华北销售部 | internal | |
| north_secret | — | 华北销售部 | confidential | |
| public | — | — | public | |
| dormant | sales1 | 华东销售部 | internal | dormant (left out of default lists, D5) |
| person | sales1 | 华东销售部 | internal | an individual with an ID number |
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kehu import records
from kehu.actors import Actor
from kehu.exporting import export_customers
from kehu.models import Department, User
from kehu.query import count_customers, list_customers, parse_conditions
from kehu.testing import customer_payload, make_user
from kehu_permissions import service

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"

DEPARTMENTS = (("销售中心", None), ("华东销售部", "销售中心"), ("上海组", "华东销售部"), ("华北销售部", "销售中心"),
               ("客服部", None), ("市场部", None))
USERS = (("sales1", "华东销售部", "sales"), ("sales2", "华北销售部", "sales"),
         ("head_east", "华东销售部", "department_head"), ("head_centre", "销售中心", "department_head"),
         ("support1", "客服部", "support"), ("mkt1", "市场部", "marketing"), ("admin1", None, "data_admin"),
         ("nobody", "华东销售部", None))
CUSTOMERS: dict[str, dict[str, Any]] = {
    "own1": {"owner": "sales1", "department": "华东销售部", "confidentiality": "internal"},
    "own1_secret": {"owner": "sales1", "department": "华东销售部", "confidentiality": "confidential"},
    "shanghai": {"department": "上海组", "confidentiality": "internal"},
    "north": {"owner": "sales2", "department": "华北销售部", "confidentiality": "internal"},
    "north_secret": {"department": "华北销售部", "confidentiality": "confidential"},
    "public": {"confidentiality": "public"},
    "dormant": {"owner": "sales1", "department": "华东销售部", "confidentiality": "internal", "status": "dormant"},
    "person": {"owner": "sales1", "department": "华东销售部", "confidentiality": "internal",
               "customer_type": "individual", "name": "李娜", "id_number": ID_NUMBER, "credit_code": None},
}
DEFAULT_LIST = set(CUSTOMERS) - {"dormant"}


@dataclass
class Org:
    app: Any
    departments: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # customer name above -> code

    def actor(self, username: str) -> Actor:
        """A fresh Actor, as every request builds one."""
        with self.app.db.read() as session:
            return Actor.of(session.scalar(select(User).where(User.username == username)))

    def names(self, codes) -> set[str]:
        by_code = {c: n for n, c in self.codes.items()}
        return {by_code.get(c, c) for c in codes}


def build_org(app, *, assign: bool = True) -> Org:
    org = Org(app)
    with app.db.write() as session:
        for name, parent in DEPARTMENTS:
            d = Department(name=name, parent_id=org.departments.get(parent))
            session.add(d)
            session.flush()
            org.departments[name] = d.id
    for username, dept, role in USERS:
        user = make_user(app, username, department_id=org.departments.get(dept))
        org.users[username] = user.id
        if assign and role:
            service.assign(app, app.system_actor, role, user=username)
    for name, fields in CUSTOMERS.items():
        data = customer_payload(**fields)
        if data.get("credit_code") is None:
            data.pop("credit_code")
        data["contacts"][0]["mobile"] = MOBILE
        org.codes[name] = records.create_customer(app, app.system_actor, data).code
    return org


def listed(org: Org, username: str, **params: Any) -> set[str]:
    """Names of the customers `username` lists (the count must agree with the list)."""
    include_hidden = params.pop("include_hidden", False)
    actor = org.actor(username)
    with org.app.db.read() as session:
        conditions = parse_conditions(org.app, params, actor)
        page = list_customers(org.app, session, actor, conditions, limit=500, include_hidden=include_hidden)
        total = count_customers(org.app, session, actor, conditions, include_hidden=include_hidden)
        assert total == page.total == len(page.items)
        return org.names(c.code for c in page.items)


def exported(org: Org, username: str) -> list[list[str]]:
    import csv

    out = io.BytesIO()
    export_customers(org.app, org.actor(username), fmt="csv", out=out)
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
