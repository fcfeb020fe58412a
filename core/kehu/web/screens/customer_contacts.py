"""Contact forms on a customer (SPEC A4): add, edit, remove — each a versioned change with history.

The customer's version travels with every form, so a contact edit on a customer somebody else
just changed is refused (never silently merged), exactly like a field edit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from kehu import records
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.errors import NotFound, StaleVersion, ValidationFailed
from kehu.fields import Access
from kehu.i18n import N_, gettext
from kehu.views import contact_view
from kehu.web.auth import flash
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens import HANDLERS
from kehu.web.screens.customer_forms import _errors, _original, stale_message
from kehu.web.screens.forms import build_widgets, form_value, posted_value, service_value, text_of, whole_number
from kehu.web.screens.render import off_loop, page

Code = FromPath[str]
ContactId = FromPath[int]
_NESTED = re.compile(r"^contacts\[[^\]]*\]\.(\w+)$")


def _load(kehu, actor, code: str, contact_id: int | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the customer's name and version, the contact as the actor may see it)."""
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code, "update")
        about = {"code": customer.code, "name": customer.name, "version": customer.version}
        if contact_id is None:
            return about, None
        contact = next((c for c in customer.contacts if c.id == contact_id), None)
        if contact is None:
            raise NotFound(contact=contact_id)
        return about, contact_view(contact, kehu.field_access(actor))


def _form(request, kehu, actor, lang, customer, contact_id, values, errors=None, summary=None, status=200,
          original=None):
    widgets = build_widgets(CONTACT_FIELDS, kehu.field_access(actor), values, lang=lang, people={},
                            customer_type=None, access_prefix="contacts.")
    for w in widgets:
        w.error = (errors or {}).get(w.name, "")
    return page(request, "kehu/customers/contact_form.html", status=status, actor=actor, lang=lang,
                customer=customer, contact_id=contact_id, widgets=widgets, summary=summary or [],
                original=json.dumps({w.field.key: w.value for w in widgets if w.editable} if original is None
                                    else original, ensure_ascii=False))


def _nested_name(key: str) -> str:
    m = _NESTED.match(key)
    return m.group(1) if m else key


@get("/customers/{code:str}/contacts/new", include_in_schema=False)
async def new_contact(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_new_contact, request, code, kehu, actor, lang)


def _new_contact(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    customer, _ = _load(kehu, actor, code, None)
    return _form(request, kehu, actor, lang, customer, None, {})


@get("/customers/{code:str}/contacts/{contact_id:int}/edit", include_in_schema=False)
async def edit_contact(request: Request, code: Code, contact_id: ContactId, kehu: KehuDep, actor: ActorDep,
                 lang: LangDep) -> Response:
    return await off_loop(_edit_contact, request, code, contact_id, kehu, actor, lang)


def _edit_contact(request: Request, code: Code, contact_id: ContactId, kehu: KehuDep, actor: ActorDep,
                 lang: LangDep) -> Response:
    customer, contact = _load(kehu, actor, code, contact_id)
    values = {f.key: form_value(f, contact.get(f.key)) for f in CONTACT_FIELDS if f.key in contact}
    return _form(request, kehu, actor, lang, customer, contact_id, values)


@post("/customers/{code:str}/contacts/new", include_in_schema=False)
async def add_contact(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_save, request, kehu, actor, lang, code, None, form)


@post("/customers/{code:str}/contacts/{contact_id:int}/edit", include_in_schema=False)
async def save_contact(request: Request, code: Code, contact_id: ContactId, kehu: KehuDep, actor: ActorDep,
                       lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_save, request, kehu, actor, lang, code, contact_id, form)


def _save(request, kehu, actor, lang, code, contact_id, form) -> Response:
    customer, contact = _load(kehu, actor, code, contact_id)
    access = kehu.field_access(actor)
    # Only the inputs the form drew for this reader: a masked or hidden contact field is never taken.
    editable = [f for f in CONTACT_FIELDS if access.get(f"contacts.{f.key}", Access.WRITE) == Access.WRITE]
    shown = {f.key: posted_value(f, form, f.key) for f in editable if f.key in form}
    version = whole_number(text_of(form, "version"))
    current = {f.key: form_value(f, (contact or {}).get(f.key)) for f in editable}
    original = _original(form, current)
    try:
        if contact is None:
            data = {f.key: service_value(f, shown[f.key]) for f in editable
                    if shown.get(f.key) not in (None, "", [])}
            records.add_contact(kehu, actor, code, data, version=version)
            done = N_("The contact was added.")
        else:
            # Measured against the form as loaded: somebody else's change meanwhile is not sent back.
            data = {f.key: service_value(f, shown[f.key]) for f in editable
                    if f.key in shown and shown[f.key] != original.get(f.key, current[f.key])}
            if data:
                records.update_contact(kehu, actor, code, contact_id, data, version=version)
            done = N_("The contact was saved.") if data else N_("Nothing was changed.")
    except ValidationFailed as exc:
        inline, summary = _errors(kehu, exc, lang, _nested_name)
        customer["version"] = version
        return _form(request, kehu, actor, lang, customer, contact_id, {**current, **shown}, inline, summary,
                     status=422, original=original)
    except StaleVersion as exc:
        zone = getattr(actor, "timezone", None) or kehu.settings.timezone
        mine = {k: v for k, v in shown.items() if v != original.get(k, current.get(k))}
        return _form(request, kehu, actor, lang, customer, contact_id, {**current, **mine},
                     summary=[stale_message(exc, lang, zone)], status=409, original=current)
    flash(request, "success", gettext(lang, done))
    return Redirect(f"/customers/{code}#category-contact", status_code=303)


@post("/customers/{code:str}/contacts/{contact_id:int}/remove", include_in_schema=False)
async def remove_contact(request: Request, code: Code, contact_id: ContactId, kehu: KehuDep, actor: ActorDep,
                         lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_remove, request, kehu, actor, lang, code, contact_id, form)


def _remove(request, kehu, actor, lang, code, contact_id, form) -> Response:
    try:
        records.remove_contact(kehu, actor, code, contact_id, version=whole_number(text_of(form, "version")))
    except (ValidationFailed, StaleVersion) as exc:
        _, summary = _errors(kehu, exc, lang)
        for text in summary:
            flash(request, "error", text)
        return Redirect(f"/customers/{code}/contacts/{contact_id}/edit", status_code=303)
    flash(request, "success", gettext(lang, "The contact was removed."))
    return Redirect(f"/customers/{code}#category-contact", status_code=303)


HANDLERS.extend([new_contact, edit_contact, add_contact, save_contact, remove_contact])
