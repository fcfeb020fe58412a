"""Small helpers shared by the tags tests (pytest puts this folder on sys.path; the name is unique across plugins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kehu import records
from kehu.models import ChangeLog, Customer
from kehu.query import count_customers, list_customers, parse_conditions
from kehu.testing import customer_payload
from kehu.views import customer_views


def create(app, tags: list[str] | None = None, **fields: Any) -> Customer:
    data = customer_payload(**fields)
    if tags is not None:
        data["tags"] = tags
    return records.create_customer(app, app.system_actor, data)


def update(app, code: str, data: dict[str, Any]) -> Customer:
    return records.update_customer(app, app.system_actor, code, data, version=version(app, code))


def version(app, code: str) -> int:
    with app.db.read() as s:
        return s.scalar(select(Customer.version).where(Customer.code == code))


def view(app, code: str) -> dict[str, Any]:
    with app.db.read() as s:
        customer = records.load_customer(app, s, app.system_actor, code)
        return customer_views(app, s, app.system_actor, [customer])[0]


def tags_of(app, code: str) -> list[str] | None:
    return view(app, code).get("tags")


def codes(app, **params: Any) -> set[str]:
    """Codes of the customers meeting `params`; the count must agree with the list."""
    with app.db.read() as s:
        conditions = parse_conditions(app, params)
        page = list_customers(app, s, app.system_actor, conditions, limit=500)
        assert count_customers(app, s, app.system_actor, conditions) == len(page.items)
        return {c.code for c in page.items}


def entries(app, code: str, action: str | None = None) -> list[ChangeLog]:
    """History rows of a customer, oldest first, optionally of one action."""
    rows = list(reversed(records.history(app, app.system_actor, code)))
    return [e for e in rows if action is None or e.action == action]
