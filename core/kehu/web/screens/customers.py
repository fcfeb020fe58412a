"""The customer list screen (SPEC D1–D3, H5): search box, filter panel, columns, pages.

Everything the list shows lives in the URL — conditions in the API's `key__op=value` form, plus
`sort`, `page`, `per` and `cols` — so a list can be bookmarked and shared.  Rows come from the
same query layer as the API (`kehu.query.list_customers`), with the reader's scope and masking.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.response import Redirect

from kehu.errors import ValidationFailed
from kehu.fields import Access, FieldType, Storage
from kehu.query import OPERATORS, list_customers, operator_label, parse_conditions
from kehu.slots import Option
from kehu.views import customer_views
from kehu.web.api import condition_text
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import field_label
from kehu.web.screens import HANDLERS
from kehu.web.screens.display import people, shown
from kehu.web.screens.forms import offered_options, whole_number
from kehu.web.screens.render import page

T = FieldType
# Not conditions: how the list is shown (and a CSRF token a browser may drag along; never a filter).
OPTIONS = {"sort", "page", "per", "cols", "include_hidden", "deleted", "lang", "_csrf"}
PAGE_SIZES = (25, 50, 100)
RANGE_TYPES = (T.DATE, T.DATETIME, T.DECIMAL, T.INTEGER)
CHOICE_TYPES = (T.ENUM, T.MULTI_ENUM)
LEAD = ("code", "name")


def query_items(request: Request) -> list[tuple[str, str]]:
    """The query string as pairs, empty values dropped (a submitted filter form sends them all)."""
    return [(k, v) for k, v in request.query_params.multi_items() if v.strip() != ""]


def conditions_of(items: list[tuple[str, str]]) -> dict[str, Any]:
    """Condition parameters as the query layer takes them: a key given twice keeps all its values."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        if key not in OPTIONS:
            grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def url_with(items: list[tuple[str, str]], drop: Iterable[str] = (), **changes: Any) -> str:
    """/customers?... with `drop` keys removed and `changes` replacing their keys."""
    kept = [(k, v) for k, v in items if k not in drop and k not in changes]
    kept += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return "/customers" + ("?" + urlencode(kept) if kept else "")


def filter_panel(kehu, actor, lang: str, given: dict[str, Any], names,
                 offered: dict[str, list[Option]] | None = None) -> list[dict[str, Any]]:
    """The filters the reader may use, each with the inputs that fit its type (ranges, multi-selects).

    A list filter whose values live in the database (tags) offers them, from the `field_options`
    hook (`offered`), in one multi-select per list operator: has any of / all of / none of.
    """
    offered = offered or {}
    access = kehu.field_access(actor)
    panel = []
    for fd in kehu.filters.values():
        if fd.key == "q":
            continue  # the search box
        level = access.get(fd.access_key or fd.key)
        if level in (Access.HIDDEN, Access.MASKED):
            continue
        entry: dict[str, Any] = {"key": fd.key, "label": fd.label(lang), "inputs": []}
        if fd.value_type in CHOICE_TYPES and fd.choices or fd.value_type in (T.USER, T.DEPARTMENT):
            op = "in" if "in" in fd.operators else ("any" if "any" in fd.operators else fd.operators[0])
            if fd.value_type in (T.USER, T.DEPARTMENT):
                options = list(names["users" if fd.value_type == T.USER else "departments"].items())
            else:
                options = [(c.value, c.label(lang)) for c in fd.choices]
            entry["inputs"].append({"kind": "multiselect", "name": f"{fd.key}__{op}", "options": options})
        elif fd.value_type in RANGE_TYPES and "gte" in fd.operators:
            kind = "date" if fd.value_type == T.DATE else "text"
            entry["inputs"] += [{"kind": kind, "name": f"{fd.key}__gte", "range": "from"}]
            if "lte" in fd.operators:
                entry["inputs"] += [{"kind": kind, "name": f"{fd.key}__lte", "range": "to"}]
        elif fd.value_type == T.BOOLEAN:
            entry["inputs"].append({"kind": "boolean", "name": fd.key})
        elif fd.value_type == T.LIST and offered.get(fd.key):
            entry["inputs"] += [{"kind": "multiselect", "name": f"{fd.key}__{op}", "options": [],
                                 "choices": offered[fd.key], "caption": operator_label(op, lang)}
                                for op in ("any", "all", "none") if op in fd.operators]
        elif fd.value_type == T.LIST:
            op = "all" if "all" in fd.operators else fd.operators[0]
            entry["inputs"].append({"kind": "text", "name": f"{fd.key}__{op}", "list": True})
        else:
            op = "contains" if "contains" in fd.operators else fd.operators[0]
            entry["inputs"].append({"kind": "text", "name": f"{fd.key}__{op}" if op != "eq" else fd.key})
        for item in entry["inputs"]:
            item.setdefault("range", "")
            item.setdefault("list", False)
            item.setdefault("caption", "")
            value = given.get(item["name"], [] if item["kind"] == "multiselect" else "")
            if item["kind"] == "multiselect":
                value = value if isinstance(value, list) else [v for v in str(value).split(",") if v]
            item["value"] = value
            item["groups"] = option_groups(item.pop("choices"), value) if "choices" in item else []
        entry["active"] = any(item["value"] for item in entry["inputs"])
        panel.append(entry)
    return panel


