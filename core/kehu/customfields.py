"""Admins add custom fields and second-level categories at runtime, without code (SPEC A7).

Definitions are stored in the database and become `FieldDef`s (Storage.CUSTOM) when the app
reloads its definitions; their values are validated like any core field.  A field is retired,
never deleted, so the values customers already have stay readable in their history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kehu.actors import Actor
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.fields import CATEGORIES, CUSTOMER_TYPES, FieldDef, FieldType
from kehu.models import CustomField, CustomSubcategory
from kehu.validation import VALIDATORS, normalize_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
CHOICE_TYPES = {FieldType.ENUM, FieldType.MULTI_ENUM}
# Custom fields hold simple values; references and plugin lists are for code-defined fields.
ALLOWED_TYPES = [t for t in FieldType if t not in (FieldType.USER, FieldType.DEPARTMENT, FieldType.LIST)]


def _text(data: Mapping[str, Any], key: str, errors: list[FieldError], required: bool = True) -> str | None:
    value = normalize_text(str(data.get(key) or ""))
    if not value and required:
        errors.append(FieldError(key, "required"))
    return value or None


def add_field(app, actor: Actor, data: Mapping[str, Any]) -> FieldDef:
    """Create a custom field from plain data (API body, CLI options); all errors at once."""
    app.authorize(actor, "configure", "field")
    errors: list[FieldError] = []
    key = _text(data, "key", errors)
    if key and not KEY_PATTERN.match(key):
        errors.append(FieldError("key", "field_key"))
    elif key and key in app.fields:
        errors.append(FieldError("key", "field_exists", {"field": key}))
    label_zh = _text(data, "label_zh", errors)
    label_en = _text(data, "label_en", errors)
    type_ = data.get("type") or "text"
    if type_ not in ALLOWED_TYPES:
        errors.append(FieldError("type", "invalid_choice", {"choices": ", ".join(ALLOWED_TYPES)}))
    category = data.get("category") or ""
    if not category:
        errors.append(FieldError("category", "required"))
    elif category not in CATEGORIES:
        errors.append(FieldError("category", "unknown_category", {"category": category}))
    subcategory = data.get("subcategory") or None
    if subcategory and subcategory not in app.fields.subcategories:
        errors.append(FieldError("subcategory", "unknown_category", {"category": subcategory}))
    required_for = list(data.get("required_for") or [])
    if any(t not in CUSTOMER_TYPES for t in required_for):
        errors.append(FieldError("required_for", "invalid_choice", {"choices": ", ".join(CUSTOMER_TYPES)}))
    validators = list(data.get("validators") or [])
    for name in validators:
        if name not in VALIDATORS:
            errors.append(FieldError("validators", "unknown_validator", {"validator": name}))
    choices = [_choice(c) for c in data.get("choices") or []]
    if type_ in CHOICE_TYPES and not choices:
        errors.append(FieldError("choices", "choices_required"))
    if errors:
        raise ValidationFailed(errors)
    with app.db.write() as session:
        session.add(CustomField(
            key=key, type=type_, label_zh=label_zh, label_en=label_en, category=category,
            subcategory=subcategory, required_for=required_for, choices=choices, validators=validators,
            max_length=data.get("max_length"), filterable=bool(data.get("filterable", True)),
            listed=bool(data.get("listed", False)), searchable=bool(data.get("searchable", False)),
        ))
    app.reload_definitions()
    return app.fields[key]


def _choice(raw: Any) -> dict[str, str]:
    """A choice from "value", {"value", "zh", "en"} or "value:中文:English"."""
    if isinstance(raw, Mapping):
        value = str(raw.get("value", "")).strip()
        return {"value": value, "zh": str(raw.get("zh") or value), "en": str(raw.get("en") or value)}
    value, _, rest = str(raw).partition(":")
    zh, _, en = rest.partition(":")
    return {"value": value.strip(), "zh": zh.strip() or value.strip(), "en": en.strip() or value.strip()}


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
