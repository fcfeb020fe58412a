"""Create and edit forms for customers and their contacts (SPEC A3, A4, A8, A10, H5).

Generated from the field definitions (`forms.py`).  A refused save shows every error next to its
field in the reader's language and keeps what was typed; a stale edit (somebody saved in
between) shows who changed what and overwrites nothing.  The services decide; these handlers
only translate between form fields and service calls.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from kehu import records
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.errors import KehuError, StaleVersion, ValidationFailed
from kehu.fields import Access
from kehu.i18n import gettext
from kehu.views import customer_views
from kehu.web.auth import flash
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import field_label
from kehu.web.screens import HANDLERS
from kehu.web.screens.customer_detail import timeline
from kehu.web.screens.display import people
from kehu.web.screens.forms import (build_widgets, form_value, group_widgets, offered_options, posted_value,
                                    service_value, text_of, whole_number)
from kehu.web.screens.render import format_time, off_loop, page

Code = FromPath[str]
NEW_CONTACT_ROWS = 2
_CONTACT_ERROR = re.compile(r"^contacts\[(\d+)\]\.(\w+)$")


def _errors(kehu, exc: KehuError, lang: str, name_of=lambda key: key) -> tuple[dict[str, str], list[str]]:
    """(messages by form field name, every message for the summary) of a refused save."""
    inline: dict[str, str] = {}
    summary: list[str] = []
    for e in getattr(exc, "errors", None) or []:
        text = e.message(lang, label=field_label(kehu, e.field, lang))
        summary.append(text)
        name = name_of(e.field)
        if name:
            inline.setdefault(name, text)
    return inline, summary or [exc.message(lang)]


def _offered(kehu, session, actor, lang: str):
    """Request-time options for the fields that draw their own widget (the tags picker)."""
    return offered_options(kehu, session, actor, [f.key for f in kehu.fields if f.widget], lang)


def _customer_type(form_values: dict[str, Any], default: str | None = "enterprise") -> str | None:
    return form_values.get("customer_type") or default


# --- create ----------------------------------------------------------------------------------


def _contact_rows(kehu, actor, lang, rows: list[dict[str, Any]], errors: dict[str, str], names):
    access = kehu.field_access(actor)
    built = []
    for i, values in enumerate(rows):
        widgets = build_widgets(CONTACT_FIELDS, access, values, lang=lang, people=names, customer_type=None,
                                prefix=f"contacts-{i}-", access_prefix="contacts.")
        for w in widgets:
            w.error = errors.get(w.name, "")
        built.append(widgets)
    return built


def _new_form(request, kehu, actor, lang, values, contacts, errors=None, summary=None, status=200):
    errors = errors or {}
    with kehu.db.read() as session:
        names = people(session, lang)
        offered = _offered(kehu, session, actor, lang)
    widgets = build_widgets(kehu.fields, kehu.field_access(actor), values, lang=lang, people=names,
                            customer_type=_customer_type(values), offered=offered)
    for w in widgets:
        w.error = errors.get(w.name, "")
    return page(request, "kehu/customers/form.html", status=status, actor=actor, lang=lang, customer=None,
                groups=group_widgets(kehu.fields, widgets, lang),
                contact_rows=_contact_rows(kehu, actor, lang, contacts, errors, names),
                summary=summary or [], changes=[], version="", loaded_at="")


@get("/customers/new", include_in_schema=False)
async def new_customer(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_new_customer, request, kehu, actor, lang)


def _new_customer(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "create", "customer")
    return _new_form(request, kehu, actor, lang, {"customer_type": "enterprise"}, [{}] * NEW_CONTACT_ROWS)


@post("/customers/new", include_in_schema=False)
async def create_customer(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_create, request, kehu, actor, lang, form)


def _create(request, kehu, actor, lang, form) -> Response:
    access = kehu.field_access(actor)
    shown = {f.key: posted_value(f, form, f.key) for f in kehu.fields
             if not f.readonly and access.get(f.key, Access.WRITE) == Access.WRITE}
    rows = []
    for i in range(_row_count(form)):
        rows.append({f.key: posted_value(f, form, f"contacts-{i}-{f.key}") for f in CONTACT_FIELDS})
    # Blank contact rows are left out; errors name positions among the rows sent.
    sent = [i for i, row in enumerate(rows) if any(v not in ("", []) for k, v in row.items() if k != "is_primary")]
    data = {k: service_value(kehu.fields[k], v) for k, v in shown.items() if service_value(kehu.fields[k], v) is not None}
    data["contacts"] = [{f.key: service_value(f, rows[i][f.key]) for f in CONTACT_FIELDS
                         if service_value(f, rows[i][f.key]) is not None} for i in sent]
    reason = text_of(form, "reason") or None
    try:
        customer = records.create_customer(kehu, actor, data, reason=reason)
    except ValidationFailed as exc:
        def name_of(key: str) -> str:
            if m := _CONTACT_ERROR.match(key):
                position = int(m.group(1))
                return f"contacts-{sent[position]}-{m.group(2)}" if position < len(sent) else ""
            return key
        inline, summary = _errors(kehu, exc, lang, name_of)
        return _new_form(request, kehu, actor, lang, shown, rows, inline, summary, status=422)
    flash(request, "success", gettext(lang, "Customer {code} was created.").format(code=customer.code))
    return Redirect(f"/customers/{customer.code}", status_code=303)


def _row_count(form) -> int:
    numbers = [int(m.group(1)) for key in form.keys() if (m := re.match(r"^contacts-(\d+)-", key))]
    return min(max(numbers, default=-1) + 1, 20)  # a form never has more than a few rows


# --- edit ------------------------------------------------------------------------------------


def _stored(kehu, actor, code: str) -> dict[str, Any]:
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code, "update")
        return customer_views(kehu, session, actor, [customer], with_contacts=False)[0]


def _edit_form(request, kehu, actor, lang, code, values, version, loaded_at, errors=None, summary=None,
               changes=None, reason="", status=200, original=None):
    errors = errors or {}
    with kehu.db.read() as session:
        names = people(session, lang)
        offered = _offered(kehu, session, actor, lang)
    widgets = build_widgets(kehu.fields, kehu.field_access(actor), values, lang=lang, people=names,
                            customer_type=_customer_type(values, None), offered=offered)
    for w in widgets:
        w.error = errors.get(w.name, "")
    return page(request, "kehu/customers/form.html", status=status, actor=actor, lang=lang,
                customer={"code": code, "name": values.get("name", "")},
                groups=group_widgets(kehu.fields, widgets, lang), contact_rows=[], summary=summary or [],
                changes=changes or [], version=version, loaded_at=loaded_at, reason=reason,
                original=json.dumps({w.field.key: w.value for w in widgets if w.editable}, ensure_ascii=False)
                if original is None else json.dumps(original, ensure_ascii=False))


@get("/customers/{code:str}/edit", include_in_schema=False)
async def edit_customer(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_edit_customer, request, code, kehu, actor, lang)


def _edit_customer(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    stored = _stored(kehu, actor, code)
    values = {f.key: form_value(f, stored.get(f.key)) for f in kehu.fields}
    return _edit_form(request, kehu, actor, lang, code, values, stored["version"], datetime.now(UTC).isoformat())


@post("/customers/{code:str}/edit", include_in_schema=False)
async def save_customer(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_save, request, kehu, actor, lang, code, form)


def _save(request, kehu, actor, lang, code, form) -> Response:
    stored = _stored(kehu, actor, code)
    current = {f.key: form_value(f, stored.get(f.key)) for f in kehu.fields}
    access = kehu.field_access(actor)
    # Fields the form really showed: an unchecked box or an empty multi-select sends nothing, so
    # absence only means "emptied" for fields listed in `_fields`; a field the form did not show
    # (a client posting a few fields) is left as it is.
    rendered = set(text_of(form, "_fields").split(",")) if text_of(form, "_fields") else set(form.keys())
    editable = [f for f in kehu.fields if not f.readonly and access.get(f.key, Access.WRITE) == Access.WRITE
                and f.key in rendered]
    shown = {f.key: posted_value(f, form, f.key) for f in editable}
    # What the person changed is measured against the values the form was loaded with, never
    # against what is stored now: a field somebody else changed meanwhile is not sent back.
    original = _original(form, current)
    changed = [f for f in editable if shown[f.key] != original.get(f.key, current[f.key])]
    data = {f.key: service_value(f, shown[f.key]) for f in changed}
    values = {**current, **shown}
    version = text_of(form, "version")
    loaded_at = text_of(form, "loaded_at")
    reason = text_of(form, "reason")
    if not data:
        flash(request, "info", gettext(lang, "Nothing was changed."))
        return Redirect(f"/customers/{code}", status_code=303)
    try:
        records.update_customer(kehu, actor, code, data, version=whole_number(version), reason=reason or None)
    except ValidationFailed as exc:
        inline, summary = _errors(kehu, exc, lang)
        return _edit_form(request, kehu, actor, lang, code, values, version, loaded_at, inline, summary,
                          reason=reason, status=422, original=original)
    except StaleVersion as exc:
        # The form starts again from what is stored now, with this person's own changes on top;
        # a field both of them changed is pointed out. Saving again sends only their changes.
        mine = {f.key: shown[f.key] for f in changed}
        both = {f.key: gettext(lang, "Changed by somebody else too: check this value before saving again.")
                for f in changed if current[f.key] != original.get(f.key, current[f.key])}
        zone = getattr(actor, "timezone", None) or kehu.settings.timezone
        return _edit_form(request, kehu, actor, lang, code, {**current, **mine}, stored["version"],
                          datetime.now(UTC).isoformat(), both, summary=[stale_message(exc, lang, zone)],
                          changes=_changes_since(kehu, actor, code, loaded_at, lang), reason=reason,
                          status=409, original={f.key: current[f.key] for f in editable})
    flash(request, "success", gettext(lang, "Customer {code} was saved.").format(code=code))
    return Redirect(f"/customers/{code}", status_code=303)


def _original(form, current: dict[str, Any]) -> dict[str, Any]:
    """The values the form was loaded with (`_original`, JSON); the stored ones when it has none."""
    try:
        loaded = json.loads(text_of(form, "_original"))
    except ValueError:
        return current
    return loaded if isinstance(loaded, dict) else current


def stale_message(exc: StaleVersion, lang: str, zone: str) -> str:
    """The "changed by X at T" refusal, T in the reader's time zone."""
    if exc.params.get("at_utc"):
        exc.params["at"] = format_time(exc.params["at_utc"], zone)
    return exc.message(lang)


def _changes_since(kehu, actor, code: str, loaded_at: str, lang: str) -> list[dict[str, Any]]:
    try:
        since = _aware(loaded_at)
    except ValueError:
        since = None
    zone = getattr(actor, "timezone", None) or kehu.settings.timezone
    with kehu.db.read() as session:
        names = people(session, lang)
    entries = timeline(kehu, actor, code, lang, names, zone)
    return [e for e in entries if since is None or _aware(e["at"]) > since][:20]


def _aware(at: Any) -> datetime:
    value = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


HANDLERS.extend([new_customer, create_customer, edit_customer, save_customer])
