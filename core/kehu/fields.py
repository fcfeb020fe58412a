"""Field definitions: every customer field is described once, here or by a plugin (SPEC A7, H5).

A `FieldDef` says what a field is (type, labels in zh-CN and en, category, when it is required,
its choices and validators, how sensitive it is, whether it is searchable / filterable / listed)
and where its value lives.  Validation, the JSON API, filters and the generated screens all read
these definitions, so a field added by a plugin or by an admin shows up everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kehu.i18n import N_
from kehu.messages import Bilingual


class FieldType(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"
    # A list of free strings whose meaning a plugin owns (tags).
    LIST = "list"
    # References, given and shown as a username / department name, stored as ids.
    USER = "user"
    DEPARTMENT = "department"


class Storage(StrEnum):
    COLUMN = "column"  # a column of the customer table (core fields only)
    CUSTOM = "custom"  # the customer's `custom` JSON bag (admin-defined and simple plugin fields)
    PLUGIN = "plugin"  # the plugin keeps it in its own tables (customers_saved / customer_data hooks)


class Sensitivity(StrEnum):
    NONE = "none"
    PERSONAL = "personal"  # personal information (PIPL): masked unless the viewer may see it
    SENSITIVE = "sensitive"  # sensitive personal information, e.g. ID numbers (SPEC A3, G)


# The five top-level categories of SPEC A7, in screen order: key → English msgid (kehu.po translates).
CATEGORY_LABELS: dict[str, str] = {
    "basic": N_("Basic information"),
    "contact": N_("Contact information"),
    "business": N_("Business information"),
    "interactions": N_("Interactions"),
    "preferences": N_("Preference tags"),
}
# The same as {key: (zh, en)}; `category_label(key, lang)` gives one language.
CATEGORIES = Bilingual(CATEGORY_LABELS)


def category_label(key: str, lang: str = "zh") -> str:
    return CATEGORIES.label(key, lang)


class Access(StrEnum):
    """What an actor may do with one field, from most to least restrictive (`field_access` hook)."""

    HIDDEN = "hidden"
    MASKED = "masked"
    READ = "read"
    WRITE = "write"

    @staticmethod
    def strictest(values) -> "Access":
        order = list(Access)
        return min(values, key=order.index, default=Access.WRITE)


CUSTOMER_TYPES = ("enterprise", "individual", "institution")
ALL_TYPES = frozenset(CUSTOMER_TYPES)


@dataclass(frozen=True)
class Choice:
    value: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Subcategory:
    """A second-level category under one of the five of A7 (added by admins or plugins)."""

    key: str
    parent: str
    label_zh: str
    label_en: str
    plugin: str = "core"


@dataclass(frozen=True)
class FieldDef:
    key: str
    type: FieldType
    label_zh: str
    label_en: str
    category: str
    subcategory: str | None = None
    # Customer types for which the field must be filled (SPEC A8: required depends on the type).
    required_for: frozenset[str] = frozenset()
    choices: tuple[Choice, ...] = ()
    # Names of checks in kehu.validation.VALIDATORS, applied after type conversion.
    validators: tuple[str, ...] = ()
    max_length: int | None = None
    sensitivity: Sensitivity = Sensitivity.NONE
    searchable: bool = False
    filterable: bool = False
    listed: bool = False
    # System-maintained: never accepted from input (e.g. the customer code, SPEC A1).
    readonly: bool = False
    storage: Storage = Storage.COLUMN
    # The Customer attribute behind a COLUMN field, when it differs from the key (owner → owner_id).
    column: str | None = None
    # Customer types for which this is key information (SPEC A8): when it is missing, the profile
    # is flagged for completion within 24 hours.
    key_info_for: frozenset[str] = frozenset()
    plugin: str = "core"
    help_zh: str = ""
    help_en: str = ""
    order: int = 0
    # A template drawing this field's input on the forms instead of the generated one, e.g.
    # "kehu_tags/picker.html"; it gets the `Widget` as `w` (options from the `field_options` hook).
    widget: str | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def is_required(self, customer_type: str | None) -> bool:
        return customer_type in self.required_for

    def is_key_info(self, customer_type: str | None) -> bool:
        return customer_type in self.key_info_for

    def describe(self, lang: str = "zh") -> dict[str, Any]:
        """Plain-data description for the API and screens."""
        return {
            "key": self.key,
            "type": str(self.type),
            "label": self.label(lang),
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "category": self.category,
            "subcategory": self.subcategory,
            "required_for": sorted(self.required_for),
            "choices": [{"value": c.value, "label": c.label(lang)} for c in self.choices],
            "validators": list(self.validators),
            "max_length": self.max_length,
            "sensitivity": str(self.sensitivity),
            "searchable": self.searchable,
            "filterable": self.filterable,
            "listed": self.listed,
            "readonly": self.readonly,
            "key_info_for": sorted(self.key_info_for),
            "storage": str(self.storage),
            "plugin": self.plugin,
            "help": self.help_en if lang == "en" else self.help_zh,
        }


@dataclass
class FieldRegistry:
    """All fields of one app, in screen order; built from the `register_fields` hook."""

    fields: dict[str, FieldDef] = field(default_factory=dict)
    subcategories: dict[str, Subcategory] = field(default_factory=dict)

    def add(self, f: FieldDef) -> None:
        if f.key in self.fields:
            other = self.fields[f.key]
            raise ValueError(
                f"field {f.key!r} is defined twice (by {other.plugin!r} and {f.plugin!r})"
            )
        if f.category not in CATEGORIES:
            raise ValueError(f"field {f.key!r}: unknown category {f.category!r}")
        self.fields[f.key] = f

    def __getitem__(self, key: str) -> FieldDef:
        return self.fields[key]

    def __contains__(self, key: object) -> bool:
        return key in self.fields

    def __iter__(self):
        return iter(sorted(self.fields.values(), key=lambda f: (list(CATEGORIES).index(f.category), f.order)))

    def by_storage(self, storage: Storage) -> list[FieldDef]:
        return [f for f in self if f.storage == storage]
