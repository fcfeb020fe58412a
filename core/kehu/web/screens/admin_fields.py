"""Admin screen for custom fields (issue 3; SPEC A7): every field by category, add, edit, retire.

Core and plugin fields are listed (with where they come from) but only custom fields — the ones
an admin added without code — can be edited or retired.  All changes go through
`kehu.customfields`, so the screen refuses exactly what the API and `kehu fields add` refuse.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from kehu import customfields
from kehu.errors import NotFound, ValidationFailed
from kehu.fields import CATEGORIES, CUSTOMER_TYPES, FieldDef, category_label
from kehu.i18n import N_, gettext
from kehu.validation import VALIDATORS
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens import HANDLERS
from kehu.web.screens.admin import INVALID, Form, access_links, done, field_errors, many, one, router, single_team
from kehu.web.screens.render import page

LABELS = {
    "key": N_("Field key"),
    "label_zh": N_("Chinese label"),
    "label_en": N_("English label"),
    "type": N_("Type"),
    "category": N_("Category"),
    "subcategory": N_("Subcategory"),
    "parent": N_("Category"),
    "required_for": N_("Required for"),
    "choices": N_("Options"),
    "max_length": N_("Maximum length"),
    "validators": N_("Checks"),
}
TYPE_LABELS = {
    "text": N_("Text"), "longtext": N_("Long text"), "integer": N_("Whole number"),
    "decimal": N_("Decimal number"), "date": N_("Date"), "datetime": N_("Date and time"),
    "boolean": N_("Yes / no"), "enum": N_("One option"), "multi_enum": N_("Several options"),
    "list": N_("List"), "user": N_("User"), "department": N_("Department"),
}
CUSTOMER_TYPE_LABELS = {"enterprise": N_("Enterprise"), "individual": N_("Individual"),
                        "institution": N_("Institution")}
VALIDATOR_LABELS = {
    "uscc": N_("Unified Social Credit Code (GB 32100)"), "resident_id": N_("Resident ID number (GB 11643)"),
    "mobile": N_("Mainland China mobile number"), "email": N_("E-mail address"),
    "im": N_("IM account (e.g. wechat:zhangwei_88)"), "real_name": N_("Real name"),
    "not_vague": N_("No vague placeholders (待确认, 未知, ...)"),
}
FLAGS = {"filterable": N_("Can be filtered on"), "listed": N_("Shown in customer lists"),
         "searchable": N_("Searchable")}
SCALARS = ("key", "label_zh", "label_en", "type", "category", "subcategory", "max_length", "choices")
# One option per line: code = 中文名称 = English name (full-width ＝ from a Chinese keyboard too).
CHOICE_SEPARATOR = re.compile(r"\s*[=＝]\s*")


def parse_choices(text: str) -> list[dict[str, str]]:
    """Option lines as the service's {"value", "zh", "en"}; a line with only a name is all three."""
    choices = []
    for line in text.splitlines():
        if line.strip():
            value, zh, en = [*CHOICE_SEPARATOR.split(line.strip(), maxsplit=2), "", ""][:3]
            choices.append({"value": value, "zh": zh, "en": en})
    return choices


def choices_text(f: FieldDef) -> str:
    return "\n".join(f"{c.value} = {c.zh} = {c.en}" for c in f.choices)


def _t(lang: str, table: dict[str, str]) -> dict[str, str]:
    return {key: gettext(lang, msgid) for key, msgid in table.items()}


def _origin(kehu: Any, f: FieldDef, lang: str) -> str:
    if f.plugin in ("core", "custom"):
        return gettext(lang, "Core") if f.plugin == "core" else gettext(lang, "Custom")
    info = kehu.plugins.installed.get(f.plugin)
    return gettext(lang, "Plugin: %(name)s") % {"name": info.manifest.label(lang) if info else f.plugin}


# --- the list --------------------------------------------------------------------------------


@get("/", sync_to_thread=True)
def fields_list(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "field")
    return _list_page(request, kehu, actor, lang, {}, {})


def _list_page(request: Request, kehu: Any, actor: Any, lang: str, sub_form: dict[str, Any],
               sub_errors: dict[str, list[str]], status: int = 200) -> Response:
    subs = list(kehu.fields.subcategories.values())
    categories = []
    for key in CATEGORIES:
        groups = [(None, [f for f in kehu.fields if f.category == key and not f.subcategory])]
        groups += [(s, [f for f in kehu.fields if f.category == key and f.subcategory == s.key])
                   for s in subs if s.parent == key]
        categories.append({"key": key, "label": category_label(key, lang), "groups": groups})
    return page(request, "kehu/admin/fields.html", status=status, actor=actor, lang=lang,
                categories=categories, retired=customfields.retired_fields(kehu), origin=lambda f: _origin(kehu, f, lang),
                types=_t(lang, TYPE_LABELS), customer_types=_t(lang, CUSTOMER_TYPE_LABELS),
                category_options=[(k, category_label(k, lang)) for k in CATEGORIES],
                sub_form=sub_form, sub_errors=sub_errors, labels=_t(lang, LABELS), single_team=single_team(kehu),
                access_links=access_links(kehu, actor))


