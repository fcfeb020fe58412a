"""The JSON API on definitions: fields (and admin-defined custom fields), filters, plugins.

Screens and API clients build their forms and filter bars from these, so a field or filter that
a plugin or an admin adds shows up without any change to the client (SPEC A7, H5).
"""

from __future__ import annotations

from typing import Any

from litestar import delete, get, post
from litestar.params import FromPath, JSONBody

from kehu import customfields
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.fields import CATEGORY_LABELS, Access, Subcategory, category_label
from kehu.query import OPERATOR_LABELS, operator_label
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import ERROR_RESPONSES

Body = JSONBody[dict[str, Any]]


def _subcategory(sub: Subcategory, lang: LangDep) -> dict[str, Any]:
    return {"key": sub.key, "parent": sub.parent, "label": sub.label_en if lang == "en" else sub.label_zh,
            "label_zh": sub.label_zh, "label_en": sub.label_en, "plugin": sub.plugin}


@get("/api/fields", sync_to_thread=True, responses=ERROR_RESPONSES, tags=["definitions"])
def list_fields(kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict[str, Any]:
    """Every customer field (core, plugins, custom) with the reader's access, contact fields, categories."""
    access = kehu.field_access(actor)
    subs = list(kehu.fields.subcategories.values())
    return {
        "items": [{**f.describe(lang), "access": str(access.get(f.key, Access.WRITE))} for f in kehu.fields],
        "contact_fields": [f.describe(lang) for f in CONTACT_FIELDS],
        "categories": [
            {"key": key, "label": category_label(key, lang),
             "subcategories": [_subcategory(s, lang) for s in subs if s.parent == key]}
            for key in CATEGORY_LABELS
        ],
    }


@post("/api/fields", sync_to_thread=True, responses=ERROR_RESPONSES, tags=["definitions"])
def add_field(data: Body, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict[str, Any]:
    """Add a custom field: key, label_zh, label_en, type, category, optional subcategory, choices..."""
    return customfields.add_field(kehu, actor, data).describe(lang)


@delete("/api/fields/{key:str}", status_code=200, sync_to_thread=True, responses=ERROR_RESPONSES,
        tags=["definitions"])
def retire_field(key: FromPath[str], kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
    """Retire a custom field: gone from forms and filters; stored values and history stay."""
    customfields.retire_field(kehu, actor, key)
    return {"key": key, "retired": True}


@post("/api/subcategories", sync_to_thread=True, responses=ERROR_RESPONSES, tags=["definitions"])
def add_subcategory(data: Body, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict[str, Any]:
    """Add a second-level category: key, parent (one of the five categories), label_zh, label_en."""
    customfields.add_subcategory(kehu, actor, data)
    return _subcategory(kehu.fields.subcategories[str(data["key"]).strip()], lang)


# In memory only (no database): these two run on the event loop.
@get("/api/filters", sync_to_thread=False, responses=ERROR_RESPONSES, tags=["definitions"])
def list_filters(kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict[str, Any]:
    """Conditions GET /api/customers understands for this reader, and the words for their operators.

    Filters on fields hidden from the reader are left out; on masked fields only "empty" is offered.
    """
    access = kehu.field_access(actor)
    items = []
    for fd in kehu.filters.values():
        level = access.get(fd.access_key or fd.key)
        if level == Access.HIDDEN:
            continue
        described = fd.describe(lang)
        if level == Access.MASKED:
            described["operators"] = [op for op in described["operators"] if op == "empty"]
            if not described["operators"]:
                continue
        items.append(described)
    return {
        "items": items,
        "operators": {op: operator_label(op, lang) for op in OPERATOR_LABELS},
    }


@get("/api/plugins", sync_to_thread=False, responses=ERROR_RESPONSES, tags=["definitions"])
def list_plugins(kehu: KehuDep, lang: LangDep) -> list[dict[str, Any]]:
    """Installed plugins and whether this installation has enabled them."""
    return [info.describe(lang) for info in kehu.plugins.installed.values()]


HANDLERS = [list_fields, add_field, retire_field, add_subcategory, list_filters, list_plugins]
