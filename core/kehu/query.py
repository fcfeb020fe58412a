"""List customers: conditions from field definitions, ANDed (SPEC D2, D3, D5), sorted and paged.

A request's conditions come as `field` or `field__op` keys (`grade=A`,
`last_contact_date__gte=2024-01-01`, `tags__all=区域-华东,长期合作`).  Each names a `FilterDef`
(core derives one per filterable field; plugins add theirs) whose `compile` returns a SQLAlchemy
condition.  The actor's permission scope is ANDed in the same WHERE, so list, count, export and
every later read see exactly the same rows.  SQL is built from expressions only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from kehu.actors import Actor
from kehu.choices import HIDDEN_BY_DEFAULT
from kehu.errors import FieldError, ValidationFailed
from kehu.fields import Access, Choice, FieldType
from kehu.i18n import N_
from kehu.messages import Bilingual
from kehu.models import Customer

Compile = Callable[[str, Any], ColumnElement[bool]]
# A compile that also needs what the actor may see: `(op, value, access)`, access as from
# `app.field_access(actor)` (empty: everything visible).
AccessCompile = Callable[[str, Any, Mapping[str, Access]], ColumnElement[bool]]

# Access levels under which a value is not seen in full: no condition or sort may probe it.
NOT_IN_FULL = (Access.HIDDEN, Access.MASKED)

# The words for each operator: op → English msgid (kehu.po translates).
OPERATOR_LABELS: dict[str, str] = {
    "eq": N_("is"),
    "ne": N_("is not"),
    "in": N_("is one of"),
    "nin": N_("is none of"),
    "contains": N_("contains"),
    "startswith": N_("starts with"),
    "gte": N_("at least"),
    "lte": N_("at most"),
    "gt": N_("after / above"),
    "lt": N_("before / below"),
    "empty": N_("is empty"),
    "any": N_("has any of"),
    "all": N_("has all of"),
    "none": N_("has none of"),
}
# The same as {op: (zh, en)}; `operator_label(op, lang)` gives one language.
OPERATORS = Bilingual(OPERATOR_LABELS)


def operator_label(op: str, lang: str = "zh") -> str:
    return OPERATORS.label(op, lang)


LIST_OPERATORS = {"in", "nin", "any", "all", "none"}


@dataclass(frozen=True)
class FilterDef:
    """A condition the list may use.  `compile(op, value)` gets a cleaned value (a list for list ops)."""

    key: str
    label_zh: str
    label_en: str
    operators: tuple[str, ...]
    compile: Compile
    # How values are parsed: a FieldType (dates, numbers, choices) — text when None.
    value_type: FieldType = FieldType.TEXT
    choices: tuple[Choice, ...] = ()
    plugin: str = "core"
    # The `field_access` key guarding the values this filter tests (default: `key`).
    access_key: str | None = None
    # Used instead of `compile` when set: for filters spanning several fields (the keyword `q`),
    # which must leave out the fields the actor may not see in full.
    compile_access: AccessCompile | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def describe(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label(lang),
            "operators": list(self.operators),
            "type": str(self.value_type),
            "choices": [{"value": c.value, "label": c.label(lang)} for c in self.choices],
            "plugin": self.plugin,
        }


@dataclass(frozen=True)
class Condition:
    key: str
    op: str
    value: Any
    # the compiled SQL condition
    clause: ColumnElement[bool] = field(compare=False, repr=False)


# Sort keys that never hold NULL, so keyset (cursor) pagination can use them.
KEYSET_SORTS = {"id", "code", "name", "entry_date", "created_at", "updated_at"}
DEFAULT_SORT = "-id"
MAX_LIMIT = 500

# Keys of list requests that are not conditions.
RESERVED = {"sort", "limit", "offset", "cursor", "include", "lang", "fields"}


def parse_conditions(app, params: Mapping[str, Any], actor: Actor | None = None) -> list[Condition]:
    """Conditions from request parameters; every bad one is reported, field by field.

    With an `actor`, conditions respect what the actor may see (`app.field_access`): a hidden
    field cannot be filtered on at all (refused as unknown, not revealing it exists), a masked
    one only by `empty`.  Without an actor (plugins, the system) nothing is checked.
    """
    from kehu.values import clean_value
    from kehu.validation import Invalid

    access: Mapping[str, Access] = app.field_access(actor) if actor is not None else {}
    conditions: list[Condition] = []
    errors: list[FieldError] = []
    for raw_key, raw in params.items():
        if raw_key in RESERVED:
            continue
        key, _, op = raw_key.partition("__")
        op = op or "eq"
        fd = app.filters.get(key)
        level = access.get(fd.access_key or fd.key) if fd is not None else None
        if fd is None or level == Access.HIDDEN:
            errors.append(FieldError(raw_key, "unknown_filter", {"field": key}))
            continue
        if op not in fd.operators or (level == Access.MASKED and op != "empty"):
            errors.append(FieldError(raw_key, "unknown_operator", {"field": key, "op": op}))
            continue
        try:
            value = _parse_value(fd, op, raw, clean_value)
            clause = fd.compile_access(op, value, access) if fd.compile_access else fd.compile(op, value)
        except Invalid as exc:
            errors.append(FieldError(raw_key, exc.rule, exc.params))
            continue
        conditions.append(Condition(key, op, value, clause))
    if errors:  # a read: say the conditions are wrong, not that nothing was saved
        raise ValidationFailed(errors, rule="invalid_conditions")
    return conditions


def _parse_value(fd: FilterDef, op: str, raw: Any, clean_value) -> Any:
    from kehu.fields import FieldDef
    from kehu.validation import Invalid

    if op == "empty":
        value = str(raw).strip().lower()
        if value not in ("true", "false", "1", "0"):
            raise Invalid("invalid_boolean")
        return value in ("true", "1")
    # Parse like the field itself, but without its validators: "contains 138" is a fine filter.
    parser = FieldDef(fd.key, fd.value_type, fd.label_zh, fd.label_en, "basic", choices=fd.choices)
    if op in ("contains", "startswith"):  # part of a value: plain text ("industry starts with C")
        parser = FieldDef(fd.key, FieldType.TEXT, fd.label_zh, fd.label_en, "basic")
    elif fd.value_type in (FieldType.MULTI_ENUM, FieldType.LIST):
        parser = FieldDef(fd.key, FieldType.ENUM if fd.choices else FieldType.TEXT, fd.label_zh,
                          fd.label_en, "basic", choices=fd.choices)
    items = raw if isinstance(raw, list | tuple) else [raw]
    if op in LIST_OPERATORS:
        items = [part for item in items for part in str(item).replace("，", ",").split(",")]
        values = [clean_value(parser, item) for item in items]
        values = [v for v in values if v is not None]
        if not values:
            raise Invalid("required")
        return values
    if len(items) != 1:
        raise Invalid("not_text")
    value = clean_value(parser, items[0])
    if value is None:
        raise Invalid("required")
    return value


def compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """The usual comparison operators on one column (or JSON element)."""
    match op:
        case "eq":
            return column == value
        case "ne":
            return or_(column != value, column.is_(None))
        case "in":
            return column.in_(value)
        case "nin":
            return or_(column.not_in(value), column.is_(None))
        case "contains":  # case-insensitive on every database ("acme" finds "Acme")
            return column.icontains(value, autoescape=True)
        case "startswith":
            return column.istartswith(value, autoescape=True)
        case "gte":
            return column >= value
        case "lte":
            return column <= value
        case "gt":
            return column > value
        case "lt":
            return column < value
        case "empty":
            return column.is_(None) if value else column.is_not(None)
    raise ValueError(op)


# --- Listing -------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Customer]
    total: int | None
    limit: int
    offset: int
    next_cursor: str | None
    sort: str


def authorize_list(app, actor: Actor, *, include_hidden: bool = False, deleted: bool = False) -> None:
    """May `actor` list customers at all — and the hidden (D5) or deleted ones?"""
    app.authorize(actor, "list")
    if include_hidden:
        app.authorize(actor, "list_hidden")
    if deleted:
        app.authorize(actor, "list_deleted")


def base_conditions(
    app, actor: Actor, conditions: Sequence[Condition] = (), *, include_hidden: bool = False,
    deleted: bool = False, action: str = "read",
) -> list[ColumnElement[bool]]:
    """The WHERE of every read: the permission scope, soft deletion, D5's default, the conditions."""
    where: list[ColumnElement[bool]] = list(app.scope(actor, action))
    where.append(Customer.deleted_at.is_not(None) if deleted else Customer.deleted_at.is_(None))
    # D5: inactive and dormant customers are left out unless asked for — by `include_hidden` or a
    # status condition, and only by somebody who may list them (else a status filter would be a
    # way round `list_hidden`: it then works among the customers shown by default).
    asked = any(c.key == "status" for c in conditions) and app.allowed(actor, "list_hidden")
    if not include_hidden and not asked:
        where.append(Customer.status.not_in(HIDDEN_BY_DEFAULT))
    where += [c.clause for c in conditions]
    return where


