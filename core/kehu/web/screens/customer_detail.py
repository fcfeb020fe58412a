"""The customer detail screen (SPEC A7, A10, H5): the five categories with their second-level
categories, contacts, sections contributed by plugins, and the change history as a timeline.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from kehu import records
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.fields import Access
from kehu.i18n import N_, gettext
from kehu.views import change_view, customer_views
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import field_label
from kehu.web.screens import HANDLERS
from kehu.web.screens.display import people, shown
from kehu.web.screens.forms import Widget, group_widgets
from kehu.web.screens.render import page

Code = FromPath[str]
# How each kind of change reads in the timeline (English msgids; the catalog translates).
ACTIONS = {
    "create": N_("created the customer"),
    "update": N_("changed"),
    "delete": N_("deleted the customer"),
    "restore": N_("restored the customer"),
    "contact_add": N_("added a contact"),
    "contact_update": N_("changed a contact"),
    "contact_remove": N_("removed a contact"),
}


def reading_value(kehu, key: str, value: Any, lang: str, names, zone: str) -> Any:
    """A history value for reading: a field's value as the detail shows it, a contact as its name."""
    if value is None:
        return ""
    f = kehu.fields.fields.get(key)
    if f is not None:
        return shown(f, value, lang, names, zone)
    if isinstance(value, dict) and "name" in value:  # a whole contact
        methods = [str(value[k]) for k in ("mobile", "email", "im") if value.get(k)]
        return f"{value.get('name') or ''} {' / '.join(methods)}".strip()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def timeline(kehu, actor, code: str, lang: str, names, zone: str) -> list[dict[str, Any]]:
    access = kehu.field_access(actor)
    entries = []
    for entry in records.history(kehu, actor, code):
        row = change_view(entry, access)
        key = row["field"] or ""
        plain_key = key.split(".")[-1] if key.startswith("contacts[") else key
        entries.append({
            "at": row["at"],
            "who": row["actor_name"] or row["actor"] or "",
            "action": gettext(lang, ACTIONS.get(row["action"], row["action"])),
            "field": field_label(kehu, key if not key.startswith("contacts[") or "." in key else "contacts", lang)
            if key and row["action"] != "create" else "",
            "old": "" if row.get("hidden") else reading_value(kehu, plain_key, row["old"], lang, names, zone),
            "new": "" if row.get("hidden") or row["action"] == "create"
            else reading_value(kehu, plain_key, row["new"], lang, names, zone),
            "hidden": row.get("hidden", False),
            "reason": row["reason"] or "",
        })
    return entries


@get("/customers/{code:str}", sync_to_thread=True, include_in_schema=False)
def customer_detail(request: Request, code: Code, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    zone = getattr(actor, "timezone", None) or kehu.settings.timezone
    access = kehu.field_access(actor)
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code)
        view = customer_views(kehu, session, actor, [customer])[0]
        names = people(session, lang)
        may_update = kehu.allowed(actor, "update", "customer", customer)
        may_delete = kehu.allowed(actor, "delete", "customer", customer)
        sections = [s for batch in kehu.hook.customer_sections(
            app=kehu, session=session, actor=actor, customer=customer, lang=lang) for s in batch or ()]
    facts = [Widget(field=f, name=f.key, kind="value", value=shown(f, view.get(f.key), lang, names, zone))
             for f in kehu.fields if f.key in view and access.get(f.key) != Access.HIDDEN]
    contact_fields = [f for f in CONTACT_FIELDS if access.get(f"contacts.{f.key}") != Access.HIDDEN]
    contacts = [{"id": c["id"], "values": [shown(f, c.get(f.key), lang, names, zone) for f in contact_fields]}
                for c in view["contacts"]]
    return page(
        request, "kehu/customers/detail.html", actor=actor, lang=lang, customer=view,
        groups=group_widgets(kehu.fields, facts, lang), contact_fields=contact_fields, contacts=contacts,
        sections=sorted(sections, key=lambda s: s.order), history=timeline(kehu, actor, code, lang, names, zone),
        may_update=may_update, may_delete=may_delete,
    )


HANDLERS.append(customer_detail)
