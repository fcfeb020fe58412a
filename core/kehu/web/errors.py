"""Every error, from any handler (plugins' too), answers the same JSON in the reader's language:

    {"error": {"status": 422, "code": "validation_failed", "message": "...",
               "fields": [{"field": "credit_code", "rule": "uscc_checksum", "message": "..."}]}}
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import DataError

from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.errors import KehuError
from kehu.i18n import N_, gettext
from kehu.messages import render
from kehu.web.deps import language_of

log = logging.getLogger("kehu.web")

_CONTACT_KEY = re.compile(r"^contacts\[[^\]]*\]\.(\w+)$")
_CONTACT_LABELS = {f.key: f for f in CONTACT_FIELDS}
# Request keys that are not fields but can still be named by an error: key → English msgid.
_OTHER_LABELS = {
    "contacts": N_("Contacts"),
    "version": N_("Version"),
    "reason": N_("Reason"),
    "sort": N_("Sort"),
    "cursor": N_("Page position"),
    "key": N_("Key"),
    "label_zh": N_("Chinese label"),
    "label_en": N_("English label"),
    "type": N_("Type"),
    "category": N_("Category"),
    "parent": N_("Parent category"),
    "choices": N_("Options"),
    "required_for": N_("Required for"),
    "validators": N_("Checks"),
}


def field_label(kehu: Any, key: str, lang: str) -> str:
    """The label of whatever an error names: a field, a contact field, a filter, a request key."""
    if match := _CONTACT_KEY.match(key):
        f = _CONTACT_LABELS.get(match.group(1))
        return f.label(lang) if f else key
    if kehu is not None:
        if key in kehu.fields:
            return kehu.fields[key].label(lang)
        base = key.partition("__")[0]  # a condition such as grade__in
        if base in kehu.filters:
            return kehu.filters[base].label(lang)
    if key in _OTHER_LABELS:
        return gettext(lang, _OTHER_LABELS[key])
    return key


def error_response(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"status": status, "code": code, "message": message, "fields": fields or []}}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


# --- the shape, as OpenAPI documents it ---------------------------------------------------


@dataclass
class FieldProblem:
    field: str
    rule: str
    message: str


@dataclass
class ErrorDetail:
    status: int
    code: str
    message: str
    fields: list[FieldProblem]


@dataclass
class ErrorBody:
    error: ErrorDetail


# `responses=ERROR_RESPONSES` on a handler replaces Litestar's default error schema in OpenAPI.
ERROR_RESPONSES = {
    status: ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)
    for status, description in {
        400: "Bad request: malformed JSON, a parameter of the wrong type, a plugin problem",
        401: "Not signed in: no valid session cookie or personal API token (Authorization: Bearer kehu_...)",
        403: "Not allowed",
        404: "No such record (or not one you may see)",
        409: "Changed by somebody else since you read it (stale version), or a conflict",
        422: "Refused input, field by field; nothing was saved",
    }.items()
}


# --- exception handlers --------------------------------------------------------------------


def is_screen(request: Request) -> bool:
    """A browser screen (answered with an HTML page), not the JSON API or its schema."""
    path = request.url.path
    return not (path.startswith("/api") or path.startswith("/schema"))


def screen_error(request: Request, status: int, message: str) -> Response:
    from kehu.web.screens.render import page  # the screens import this module

    lang = language_of(request)
    titles = {403: N_("Not allowed"), 404: N_("Not found"), 405: N_("Not a page"), 409: N_("Changed by somebody else")}
    return page(request, "kehu/error.html", status=status, lang=lang,
                title=gettext(lang, titles.get(status, N_("Something went wrong"))), message=message)


def kehu_error(request: Request, exc: KehuError) -> Response:
    lang = language_of(request)
    if is_screen(request) and not getattr(exc, "errors", None):
        return screen_error(request, exc.status, exc.message(lang))
    kehu = getattr(request.app.state, "kehu", None)
    fields = [
        {"field": e.field, "rule": e.rule, "message": e.message(lang, label=field_label(kehu, e.field, lang))}
        for e in getattr(exc, "errors", ())
    ]
    return error_response(exc.status, exc.rule, exc.message(lang), fields)


def http_error(request: Request, exc: HTTPException) -> Response:
    """Litestar's own errors: unknown route, bad JSON, a path or query value of the wrong type."""
    if exc.status_code >= 500:
        return unexpected_error(request, exc)
    lang = language_of(request)
    if is_screen(request) and exc.status_code == 405:  # a POST-only address opened as a page
        return screen_error(request, 405, gettext(lang, "This address only takes a submitted form. Go back and "
                                                        "use the buttons on the page."))
    if is_screen(request) and exc.status_code not in (403, 404):
        return screen_error(request, exc.status_code, render("bad_request", lang, detail=exc.detail))
    if exc.status_code in (403, 404):  # e.g. a plugin's guard, an unknown path: say it like core does
        code = "forbidden" if exc.status_code == 403 else "not_found"
        if is_screen(request):
            return screen_error(request, exc.status_code, render(code, lang))
        return error_response(exc.status_code, code, render(code, lang))
    fields = []
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                key = str(item.get("key") or "")
                fields.append({"field": key, "rule": "bad_request",
                               "message": render("bad_request", lang, detail=item.get("message", ""))})
    return error_response(exc.status_code, "bad_request", render("bad_request", lang, detail=exc.detail),
                          fields, headers=exc.headers)


def unexpected_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log only: it may hold data or internals the caller must not see.
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_screen(request):
        return screen_error(request, 500, render("error", language_of(request)))
    return error_response(500, "error", render("error", language_of(request)))


def bad_value(request: Request, exc: DataError) -> Response:
    """A value the database cannot hold at all (a NUL character, a number past 64 bits) that slipped
    past the checks: the request's fault, answered as one — never a 500."""
    log.info("refused %s %s: %s", request.method, request.url.path, exc.orig)
    lang = language_of(request)
    message = render("bad_request", lang, detail=gettext(lang, "a value the database cannot store"))
    if is_screen(request):
        return screen_error(request, 400, message)
    return error_response(400, "bad_request", message)


EXCEPTION_HANDLERS = {
    DataError: bad_value,
    KehuError: kehu_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
