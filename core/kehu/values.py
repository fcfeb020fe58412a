"""Turn raw input into typed field values, collecting every field error at once (SPEC A3, A4, A8).

The same function cleans a form, a JSON body, a CLI argument and an imported row, driven only by
the field definitions; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kehu.errors import FieldError
from kehu.fields import FieldDef, FieldRegistry, FieldType
from kehu.validation import VALIDATORS, Invalid, check_not_vague, normalize_text, parse_date, parse_datetime

T = FieldType
TEXTUAL = {T.TEXT, T.LONGTEXT, T.USER, T.DEPARTMENT}
_TRUE = {"true", "1", "yes", "on", "是"}
_FALSE = {"false", "0", "no", "off", "否"}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def clean_value(f: FieldDef, raw: Any) -> Any:
    """The typed value of `raw` for field `f`, or None when empty; raises `Invalid`."""
    if is_empty(raw):
        return None
    if f.type in TEXTUAL:
        if isinstance(raw, bool) or not isinstance(raw, str | int):  # True is an int, not "True"
            raise Invalid("not_text")
        # Notes keep their line breaks; one-line fields collapse all whitespace.
        multiline = f.type == T.LONGTEXT
        value = check_not_vague(normalize_text(str(raw), multiline=multiline), multiline=multiline)
        if f.max_length and len(value) > f.max_length:
            raise Invalid("too_long", max=f.max_length)
    elif f.type == T.ENUM:
        value = _choice(f, raw)
    elif f.type in (T.MULTI_ENUM, T.LIST):
        if isinstance(raw, str):
            raw = [part for part in raw.replace("，", ",").split(",")]
        if not isinstance(raw, list | tuple):
            raise Invalid("not_a_list")
        items = [normalize_text(str(v)) for v in raw if not is_empty(v)]
        if f.type == T.MULTI_ENUM:
            items = [_choice(f, v) for v in items]
        else:
            items = [check_not_vague(v) for v in items]
        value = list(dict.fromkeys(items)) or None  # keep order, drop repeats
    elif f.type == T.DATE:
        value = parse_date(raw if isinstance(raw, date) else normalize_text(str(raw)))
    elif f.type == T.DATETIME:
        value = parse_datetime(raw if isinstance(raw, datetime) else normalize_text(str(raw)))
    elif f.type == T.DECIMAL:
        value = _decimal(raw)
    elif f.type == T.INTEGER:
        value = _integer(raw)
    elif f.type == T.BOOLEAN:
        value = _boolean(raw)
    else:  # pragma: no cover - every FieldType is handled above
        raise AssertionError(f.type)
    for name in f.validators:
        value = VALIDATORS[name](value)
    return value


def _choice(f: FieldDef, raw: Any) -> str:
    value = normalize_text(str(raw))
    if f.choice(value):
        return value
    # Accept a label too ("制造业-…", "A类（高价值）"), so people and spreadsheets can use words.
    for c in f.choices:
        if value in (normalize_text(c.zh), normalize_text(c.en)):
            return c.value
    shown = "、".join(c.value for c in f.choices[:12]) + ("…" if len(f.choices) > 12 else "")
    raise Invalid("invalid_choice", choices=shown)


# Amounts are Numeric(16, 2) (14 integer digits), but SQLite stores NUMERIC as REAL, a double
# that is exact to about 15 significant digits only: 99999999999999.99 would come back as
# ...98.  13 integer digits + 2 decimals = 15 digits survive the round trip on both databases.
DECIMAL_LIMIT = Decimal(10) ** 13
DECIMAL_MAX = "9999999999999.99"


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise Invalid("invalid_decimal")
    try:
        value = Decimal(normalize_text(str(raw)).replace(",", ""))
    except InvalidOperation:
        raise Invalid("invalid_decimal") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise Invalid("invalid_decimal")
    if value < 0:
        raise Invalid("negative")
    if value >= DECIMAL_LIMIT:
        raise Invalid("too_large", max=DECIMAL_MAX)
    try:
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the bound above keeps quantize in range
        raise Invalid("invalid_decimal") from None


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise Invalid("invalid_integer")
    try:
        return int(normalize_text(str(raw)))
    except ValueError:
        raise Invalid("invalid_integer") from None


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = normalize_text(str(raw)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid("invalid_boolean")


def clean_fields(
    fields: Iterable[FieldDef], data: Mapping[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], list[FieldError]]:
    """Clean the keys of `data` that `fields` define; unknown keys are errors."""
    by_key = {f.key: f for f in fields}
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, raw in data.items():
        f = by_key.get(key)
        if f is None:
            errors.append(FieldError(prefix + key, "unknown_field", {"field": key}))
            continue
        if f.readonly:
            errors.append(FieldError(prefix + key, "readonly"))
            continue
        try:
            values[key] = clean_value(f, raw)
        except Invalid as exc:
            errors.append(FieldError(prefix + key, exc.rule, exc.params))
    return values, errors


def missing_required(
    registry: FieldRegistry, state: Mapping[str, Any], customer_type: str | None
) -> list[FieldError]:
    """Required fields (by customer type, SPEC A8) that are empty in the merged `state`."""
    return [
        FieldError(f.key, "required")
        for f in registry
        if f.is_required(customer_type) and not f.readonly and is_empty(state.get(f.key))
    ]


def missing_key_info(registry: FieldRegistry, state: Mapping[str, Any]) -> list[str]:
    """Key-information fields (by customer type) still empty: flagged for completion (SPEC A8)."""
    customer_type = state.get("customer_type")
    return [f.key for f in registry if f.is_key_info(customer_type) and is_empty(state.get(f.key))]


def clean_contacts(raw: Any) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Clean a list of contacts (SPEC A4) and check the rules that span them."""
    from kehu.defaults.core_fields import CONTACT_FIELDS

    if not isinstance(raw, list | tuple):
        return [], [FieldError("contacts", "not_a_list")]
    contacts: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for i, item in enumerate(raw):
        prefix = f"contacts[{i}]."
        if not isinstance(item, Mapping):
            errors.append(FieldError(f"contacts[{i}]", "not_a_list"))
            continue
        item = {k: v for k, v in item.items() if k not in ("id",)}
        values, errs = clean_fields(CONTACT_FIELDS, item, prefix)
        if is_empty(values.get("name")) and not any(e.field == prefix + "name" for e in errs):
            errs.append(FieldError(prefix + "name", "required"))
        errors += errs
        contacts.append(values)
    if not errors:
        errors += contact_rules(contacts)
    return contacts, errors


def contact_rules(contacts: list[dict[str, Any]]) -> list[FieldError]:
    """At least one contact, exactly one primary, two contact methods in all (SPEC A4).

    When nobody is marked primary, the first contact becomes primary (mutates `contacts`).
    """
    from kehu.defaults.core_fields import CONTACT_METHODS

    if not contacts:
        return [FieldError("contacts", "contacts_required")]
    primaries = sum(bool(c.get("is_primary")) for c in contacts)
    if primaries == 0:
        contacts[0]["is_primary"] = True
    elif primaries > 1:
        return [FieldError("contacts", "one_primary", {"count": primaries})]
    methods = {(m, c[m]) for c in contacts for m in CONTACT_METHODS if not is_empty(c.get(m))}
    if len(methods) < 2:
        return [FieldError("contacts", "contact_methods", {"count": len(methods)})]
    return []
