"""Forms generated from field definitions (SPEC H5, A7): widgets, sections, posted values.

Nobody writes a form per field: a field's type picks its widget, its category and subcategory
pick its place, its access level (`field_access`) decides whether it is an input, a read-only
value or left out.  Posted strings go to the service unchanged — validation is the service's, so
the screens, the API and the import say the same thing about the same input.

A field may draw its own input (`FieldDef.widget`, a template such as the tags picker) with
options that live in the database, from the `field_options` hook (`offered_options`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kehu.i18n import gettext
from kehu.fields import CATEGORIES, Access, FieldDef, FieldType, FieldRegistry
from kehu.slots import Option

T = FieldType
# Separators a person types between list items: commas and the Chinese enumeration comma.
LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
# Validators whose input wants a phone or e-mail keyboard on a phone.
INPUT_TYPES = {"mobile": "tel", "email": "email"}


@dataclass
class Widget:
    """One field on a form: how it is drawn, what it holds now, what went wrong with it."""

    field: FieldDef
    name: str  # the form field name (`contacts-0-mobile` for a contact's mobile)
    kind: str  # text, tel, email, textarea, date, datetime, number, select, multiselect, checkbox, list
    value: Any = ""  # a string, or a list of strings for multi-selects
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    required: bool = False
    editable: bool = True
    error: str = ""
    # Request-time options from the `field_options` hook, for a field's own widget template.
    choices: list[Option] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        return self.kind in ("textarea", "multiselect")

    @property
    def items(self) -> list[str]:
        """A list field's value as its items (a widget template ticks the chosen options)."""
        if isinstance(self.value, list):
            return self.value
        return [part.strip() for part in LIST_SEPARATORS.split(self.value or "") if part.strip()]


@dataclass
class Group:
    """A category (A7) and, inside it, its second-level categories with their widgets."""

    key: str
    label: str
    parts: list[tuple[str, list[Widget]]]  # (subcategory label or "", widgets)


def widget_kind(f: FieldDef) -> str:
    if f.type in (T.ENUM, T.USER, T.DEPARTMENT, T.BOOLEAN):
        return "select"
    if f.type == T.MULTI_ENUM:
        return "multiselect"
    if f.type == T.LONGTEXT:
        return "textarea"
    if f.type == T.DATE:
        return "date"
    if f.type == T.DATETIME:
        return "datetime"
    if f.type in (T.INTEGER, T.DECIMAL):
        return "number"
    if f.type == T.LIST:
        return "list"
    return next((INPUT_TYPES[v] for v in f.validators if v in INPUT_TYPES), "text")


def options_for(f: FieldDef, lang: str, people: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]]:
    if f.type == T.BOOLEAN:
        return [("true", gettext(lang, "Yes")), ("false", gettext(lang, "No"))]
    if f.type == T.USER:
        return list(people.get("users", {}).items())
    if f.type == T.DEPARTMENT:
        return list(people.get("departments", {}).items())
    return [(c.value, c.label(lang)) for c in f.choices]


def form_value(f: FieldDef, value: Any) -> Any:
    """A stored value (as `customer_views` gives it) as the form shows it."""
    if value is None:
        return [] if f.type == T.MULTI_ENUM else ""
    if f.type == T.MULTI_ENUM:
        return [str(v) for v in value]
    if f.type == T.LIST:
        return "、".join(str(v) for v in value)
    if f.type == T.BOOLEAN:
        return "true" if value else "false"
    if f.type == T.DATETIME:  # as a datetime-local input holds it, so an untouched value compares equal
        return str(value)[:16].replace(" ", "T")
    return str(value)


def text_of(form: Any, name: str) -> str:
    """A posted text value, stripped; "" when missing or not text (an uploaded file in its place)."""
    raw = form.get(name, "")
    return raw.strip() if isinstance(raw, str) else ""


def whole_number(raw: Any) -> int | None:
    """A small non-negative integer from a form or query value, else None ('²', '1e3', 10**20 are not)."""
    return int(raw) if isinstance(raw, str) and re.fullmatch(r"[0-9]{1,9}", raw.strip()) else None


def posted_value(f: FieldDef, form: Any, name: str) -> Any:
    """What the person typed for `f`, as the form shows it again (lists for multi-selects)."""
    if f.type == T.MULTI_ENUM:
        return [v for v in form.getall(name, []) if isinstance(v, str) and v]
    if f.type == T.LIST:
        # A widget may send several inputs under one name (ticked options + typed ones): one list.
        parts = [p.strip() for v in form.getall(name, []) if isinstance(v, str) for p in LIST_SEPARATORS.split(v)]
        return "、".join(dict.fromkeys(p for p in parts if p))
    if f.type == T.DATETIME:
        return text_of(form, name).replace(" ", "T")
    return text_of(form, name)


def service_value(f: FieldDef, shown: Any) -> Any:
    """A form value as the service takes it: None for empty, lists split, datetime-local fixed."""
    if f.type == T.MULTI_ENUM:
        return list(shown) or None
    if shown == "":
        return None
    if f.type == T.LIST:
        return [part.strip() for part in LIST_SEPARATORS.split(shown) if part.strip()]
    if f.type == T.DATETIME:
        return shown.replace("T", " ")
    return shown


def build_widgets(fields: Iterable[FieldDef], access: Mapping[str, Access], values: Mapping[str, Any],
                  *, lang: str, people: Mapping[str, Mapping[str, str]], customer_type: str | None,
                  prefix: str = "", access_prefix: str = "",
                  offered: Mapping[str, list[Option]] | None = None) -> list[Widget]:
    """Widgets for `fields` holding `values` (form values); hidden and system fields left out.

    `offered` holds request-time options by field key (`offered_options`).
    """
    widgets = []
    for f in fields:
        level = access.get(access_prefix + f.key, Access.WRITE)
        if f.readonly or level == Access.HIDDEN:
            continue
        widgets.append(Widget(
            field=f, name=prefix + f.key, kind=widget_kind(f), value=values.get(f.key, form_value(f, None)),
            options=options_for(f, lang, people), required=f.is_required(customer_type),
            editable=level == Access.WRITE, choices=list((offered or {}).get(f.key, ())),
        ))
    return widgets


def offered_options(kehu: Any, session: Any, actor: Any, keys: Iterable[str], lang: str) -> dict[str, list[Option]]:
    """{key: options} from the `field_options` hook for `keys` (fields with a widget, list filters)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}  # nothing to ask: no hook call
    merged: dict[str, list[Option]] = {}
    for answer in kehu.hook.field_options(app=kehu, session=session, actor=actor, keys=keys, lang=lang):
        for key, options in (answer or {}).items():
            if key in keys:
                merged.setdefault(key, []).extend(options)
    return merged


def group_widgets(registry: FieldRegistry, widgets: list[Widget], lang: str) -> list[Group]:
    """Widgets under their category and subcategory, in the registry's screen order."""
    groups: dict[str, dict[str, list[Widget]]] = {key: {} for key in CATEGORIES}
    for w in widgets:
        sub = w.field.subcategory or ""
        groups[w.field.category].setdefault(sub, []).append(w)
    result = []
    for key, parts in groups.items():
        if not parts:
            continue
        labelled = []
        for sub, items in parts.items():
            s = registry.subcategories.get(sub)
            labelled.append(((s.label_en if lang == "en" else s.label_zh) if s else "", items))
        labelled.sort(key=lambda part: part[0] != "")  # fields without a subcategory first
        result.append(Group(key, CATEGORIES[key][1 if lang == "en" else 0], labelled))
    return result
