"""What a reader gets to see of customers: plain data with field access applied (hidden / masked).

Every read path (API, screens, export, search results) builds its rows here, so masking happens
before data reaches a template, a JSON response or a file (DESIGN: sensitive data is masked
unless the viewer may see it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from kehu.actors import Actor
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.fields import Access
from kehu.models import ChangeLog, Contact, Customer
from kehu.records import field_values, plain, plugin_values


def mask(value: Any) -> Any:
    """Keep the ends, hide the middle: 110***********123X, 138****1234, 张*."""
    if value is None:
        return None
    text = str(value)
    if len(text) == 18:  # resident ID / credit code
        return text[:3] + "*" * 11 + text[-4:]
    if len(text) == 11 and text.isdigit():  # mobile
        return text[:3] + "****" + text[-4:]
    if "@" in text:
        name, _, domain = text.partition("@")
        return name[:1] + "***@" + domain
    if len(text) <= 2:
        return text[:1] + "*"
    return text[:1] + "*" * (len(text) - 2) + text[-1:]


def _shown(value: Any, access: Access | None) -> tuple[bool, Any]:
    if access == Access.HIDDEN:
        return False, None
    if access == Access.MASKED:
        return True, mask(value)
    return True, value


def contact_view(contact: Contact, access: dict[str, Access]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": contact.id}
    for f in CONTACT_FIELDS:
        show, value = _shown(getattr(contact, f.key), access.get(f"contacts.{f.key}"))
        if show:
            row[f.key] = value
    return row


def customer_views(app, session: Session, actor: Actor, customers: Sequence[Customer],
                   *, with_contacts: bool = True) -> list[dict[str, Any]]:
    """Plain rows for `customers` (one plugin-data call for all of them)."""
    access = app.field_access(actor)
    extra = plugin_values(app, session, [c.id for c in customers])
    rows = []
    for customer in customers:
        values = field_values(app, customer, extra.get(customer.id, {}))
        row: dict[str, Any] = {"code": customer.code, "version": customer.version}
        for key, value in values.items():
            show, shown = _shown(plain(value), access.get(key))
            if show:
                row[key] = shown
        if with_contacts:
            row["contacts"] = [contact_view(c, access) for c in customer.contacts]
        row["created_at"] = plain(customer.created_at)
        row["updated_at"] = plain(customer.updated_at)
        row["completion_due"] = plain(customer.completion_due)
        row["deleted"] = customer.deleted_at is not None
        rows.append(row)
    return rows


def _contact_snapshot(contact: dict[str, Any], access: dict[str, Access]) -> dict[str, Any]:
    """A contact as stored in history (a dict), with the reader's contact-field access applied."""
    shown = {}
    for key, value in contact.items():
        show, value = _shown(value, access.get(f"contacts.{key}"))
        if show:
            shown[key] = value
    return shown


def _is_contact(value: Any) -> bool:
    return isinstance(value, dict) and {"name", "mobile", "email"} <= value.keys()


def _history_value(value: Any, level: Access | None, access: dict[str, Access]) -> Any:
    """Whole contacts (added, removed, in a create snapshot) are masked field by field."""
    if _is_contact(value):
        return _contact_snapshot(value, access)
    if isinstance(value, list) and value and all(_is_contact(v) for v in value):
        return [_contact_snapshot(v, access) for v in value]
    return mask(value) if level == Access.MASKED else value


def change_view(entry: ChangeLog, access: dict[str, Access]) -> dict[str, Any]:
    """A history row; a masked or hidden field stays masked or hidden in its history too."""
    key = entry.field or ""
    field_key = "contacts." + key.split(".")[-1] if key.startswith("contacts[") and "." in key else key
    row = {
        "id": entry.id,
        "at": plain(entry.at),
        "actor": entry.actor.username if entry.actor else None,
        "actor_name": entry.actor.display_name if entry.actor else None,
        "action": entry.action,
        "field": entry.field,
        "reason": entry.reason,
    }
    level = access.get(field_key)
    if level == Access.HIDDEN:
        return {**row, "old": None, "new": None, "hidden": True}
    row["old"], row["new"] = _history_value(entry.old, level, access), _history_value(entry.new, level, access)
    if entry.action == "create" and isinstance(entry.new, dict):
        row["new"] = {k: _history_value(v, access.get(k), access)
                      for k, v in entry.new.items() if access.get(k) != Access.HIDDEN}
    return row