def _sort_columns(app, sort: str, access: Mapping[str, Access] | None = None) -> list[tuple[str, Any, bool]]:
    """The sort's columns; a field the actor may not see in full cannot be sorted by."""
    access = access or {}
    result = []
    for part in [p.strip() for p in sort.split(",") if p.strip()]:
        desc = part.startswith("-")
        key = part.lstrip("-+")
        f = app.fields.fields.get(key)
        column = None
        if key in ("id", "created_at", "updated_at"):
            column = getattr(Customer, key)
        elif f is not None and f.storage == "column" and (f.listed or f.filterable):
            column = getattr(Customer, f.column or f.key)
        if column is None or access.get(key) in NOT_IN_FULL:
            raise ValidationFailed([FieldError("sort", "unknown_sort", {"field": key})])
        result.append((key, column, desc))
    if not any(key == "id" for key, _, _ in result):
        result.append(("id", Customer.id, result[-1][2] if result else True))
    return result


def list_customers(
    app, session: Session, actor: Actor, conditions: Sequence[Condition] = (), *,
    sort: str = DEFAULT_SORT, limit: int = 50, offset: int = 0, cursor: str | None = None,
    with_total: bool = True, include_hidden: bool = False, deleted: bool = False,
) -> Page:
    """One page of the customers `actor` may see that meet all `conditions` (SPEC D2, D3, D5).

    Deep pages: pass the previous page's `next_cursor` (keyset pagination, constant cost at any
    depth) when sorting by columns that are never empty; `offset` works for any sort.
    """
    authorize_list(app, actor, include_hidden=include_hidden, deleted=deleted)
    limit = max(1, min(int(limit), MAX_LIMIT))
    where = base_conditions(app, actor, conditions, include_hidden=include_hidden, deleted=deleted)
    sorts = _sort_columns(app, sort or DEFAULT_SORT, app.field_access(actor))
    stmt: Select = select(Customer).where(*where)
    keyset = all(key in KEYSET_SORTS for key, _, _ in sorts)
    if cursor:
        if not keyset:
            raise ValidationFailed([FieldError("cursor", "bad_cursor")])
        stmt = stmt.where(_after(sorts, _decode_cursor(cursor, [col for _, col, _ in sorts])))
        offset = 0
    order = [col.desc() if desc else col.asc() for _, col, desc in sorts]
    rows = list(session.scalars(stmt.order_by(*order).offset(offset).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and keyset and rows:
        last = rows[-1]
        next_cursor = _encode_cursor([getattr(last, col.key) for _, col, _ in sorts])
    total = count_customers(app, session, actor, conditions, include_hidden=include_hidden,
                            deleted=deleted) if with_total else None
    return Page(rows, total, limit, offset, next_cursor, sort or DEFAULT_SORT)


def count_customers(
    app, session: Session, actor: Actor, conditions: Sequence[Condition] = (), *,
    include_hidden: bool = False, deleted: bool = False,
) -> int:
    authorize_list(app, actor, include_hidden=include_hidden, deleted=deleted)
    where = base_conditions(app, actor, conditions, include_hidden=include_hidden, deleted=deleted)
    return session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0


def _after(sorts: list[tuple[str, Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the sort order (the OR-expansion of a row comparison)."""
    clauses = []
    for i, (_, col, desc) in enumerate(sorts):
        equal_before = [sorts[j][1] == values[j] for j in range(i)]
        beyond = col < values[i] if desc else col > values[i]
        clauses.append(and_(*equal_before, beyond))
    return or_(*clauses) if clauses else true()


def _encode_cursor(values: list[Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, date):
            return {"d": v.isoformat()}
        if isinstance(v, Decimal):
            return {"n": str(v)}
        return v

    return base64.urlsafe_b64encode(json.dumps([plain(v) for v in values]).encode()).decode()


INT64 = (-(2**63), 2**63 - 1)


def _cursor_value(v: Any, column: Any) -> Any:
    """One decoded cursor value, checked against its sort column's type; ValueError if wrong."""
    try:  # a TypeDecorator (UTCDateTime) answers for the type it wraps
        expected = getattr(column.type, "impl_instance", column.type).python_type
    except NotImplementedError:  # pragma: no cover - every keyset column has a Python type
        raise ValueError from None
    if isinstance(v, dict) and set(v) == {"d"} and isinstance(v["d"], str):
        text = v["d"]
        value: Any = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    elif isinstance(v, dict) and set(v) == {"n"} and isinstance(v["n"], str):
        value = Decimal(v["n"])
        if not value.is_finite():
            raise ValueError
    else:
        value = v
    if expected is bool or type(value) is bool:
        raise ValueError
    if expected is int:
        if type(value) is not int or not INT64[0] <= value <= INT64[1]:
            raise ValueError
    elif expected is str:
        if type(value) is not str or "\x00" in value:
            raise ValueError
    elif expected in (date, datetime, Decimal):
        if type(value) is not expected:
            raise ValueError
    else:  # pragma: no cover - no other keyset column types
        raise ValueError
    return value


def _decode_cursor(cursor: str, columns: Sequence[Any]) -> list[Any]:
    """The values of a `next_cursor`, each of its sort column's type — else `bad_cursor`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError
        return [_cursor_value(v, col) for v, col in zip(raw, columns, strict=True)]
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        raise ValidationFailed([FieldError("cursor", "bad_cursor")]) from None