def option_groups(options: list[Option], chosen: list[str]) -> list[tuple[str, list[Option]]]:
    """Options under their group headings; chosen values no option has (a former tag name in a
    bookmarked address) are kept as options of their own, so applying the panel again keeps them."""
    groups: dict[str, list[Option]] = {}
    for o in options:
        groups.setdefault(o.group, []).append(o)
    known = {o.value for o in options}
    extra = [Option(v, v) for v in dict.fromkeys(chosen) if v not in known]
    if extra:
        groups.setdefault("", []).extend(extra)
    return list(groups.items())


def columns_for(kehu, actor, chosen: list[str]) -> tuple[list[Any], list[Any]]:
    """(the columns shown, every column the reader may choose)."""
    access = kehu.field_access(actor)
    available = [f for f in kehu.fields if access.get(f.key) != Access.HIDDEN and f.type != T.LONGTEXT]
    by_key = {f.key: f for f in available}
    columns = [by_key[k] for k in chosen if k in by_key] or [f for f in available if f.listed]
    # Name and code always lead the row as one "customer" cell, so they are not columns of their own.
    return [f for f in columns if f.key not in LEAD], [f for f in available if f.key not in LEAD]


def sortable(kehu, actor, f) -> bool:
    level = kehu.field_access(actor).get(f.key)
    return f.storage == Storage.COLUMN and (f.listed or f.filterable) and level not in (Access.HIDDEN, Access.MASKED)


@get("/customers", sync_to_thread=True, include_in_schema=False)
def customer_list(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    items = query_items(request)
    if len(items) != len(list(request.query_params.multi_items())):
        return Redirect(url_with(items), status_code=303)  # a clean, shareable address
    given = conditions_of(items)
    options = dict(items)
    per = whole_number(options.get("per", "")) if whole_number(options.get("per", "")) in PAGE_SIZES else 25
    page_no = max(1, whole_number(options.get("page", "")) or 1)
    sort = options.get("sort", "-id")
    chosen = [k for value in request.query_params.getall("cols", []) for k in value.split(",") if k]
    include_hidden = options.get("include_hidden") in ("1", "true", "on")
    deleted = options.get("deleted") in ("1", "true", "on")
    columns, available = columns_for(kehu, actor, chosen)
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    total = 0
    conditions = []
    with kehu.db.read() as session:
        names = people(session, lang)
        offered = offered_options(kehu, session, actor, [k for k, fd in kehu.filters.items() if fd.value_type == T.LIST],
                                  lang)
        try:
            conditions = parse_conditions(kehu, given, actor)
            result = list_customers(kehu, session, actor, conditions, sort=sort, limit=per,
                                    offset=(page_no - 1) * per, include_hidden=include_hidden, deleted=deleted)
            rows = customer_views(kehu, session, actor, result.items, with_contacts=False)
            total = result.total or 0
        except ValidationFailed as exc:
            errors = [e.message(lang, label=field_label(kehu, e.field, lang)) for e in exc.errors]
    zone = getattr(actor, "timezone", None) or kehu.settings.timezone
    table = [{"code": row["code"], "name": row.get("name") or "", "deleted": row["deleted"],
              "cells": [shown(f, row.get(f.key), lang, names, zone) for f in columns]} for row in rows]
    pages = max(1, -(-total // per))
    if page_no > pages and not errors:
        return Redirect(url_with(items, page=pages), status_code=303)  # past the end: the last page
    active = [{"text": condition_text(kehu, c, lang), "remove": url_with(items, drop=_keys_of(c, items))}
              for c in conditions]
    return page(
        request, "kehu/customers/list.html", actor=actor, lang=lang,
        keyword=given.get("q", ""), panel=filter_panel(kehu, actor, lang, given, names, offered),
        columns=[{"field": f, "sortable": sortable(kehu, actor, f)} for f in columns],
        lead=kehu.fields["name"],
        available=available, chosen={f.key for f in columns}, table=table, total=total,
        page_no=page_no, pages=pages, per=per, page_sizes=PAGE_SIZES, sort=sort, active=active,
        errors=errors, include_hidden=include_hidden, deleted=deleted, items=items, url_with=url_with,
        operators={op: words[1 if lang == "en" else 0] for op, words in OPERATORS.items()},
    )


def _keys_of(condition, items: list[tuple[str, str]]) -> set[str]:
    """The query keys a condition came from (`grade`, `grade__in`, ...), to remove it."""
    return {k for k, _ in items if k.partition("__")[0] == condition.key and k not in OPTIONS}


HANDLERS.append(customer_list)
