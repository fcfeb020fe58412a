"""Which customer rows: a user's allow rules compiled into one SQL condition (SPEC G1, G2, DESIGN).

Casbin answers "may do" for a (subject, resource type, action); it has no translation of rules
into SQL.  So for customer rows the rules that allow an action (`Grant`: a role's scope and
highest confidentiality level) are compiled here, once per (user, action) and request, into one
SQLAlchemy condition on `Customer` that core ANDs into every list, count, detail, history and
export (the `customer_scope` hook): an OR over the grants of (scope AND level).

`matches` answers the same question for one loaded row (`permission_allowed(..., customer=)`).
Both are written side by side from the same grants, with the same edge cases — a user without a
department matches no department rule, an owner or department that is NULL matches nothing, an
unknown confidentiality value matches no level list — so they cannot disagree (a test checks
them against each other row by row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from kehu.models import Customer
from kehu_permissions.vocabulary import LEVELS, SCOPES, visible_levels


@dataclass(frozen=True)
class Grant:
    """One allow rule reaching customer rows: `scope` (own / department / subtree / all) up to `level`."""

    role: str
    scope: str
    level: str


@dataclass(frozen=True)
class Who:
    """What a scope is relative to: the user and their department with everything below it."""

    user_id: int | None
    department_id: int | None
    subtree: frozenset[int]  # the department and all its sub-departments (empty without one)


def simplify(grants: Iterable[Grant]) -> list[Grant]:
    """Drop grants another one already covers (same or wider scope, same or higher level)."""
    grants = sorted(set(grants), key=lambda g: (-SCOPES.index(g.scope), -LEVELS.index(g.level), g.role))
    kept: list[Grant] = []
    for g in grants:
        if not any(_covers(k, g) for k in kept):
            kept.append(g)
    return kept


def _covers(a: Grant, b: Grant) -> bool:
    wider = a.scope == b.scope or a.scope == "all" or (a.scope == "subtree" and b.scope == "department")
    return wider and LEVELS.index(a.level) >= LEVELS.index(b.level)


def _levels(level: str) -> tuple[str, ...] | None:
    """The levels a grant lets through; None when it is the highest (every row passes)."""
    return None if level == LEVELS[-1] else visible_levels(level)


def condition(grants: Iterable[Grant], who: Who) -> ColumnElement[bool] | None:
    """The SQL condition on `Customer` for these grants: None = every row, `false()` = none."""
    parts: list[ColumnElement[bool]] = []
    for g in simplify(grants):
        rows = _rows(g.scope, who)
        levels = _levels(g.level)
        if rows is None and levels is None:
            return None  # all customers at every level: no restriction at all
        clauses = [c for c in (rows, Customer.confidentiality.in_(levels) if levels else None) if c is not None]
        parts.append(clauses[0] if len(clauses) == 1 else and_(*clauses))
    if not parts:
        return false()
    return parts[0] if len(parts) == 1 else or_(*parts)


def _rows(scope: str, who: Who) -> ColumnElement[bool] | None:
    if scope == "all":
        return None
    if scope == "own":
        return Customer.owner_id == who.user_id if who.user_id is not None else false()
    if scope == "department":
        return Customer.department_id == who.department_id if who.department_id is not None else false()
    if scope == "subtree":
        return Customer.department_id.in_(sorted(who.subtree)) if who.subtree else false()
    raise ValueError(scope)


def matches(grants: Iterable[Grant], who: Who, customer: Any) -> bool:
    """Does the loaded `customer` row meet `condition(grants, who)`?  The same rules, in Python."""
    for g in simplify(grants):
        levels = _levels(g.level)
        if _row_matches(g.scope, who, customer) and (levels is None or customer.confidentiality in levels):
            return True
    return False


def _row_matches(scope: str, who: Who, customer: Any) -> bool:
    if scope == "all":
        return True
    if scope == "own":
        return who.user_id is not None and customer.owner_id is not None and customer.owner_id == who.user_id
    if scope == "department":
        return (who.department_id is not None and customer.department_id is not None
                and customer.department_id == who.department_id)
    if scope == "subtree":
        return customer.department_id is not None and customer.department_id in who.subtree
    raise ValueError(scope)
