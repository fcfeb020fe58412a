"""Core's filters: one per filterable field, plus keyword, contact and absence conditions (D1–D3).

Plugins add their own through the same `register_filters` hook (tags: any / all / none).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, false, not_, or_, select

from kehu.fields import Access, FieldDef, FieldType, Storage
from kehu.hookspecs import hookimpl
from kehu.models import Contact, Customer, Department, User
from kehu.query import NOT_IN_FULL, FilterDef, compare
from kehu.validation import Invalid
from kehu.sqlfunctions import JsonListHas
from kehu.timeutil import today

T = FieldType
OPS_BY_TYPE: dict[FieldType, tuple[str, ...]] = {
    T.TEXT: ("eq", "ne", "in", "contains", "startswith", "empty"),
    T.LONGTEXT: ("contains", "empty"),
    T.ENUM: ("eq", "ne", "in", "nin", "startswith", "empty"),
    T.DATE: ("eq", "gte", "lte", "gt", "lt", "empty"),
    T.DATETIME: ("gte", "lte", "gt", "lt", "empty"),
    T.DECIMAL: ("eq", "gte", "lte", "gt", "lt", "empty"),
    T.INTEGER: ("eq", "gte", "lte", "gt", "lt", "empty"),
    T.BOOLEAN: ("eq",),
    T.MULTI_ENUM: ("any", "all", "none", "empty"),
    T.LIST: ("any", "all", "none", "empty"),
    T.USER: ("eq", "in", "empty"),
    T.DEPARTMENT: ("eq", "in", "empty"),
}


def _json_element(f: FieldDef) -> Any:
    element = Customer.custom[f.key]
    if f.type in (T.DECIMAL, T.INTEGER):
        return element.as_float()
    if f.type == T.BOOLEAN:
        return element.as_boolean()
    return element.as_string()


def _list_clause(f: FieldDef, op: str, value: Any):
    if f.storage == Storage.COLUMN:
        column, key = getattr(Customer, f.column or f.key), None
    else:
        column, key = Customer.custom, f.key
    if op == "empty":
        # Empty lists are stored as NULL (kehu.values cleans [] to None).
        target = column if key is None else Customer.custom[key].as_string()
        return target.is_(None) if value else target.is_not(None)
    has = [JsonListHas(column, v, key) for v in value]
    if op == "any":
        return or_(*has)
    if op == "all":
        return and_(*has)
    return not_(or_(*has))  # none


def field_filter(f: FieldDef) -> FilterDef:
    """The filter for one field, compiled according to where the field is stored."""

    def compile(op: str, value: Any):
        if f.type in (T.MULTI_ENUM, T.LIST):
            return _list_clause(f, op, value)
        if f.type in (T.USER, T.DEPARTMENT):
            model, name_col = (User, User.username) if f.type == T.USER else (Department, Department.name)
            column = getattr(Customer, f.column or f.key)
            if op == "empty":
                return compare(column, op, value)
            names = value if isinstance(value, list) else [value]
            return column.in_(select(model.id).where(name_col.in_(names)))
        if f.storage == Storage.COLUMN:
            column = getattr(Customer, f.column or f.key)
        else:
            column = _json_element(f)
            value = _json_value(f, value)
        return compare(column, op, value)

    return FilterDef(
        key=f.key, label_zh=f.label_zh, label_en=f.label_en, operators=OPS_BY_TYPE[f.type],
        compile=compile, value_type=f.type, choices=f.choices, plugin=f.plugin,
    )


def _json_value(f: FieldDef, value: Any) -> Any:
    """Custom values are stored as JSON: dates as ISO text, numbers as numbers."""
    convert = {T.DATE: lambda v: v.isoformat(), T.DATETIME: lambda v: v.isoformat(),
               T.DECIMAL: float}.get(f.type)
    if convert is None:
        return value
    return [convert(v) for v in value] if isinstance(value, list) else convert(value)


def _keyword(op: str, value: str, access: Mapping[str, Access]):
    """D1's simple keyword search: name, code, credit code, a contact's name or mobile.

    Only fields the actor sees in full take part: a hidden credit code or a masked mobile must
    not be found (and so confirmed) by typing it in.
    """

    def visible(key: str) -> bool:
        return access.get(key) not in NOT_IN_FULL

    terms = []
    if visible("name"):
        terms.append(Customer.name.icontains(value, autoescape=True))
    if visible("code"):
        terms.append(Customer.code == value.upper())
    if visible("credit_code"):
        terms.append(Customer.credit_code == value.upper())
    contact_terms = [column.icontains(value, autoescape=True)
                     for key, column in (("contacts.name", Contact.name), ("contacts.mobile", Contact.mobile))
                     if visible(key)]
    if contact_terms:
        terms.append(exists().where(Contact.customer_id == Customer.id, or_(*contact_terms)))
    return or_(*terms) if terms else false()


def _contact(column):
    def compile(op: str, value: Any):
        return exists().where(Contact.customer_id == Customer.id, compare(column, op, value))

    return compile


NOT_CONTACTED_MAX_DAYS = 36500


def _not_contacted(op: str, days: int):
    """SPEC D3 absence: no contact in the last N days, or never."""
    if not 0 <= int(days) <= NOT_CONTACTED_MAX_DAYS:
        raise Invalid("out_of_range", min=0, max=NOT_CONTACTED_MAX_DAYS)
    since = today() - timedelta(days=int(days))
    return or_(Customer.last_contact_date.is_(None), Customer.last_contact_date < since)


def _needs_completion(op: str, value: bool):
    return Customer.completion_due.is_not(None) if value else Customer.completion_due.is_(None)


@hookimpl
def register_filters(app):
    # A plugin-stored field lives in the plugin's tables: its plugin registers its filter (tags).
    filters = [field_filter(f) for f in app.fields if f.filterable and f.storage != Storage.PLUGIN]
    filters += [
        FilterDef("q", "关键词", "Keyword", ("eq",), lambda op, value: _keyword(op, value, {}),
                  compile_access=_keyword),
        FilterDef("contact_name", "联系人姓名", "Contact name", ("eq", "contains", "startswith"),
                  _contact(Contact.name), access_key="contacts.name"),
        FilterDef("contact_mobile", "联系人手机", "Contact mobile", ("eq", "contains", "startswith"),
                  _contact(Contact.mobile), access_key="contacts.mobile"),
        FilterDef("not_contacted_days", "未联系天数", "Not contacted for (days)", ("gte",),
                  _not_contacted, value_type=T.INTEGER, access_key="last_contact_date"),
        FilterDef("needs_completion", "待补全", "Needs completion", ("eq",), _needs_completion,
                  value_type=T.BOOLEAN),
    ]
    return filters

