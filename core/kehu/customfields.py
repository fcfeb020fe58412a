"""Admins add custom fields and second-level categories at runtime, without code (SPEC A7).

Definitions are stored in the database and become `FieldDef`s (Storage.CUSTOM) when the app
reloads its definitions; their values are validated like any core field.  A field can be edited
(not its key or type) and retired, never deleted, so the values customers already have stay
readable in their history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kehu.actors import Actor
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.fields import CATEGORIES, CUSTOMER_TYPES, FieldDef, FieldType
from kehu.i18n import N_
from kehu.messages import register_messages
from kehu.models import CustomField, CustomSubcategory
from kehu.validation import VALIDATORS, Invalid, normalize_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
CHOICE_TYPES = {FieldType.ENUM, FieldType.MULTI_ENUM}
# Custom fields hold simple values; references and plugin lists are for code-defined fields.
ALLOWED_TYPES = [t for t in FieldType if t not in (FieldType.USER, FieldType.DEPARTMENT, FieldType.LIST)]


# Request options and body keys that a custom field key would shadow (query strings mix filters
# with paging and options; create/update bodies carry these next to the field values).
RESERVED_KEYS = frozenset({
    "reason", "version", "limit", "offset", "sort", "cursor", "lang", "deleted", "contacts",
    "include_hidden", "fields", "format", "q", "code", "id", "tags",
})
TEXT_TYPES = {FieldType.TEXT, FieldType.LONGTEXT}
MAX_LENGTH_LIMIT = 2000

register_messages({
    "choice_removed": N_(
        "The option \"{value}\" cannot be removed: customers may have chosen it (you can rename it)"),
    "subcategory_parent": N_("The subcategory \"{category}\" is not under the chosen category"),
})


def _text(data: Mapping[str, Any], key: str, errors: list[FieldError], required: bool = True) -> str | None:
    try:
        value = normalize_text(str(data.get(key) or ""))
    except Invalid as exc:
        errors.append(FieldError(key, exc.rule, exc.params))
        return None
    if not value and required:
        errors.append(FieldError(key, "required"))
    return value or None


def add_field(app, actor: Actor, data: Mapping[str, Any]) -> FieldDef:
    """Create a custom field from plain data (API body, CLI options, screen form); all errors at once."""
    app.authorize(actor, "configure", "field")
    errors: list[FieldError] = []
    key = _text(data, "key", errors)
    if key and not KEY_PATTERN.match(key):
        errors.append(FieldError("key", "field_key"))
    elif key and (key in app.fields or _stored(app, key)):  # a retired key stays taken
        errors.append(FieldError("key", "field_exists", {"field": key}))
    elif key and (key in RESERVED_KEYS or key in app.filters):
        errors.append(FieldError("key", "field_key_reserved", {"field": key}))
    type_ = data.get("type") or "text"
    if not isinstance(type_, str) or type_ not in ALLOWED_TYPES:
        errors.append(FieldError("type", "invalid_choice", {"choices": ", ".join(ALLOWED_TYPES)}))
        type_ = None
    settings = _settings(app, data, type_, errors)
    if errors:
        raise ValidationFailed(errors)
    try:
        with app.db.write() as session:
            session.add(CustomField(key=key, type=type_, **settings))
    except IntegrityError:  # added by someone else meanwhile
        raise ValidationFailed([FieldError("key", "field_exists", {"field": key})]) from None
    app.reload_definitions()
    return app.fields[key]


def update_field(app, actor: Actor, key: str, data: Mapping[str, Any]) -> FieldDef:
    """Change a custom field's labels, category, options, checks and flags (SPEC A7).

    The key and the type stay: customers' stored values are keyed by the one and shaped by the
    other.  Options can be added and renamed but not removed, as customers may hold them.
    """
    app.authorize(actor, "configure", "field")
    with app.db.read() as session:
        row = session.get(CustomField, key)
    if row is None or row.retired:
        raise NotFound(field=key)
    errors: list[FieldError] = []
    settings = _settings(app, data, row.type, errors)  # the type never changes: reading it early is fine
    with app.db.write() as session:
        row = session.get(CustomField, key, with_for_update=True)
        if row is None or row.retired:  # retired by someone else meanwhile
            raise NotFound(field=key)
        # Checked under the row lock: an option added by a concurrent edit is not silently dropped.
        kept = {c["value"] for c in settings["choices"]}
        errors += [FieldError("choices", "choice_removed", {"value": old["value"]})
                   for old in row.choices or () if old["value"] not in kept]
        if errors:
            raise ValidationFailed(errors)
        for name, value in settings.items():
            setattr(row, name, value)
    app.reload_definitions()
    return app.fields[key]


def _settings(app, data: Mapping[str, Any], type_: str | None, errors: list[FieldError]) -> dict[str, Any]:
    """Everything of a definition but its key and type, checked the same for adding and editing."""
    label_zh = _text(data, "label_zh", errors)
    label_en = _text(data, "label_en", errors)
    category = data.get("category") or ""
    if not category:
        errors.append(FieldError("category", "required"))
    elif not isinstance(category, str) or category not in CATEGORIES:
        errors.append(FieldError("category", "unknown_category", {"category": str(category)}))
    subcategory = data.get("subcategory") or None
    if subcategory and (not isinstance(subcategory, str) or subcategory not in app.fields.subcategories):
        errors.append(FieldError("subcategory", "unknown_category", {"category": str(subcategory)}))
    elif subcategory and category in CATEGORIES and app.fields.subcategories[subcategory].parent != category:
        errors.append(FieldError("subcategory", "subcategory_parent", {"category": subcategory}))
    required_for = _list(data, "required_for", errors)
    if any(t not in CUSTOMER_TYPES for t in required_for):
        errors.append(FieldError("required_for", "invalid_choice", {"choices": ", ".join(CUSTOMER_TYPES)}))
    validators = _list(data, "validators", errors)
    for name in validators:
        if name not in VALIDATORS:
            errors.append(FieldError("validators", "unknown_validator", {"validator": str(name)}))
        elif type_ not in TEXT_TYPES:  # the checks take and return text
            errors.append(FieldError("validators", "validator_needs_text", {"validator": name}))
    max_length = data.get("max_length")
    if max_length is not None and max_length != "":
        if isinstance(max_length, str) and max_length.strip().isdigit():
            max_length = int(max_length)
        whole = isinstance(max_length, int) and not isinstance(max_length, bool)
        if not whole or not 1 <= max_length <= MAX_LENGTH_LIMIT:
            errors.append(FieldError("max_length", "max_length_range", {"max": MAX_LENGTH_LIMIT}))
            max_length = None
    else:
        max_length = None
    choices = []
    for raw in _list(data, "choices", errors):
        try:
            choices.append(_choice(raw))
        except Invalid as exc:
            errors.append(FieldError("choices", exc.rule, exc.params))
    if type_ in CHOICE_TYPES and not choices and not any(e.field == "choices" for e in errors):
        errors.append(FieldError("choices", "choices_required"))
    seen: set[str] = set()
    for c in choices:
        if not c["value"]:
            errors.append(FieldError("choices", "choice_value_required"))
        elif c["value"] in seen:
            errors.append(FieldError("choices", "duplicate_choice", {"value": c["value"]}))
        seen.add(c["value"])
    return {
        "label_zh": label_zh, "label_en": label_en, "category": category, "subcategory": subcategory,
        "required_for": required_for, "choices": choices, "validators": validators, "max_length": max_length,
        "filterable": bool(data.get("filterable", True)), "listed": bool(data.get("listed", False)),
        "searchable": bool(data.get("searchable", False)),
    }


def _stored(app, key: str) -> bool:
    """Whether a custom field row (retired ones included) already has `key`."""
    with app.db.read() as session:
        return session.get(CustomField, key) is not None


def _list(data: Mapping[str, Any], key: str, errors: list[FieldError]) -> list[Any]:
    raw = data.get(key) or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        errors.append(FieldError(key, "not_a_list"))
        return []
    return list(raw)


def _choice(raw: Any) -> dict[str, str]:
    """A choice from "value", {"value", "zh", "en"} or "value:中文:English"; raises `Invalid`."""
    if isinstance(raw, Mapping):
        value, zh, en = (str(raw.get(k) or "") for k in ("value", "zh", "en"))
    else:
        value, _, rest = str(raw).partition(":")
        zh, _, en = rest.partition(":")
    # Values are compared normalised when customers are saved, so they are stored that way;
    # labels keep their (full-width) punctuation and are only checked for control characters.
    value = normalize_text(value)
    normalize_text(zh + en)
    return {"value": value, "zh": zh.strip() or value, "en": en.strip() or value}


def retired_fields(app) -> list[CustomField]:
    """Custom fields retired so far (their keys stay taken), for the admin screen."""
    with app.db.read() as session:
        return list(session.scalars(select(CustomField).where(CustomField.retired).order_by(CustomField.key)))


def retire_field(app, actor: Actor, key: str) -> None:
    """Hide a custom field from forms and filters; stored values and history stay."""
    app.authorize(actor, "configure", "field")
    with app.db.write() as session:
        row = session.get(CustomField, key)
        if row is None or row.retired:
            raise NotFound(field=key)
        row.retired = True
    app.reload_definitions()


def add_subcategory(app, actor: Actor, data: Mapping[str, Any]) -> None:
    app.authorize(actor, "configure", "field")
    errors: list[FieldError] = []
    key = _text(data, "key", errors)
    if key and not KEY_PATTERN.match(key):
        errors.append(FieldError("key", "field_key"))
    elif key and key in app.fields.subcategories:
        errors.append(FieldError("key", "field_exists", {"field": key}))
    parent = data.get("parent") or ""
    if parent not in CATEGORIES:
        errors.append(FieldError("parent", "unknown_category", {"category": parent}))
    label_zh = _text(data, "label_zh", errors)
    label_en = _text(data, "label_en", errors)
    if errors:
        raise ValidationFailed(errors)
    with app.db.write() as session:
        session.add(CustomSubcategory(key=key, parent=parent, label_zh=label_zh, label_en=label_en))
    app.reload_definitions()
