"""Admin-defined custom fields and second-level categories, read from the database (SPEC A7).

An admin adds them on a screen or with `kehu fields add`, without code; their values live in
the customer's `custom` JSON and are validated like any other field.
"""

from __future__ import annotations

from sqlalchemy import select

from kehu.fields import Choice, FieldDef, FieldType, Storage, Subcategory
from kehu.hookspecs import hookimpl
from kehu.models import CustomField, CustomSubcategory


def to_field_def(row: CustomField) -> FieldDef:
    return FieldDef(
        key=row.key,
        type=FieldType(row.type),
        label_zh=row.label_zh,
        label_en=row.label_en,
        category=row.category,
        subcategory=row.subcategory,
        required_for=frozenset(row.required_for or ()),
        choices=tuple(Choice(c["value"], c["zh"], c["en"]) for c in row.choices or ()),
        validators=tuple(row.validators or ()),
        max_length=row.max_length,
        searchable=row.searchable,
        filterable=row.filterable,
        listed=row.listed,
        storage=Storage.CUSTOM,
        plugin="custom",
        order=10_000,
    )


@hookimpl
def register_fields(app):
    with app.db.read() as session:
        rows = session.scalars(select(CustomField).where(~CustomField.retired).order_by(CustomField.created_at))
        return [to_field_def(row) for row in rows]


@hookimpl
def register_subcategories(app):
    with app.db.read() as session:
        return [
            Subcategory(r.key, r.parent, r.label_zh, r.label_en, plugin="custom")
            for r in session.scalars(select(CustomSubcategory))
        ]