@post("/subcategories", sync_to_thread=True)
def subcategory_add(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    values = {key: one(data, key) for key in ("key", "parent", "label_zh", "label_en")}
    try:
        customfields.add_subcategory(kehu, actor, values)
    except ValidationFailed as exc:
        labels = {**_t(lang, LABELS), "key": gettext(lang, "Subcategory key")}
        return _list_page(request, kehu, actor, lang, values, field_errors(exc, labels, lang), INVALID)
    name = values["label_en" if lang == "en" else "label_zh"]
    text = gettext(lang, "Subcategory %(name)s added") % {"name": name}
    return done(request, "/admin/fields", text)


# --- add and edit ----------------------------------------------------------------------------


def _posted(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the service gets, what the form shows again) from a posted field form."""
    shown: dict[str, Any] = {key: one(data, key) for key in SCALARS}
    shown |= {"required_for": many(data, "required_for"), "validators": many(data, "validators"),
              "flags": [flag for flag in FLAGS if flag in many(data, "flags")]}
    values = {**shown, "key": shown["key"].strip(), "choices": parse_choices(shown["choices"])}
    values |= {flag: flag in shown["flags"] for flag in FLAGS}
    return values, shown


@get("/new", sync_to_thread=True)
def field_new(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "field")
    category = request.query_params.get("category")
    shown = {"type": "text", "category": category if category in CATEGORIES else "", "flags": ["filterable"]}
    return _form(request, kehu, actor, lang, None, shown, {})


@post("/new", sync_to_thread=True)
def field_create(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    values, shown = _posted(data)
    try:
        f = customfields.add_field(kehu, actor, values)
    except ValidationFailed as exc:
        return _form(request, kehu, actor, lang, None, shown, field_errors(exc, _t(lang, LABELS), lang), INVALID)
    return done(request, "/admin/fields", gettext(lang, "Field %(name)s added") % {"name": f.label(lang)})


def _custom(kehu: Any, key: str) -> FieldDef:
    """A custom field in use (core and plugin fields are defined by code and edited there)."""
    f = kehu.fields.fields.get(key)
    if f is None or f.plugin != "custom":
        raise NotFound(field=key)
    return f


@get("/{key:str}/edit", sync_to_thread=True)
def field_edit(request: Request, key: FromPath[str], kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "field")
    f = _custom(kehu, key)
    shown = {
        "key": f.key, "label_zh": f.label_zh, "label_en": f.label_en, "type": str(f.type), "category": f.category,
        "subcategory": f.subcategory or "", "max_length": str(f.max_length or ""), "choices": choices_text(f),
        "required_for": sorted(f.required_for), "validators": list(f.validators),
        "flags": [flag for flag in FLAGS if getattr(f, flag)],
    }
    return _form(request, kehu, actor, lang, f, shown, {})


@post("/{key:str}/edit", sync_to_thread=True)
def field_update(request: Request, key: FromPath[str], data: Form, kehu: KehuDep, actor: ActorDep,
                 lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "field")
    f = _custom(kehu, key)
    values, shown = _posted(data)
    shown |= {"key": f.key, "type": str(f.type)}  # neither can change
    try:
        f = customfields.update_field(kehu, actor, key, values)
    except ValidationFailed as exc:
        return _form(request, kehu, actor, lang, f, shown, field_errors(exc, _t(lang, LABELS), lang), INVALID)
    return done(request, "/admin/fields", gettext(lang, "Field %(name)s saved") % {"name": f.label(lang)})


def _form(request: Request, kehu: Any, actor: Any, lang: str, existing: FieldDef | None, shown: dict[str, Any],
          errors: dict[str, list[str]], status: int = 200) -> Response:
    subcategories = [(s.key, s.parent, s.label_en if lang == "en" else s.label_zh)
                     for s in kehu.fields.subcategories.values()]
    return page(request, "kehu/admin/field_form.html", status=status, actor=actor, lang=lang, existing=existing,
                form=shown, errors=errors, labels=_t(lang, LABELS),
                types=[(t, gettext(lang, TYPE_LABELS[t])) for t in customfields.ALLOWED_TYPES],
                type_names=_t(lang, TYPE_LABELS),
                category_options=[(k, category_label(k, lang)) for k in CATEGORIES],
                subcategories=subcategories,
                customer_types=[(t, gettext(lang, CUSTOMER_TYPE_LABELS[t])) for t in CUSTOMER_TYPES],
                validators=[(v, gettext(lang, VALIDATOR_LABELS.get(v, v))) for v in VALIDATORS],
                flags=list(_t(lang, FLAGS).items()))


# --- retire ----------------------------------------------------------------------------------


@get("/{key:str}/retire", sync_to_thread=True)
def field_retire_confirm(request: Request, key: FromPath[str], kehu: KehuDep, actor: ActorDep,
                         lang: LangDep) -> Response:
    """Retiring cannot be undone on a screen, so it is asked first (a page, not a script dialog)."""
    kehu.authorize(actor, "configure", "field")
    return page(request, "kehu/admin/field_retire.html", actor=actor, lang=lang, field=_custom(kehu, key))


@post("/{key:str}/retire", sync_to_thread=True)
def field_retire(request: Request, key: FromPath[str], data: Form, kehu: KehuDep, actor: ActorDep,
                 lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "field")
    f = _custom(kehu, key)
    customfields.retire_field(kehu, actor, key)
    text = gettext(lang, "Field %(name)s retired; the values customers have and their history are kept")
    return done(request, "/admin/fields", text % {"name": f.label(lang)})


HANDLERS.append(router("/admin/fields", [fields_list, subcategory_add, field_new, field_create, field_edit,
                                         field_update, field_retire_confirm, field_retire]))
