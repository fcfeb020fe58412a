"""The one service layer every entry point uses to change customers (API, screens, CLI, import).

Each call: authorize → load within the actor's scope → clean and validate everything (all field
errors at once; nothing written on any error) → write → change-log rows (who, when, field, old,
new, reason) in the same transaction → `customers_saved` hook, still inside the transaction.
Stale edits are refused (version check), never silently overwritten (SPEC A1, A8, A10, G7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kehu.actors import Actor
from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.errors import Conflict, FieldError, Forbidden, NotFound, StaleVersion, ValidationFailed
from kehu.fields import Access, FieldType, Storage
from kehu.models import ChangeLog, CodeSequence, Contact, Customer, Department, User
from kehu.query import base_conditions
from kehu.timeutil import local, now, today
from kehu.values import clean_contacts, clean_fields, contact_rules, is_empty, missing_key_info, missing_required

CODE_PREFIX = "CUS"
COMPLETION_WINDOW = timedelta(hours=24)  # SPEC A8
UNIQUE_FIELDS = ("credit_code", "id_number")
CONTACT_KEYS = {f.key for f in CONTACT_FIELDS}
# Fields with a default on create that can never be emptied afterwards (NOT NULL columns).
NOT_EMPTIABLE = ("status", "confidentiality")


@dataclass
class Saved:
    """One customer written in a transaction, as `customers_saved` hooks receive it."""

    customer: Customer
    action: str  # create / update / delete / restore / contact_add / contact_update / contact_remove
    # field key -> (old, new), as plain JSON values
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # cleaned input for fields stored by plugins (Storage.PLUGIN): the plugin writes these
    values: dict[str, Any] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value (for the change log, the API and comparisons)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# --- Customer codes (SPEC A1) --------------------------------------------------------------


def reserve_codes(session: Session, count: int = 1, day: date | None = None) -> list[str]:
    """`count` new customer codes, e.g. CUS20240501001: prefix, date, per-day sequence.

    One atomic upsert on the day's counter, so concurrent writers never get the same number.
    """
    key = (day or today()).strftime("%Y%m%d")
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(CodeSequence)
        .values(day=key, last=count)
        .on_conflict_do_update(index_elements=["day"], set_={"last": CodeSequence.last + count})
        .returning(CodeSequence.last)
    )
    last = session.execute(stmt).scalar_one()
    return [f"{CODE_PREFIX}{key}{n:03d}" for n in range(last - count + 1, last + 1)]


# --- Reading a customer's current values ---------------------------------------------------


def plugin_values(app, session: Session, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {i: {} for i in customer_ids}
    if customer_ids:
        for result in app.hook.customer_data(app=app, session=session, customer_ids=customer_ids):
            for cid, values in (result or {}).items():
                merged.setdefault(cid, {}).update(values)
    return merged


def field_values(app, customer: Customer, plugin_data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field's typed value for `customer`, whatever its storage."""
    values: dict[str, Any] = {}
    for f in app.fields:
        if f.storage == Storage.COLUMN:
            if f.type == FieldType.USER:
                values[f.key] = customer.owner.username if customer.owner else None
            elif f.type == FieldType.DEPARTMENT:
                values[f.key] = customer.department.name if customer.department else None
            else:
                values[f.key] = getattr(customer, f.column or f.key)
        elif f.storage == Storage.CUSTOM:
            values[f.key] = (customer.custom or {}).get(f.key)
        else:
            values[f.key] = plugin_data.get(f.key)
    return values


def load_customer(app, session: Session, actor: Actor, code: str, action: str = "read",
                  *, deleted: bool = False, for_update: bool = False) -> Customer:
    """The customer with `code` if `actor` may `action` it.

    Outside the actor's scope: NotFound, exactly as if it did not exist; inside the scope but
    not allowed to `action` it: Forbidden.
    """
    where = base_conditions(app, actor, include_hidden=True, deleted=deleted, action=action)
    stmt = select(Customer).where(Customer.code == code, *where)
    if for_update and session.bind.dialect.name == "postgresql":
        # FOR NO KEY UPDATE: other writers wait, but rows that merely point at the customer (a
        # plugin's history row, a link) can still be written by a concurrent transaction.
        stmt = stmt.with_for_update(of=Customer, key_share=True)
    customer = session.scalar(stmt)
    if customer is None:
        raise NotFound(code=code)
    app.authorize(actor, action, "customer", customer)
    return customer


# --- Validation shared by create and update ------------------------------------------------


def _check(app, session: Session, actor: Actor, data: Mapping[str, Any], current: Customer | None,
           state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int | None], list[FieldError]]:
    """Clean `data`; returns (values, resolved reference ids, errors)."""
    values, errors = clean_input(app, app.field_access(actor), data, state)
    refs, errs = resolve_references(values, lookup_references(session, [values]))
    errors += errs
    taken = lookup_duplicates(session, [values], current)
    errors += duplicate_errors(values, taken, visible_codes(app, session, actor, taken), errors)
    if not errors:
        errors += plugin_errors(app, session, actor, current, values)
    return values, refs, errors


# The pieces of `_check`, shared with `kehu.batch.create_many`: the per-row work (`clean_input`,
# `resolve_references`, `duplicate_errors`, `plugin_errors`) is separate from the lookups, which
# take the values of many rows and answer with one query each.

REFERENCES = (("owner", User, User.username, "unknown_user"),
              ("department", Department, Department.name, "unknown_department"))


def clean_input(app, access: Mapping[str, Access], data: Mapping[str, Any],
                state: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Field checks needing no database: write access, cleaning, required fields (given `state`)."""
    errors = [FieldError(k, "field_forbidden") for k in data
              if k in app.fields and access.get(k, Access.WRITE) != Access.WRITE]
    values, errs = clean_fields(app.fields, data)
    errors += errs
    merged = {**state, **values}
    required = missing_required(app.fields, merged, merged.get("customer_type"))
    # The type decides what else is required, so it is required whatever it is (even missing);
    # a field with a default (status, …) keeps it on create but cannot be emptied later.
    if is_empty(merged.get("customer_type")):
        required.append(FieldError("customer_type", "required"))
    required += [FieldError(k, "required") for k in NOT_EMPTIABLE
                 if k in values and is_empty(values[k]) and not is_empty(state.get(k))]
    for e in required:
        if not any(x.field == e.field for x in errors):
            errors.append(e)
    return values, errors


def contact_forbidden(access: Mapping[str, Access], data: Mapping[str, Any], prefix: str) -> list[FieldError]:
    """Contact fields the actor may not write (masked, read-only, hidden) are refused, never written."""
    return [FieldError(prefix + k, "field_forbidden") for k in data
            if k in CONTACT_KEYS and access.get(f"contacts.{k}", Access.WRITE) != Access.WRITE]


def new_contacts(access: Mapping[str, Access], raw: Any) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """A new customer's contacts, cleaned, with any field the actor may not write refused."""
    contacts, errors = clean_contacts(raw or [])
    for i, contact in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(contact, Mapping):
            errors = contact_forbidden(access, contact, f"contacts[{i}].") + errors
    return contacts, errors


def lookup_references(session: Session, rows: list[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """{"owner": {username: user id}, "department": {name: id}} for the names `rows` give: a query per kind."""
    found: dict[str, dict[str, int]] = {}
    for key, model, column, _ in REFERENCES:
        names = {row[key] for row in rows if row.get(key) is not None}
        found[key] = dict(session.execute(select(column, model.id).where(column.in_(names))).all()) if names else {}
    return found


def resolve_references(values: Mapping[str, Any],
                       found: Mapping[str, Mapping[str, int]]) -> tuple[dict[str, int | None], list[FieldError]]:
    """The ids of the owner and department `values` name (None when emptied), or errors."""
    refs: dict[str, int | None] = {}
    errors: list[FieldError] = []
    for key, _, _, rule in REFERENCES:
        if values.get(key) is not None:
            ref = found[key].get(values[key])
            if ref is None:
                errors.append(FieldError(key, rule, {"value": values[key]}))
            refs[key] = ref
        elif key in values:
            refs[key] = None
    return refs, errors


def lookup_duplicates(session: Session, rows: list[Mapping[str, Any]],
                      current: Customer | None = None) -> dict[str, dict[str, str]]:
    """{field: {value: code of the customer using it}} for the unique values `rows` give: a query per field.

    Deleted customers count: their values stay theirs.  `current` (being updated) is left out.
    """
    taken: dict[str, dict[str, str]] = {}
    for key in UNIQUE_FIELDS:
        wanted = {row[key] for row in rows if row.get(key) is not None}
        taken[key] = {}
        if wanted:
            column = getattr(Customer, key)
            stmt = select(column, Customer.code).where(column.in_(wanted))
            if current is not None:
                stmt = stmt.where(Customer.id != current.id)
            taken[key] = dict(session.execute(stmt).all())
    return taken


def visible_codes(app, session: Session, actor: Actor, taken: Mapping[str, Mapping[Any, str]]) -> set[str]:
    """Which of the customer codes in `taken` the actor may read (one query; none when nothing is taken)."""
    codes = {code for found in taken.values() for code in found.values()}
    if not codes:
        return set()
    where = base_conditions(app, actor, include_hidden=True)
    return set(session.scalars(select(Customer.code).where(Customer.code.in_(codes), *where)))


def duplicate_errors(values: Mapping[str, Any], taken: Mapping[str, Mapping[str, str]],
                     visible: set[str] | None = None, errors: list[FieldError] = ()) -> list[FieldError]:
    """`duplicate` errors for the unique values already taken.

    Keys that already have an error are skipped: no oracle behind `field_forbidden` (which every
    field the actor may not write gets, masked and hidden ones included, so a duplicate is only
    ever reported on a field the actor may write).  The other customer is named (`duplicate`, with
    the value and its code) only when it is in `visible` (the codes the actor may read, deleted
    customers excluded); otherwise `duplicate_hidden` gives neither the code nor the value.
    `visible=None`: every code is visible.
    """
    result: list[FieldError] = []
    for key in UNIQUE_FIELDS:
        value = values.get(key)
        if value is None or value not in taken[key] or any(e.field == key for e in errors):
            continue
        code = taken[key][value]
        result.append(FieldError(key, "duplicate", {"value": value, "code": code})
                      if visible is None or code in visible
                      else FieldError(key, "duplicate_hidden"))
    return result


def check_in_scope(app, session: Session, actor: Actor, action: str, customer_ids: list[int]) -> None:
    """Forbidden (the transaction rolls back) unless every written customer is still in the actor's
    scope for `action`: nobody may create customers outside it or move them out of it."""
    where = base_conditions(app, actor, include_hidden=True, action=action)
    ids = set(customer_ids)
    found = set(session.scalars(select(Customer.id).where(Customer.id.in_(ids), *where)))
    if found != ids:
        raise Forbidden()


def plugin_errors(app, session: Session, actor: Actor, current: Customer | None,
                  values: dict[str, Any]) -> list[FieldError]:
    """Plugins' `customer_validate` (per customer, by contract); may canonicalise their own `values`."""
    errors: list[FieldError] = []
    for result in app.hook.customer_validate(app=app, session=session, actor=actor, customer=current,
                                             values=values, is_new=current is None):
        errors += result or []
    return errors


def _apply(app, customer: Customer, values: Mapping[str, Any], refs: Mapping[str, int | None]) -> dict[str, Any]:
    """Write cleaned values onto the row; returns the plugin-stored ones for the hooks."""
    custom = dict(customer.custom or {})
    for_plugins: dict[str, Any] = {}
    for key, value in values.items():
        f = app.fields[key]
        if f.storage == Storage.COLUMN:
            setattr(customer, f.column or f.key, refs[key] if key in refs else value)
        elif f.storage == Storage.CUSTOM:
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = plain(value)
        else:
            for_plugins[key] = value
    customer.custom = custom
    return for_plugins


def _completion_due(app, customer: Customer, state: Mapping[str, Any]) -> None:
    if missing_key_info(app.fields, state):
        customer.completion_due = customer.completion_due or now() + COMPLETION_WINDOW
    else:
        customer.completion_due = None


def _log(session: Session, customer: Customer, actor: Actor, action: str, reason: str | None,
         changes: Mapping[str, tuple[Any, Any]] | None = None, new: Any = None) -> None:
    if changes is None:
        session.add(ChangeLog(customer_id=customer.id, actor_id=actor.id, action=action, new=new, reason=reason))
        return
    for key, (old, value) in changes.items():
        session.add(ChangeLog(customer_id=customer.id, actor_id=actor.id, action=action, field=key,
                              old=old, new=value, reason=reason))


def _saved(app, session: Session, actor: Actor, saved: list[Saved]) -> None:
    session.flush()
    app.hook.customers_saved(app=app, session=session, actor=actor, saved=saved)


# --- Create, update, delete, restore -------------------------------------------------------


def create_customer(app, actor: Actor, data: Mapping[str, Any], *, reason: str | None = None) -> Customer:
    """A new customer with its contacts; returns the row with its generated code."""
    app.authorize(actor, "create")
    with _writing(app) as session:
        return create_in(app, session, actor, data, reason=reason)


def create_in(app, session: Session, actor: Actor, data: Mapping[str, Any], *, reason: str | None = None) -> Customer:
    data = dict(data)
    contacts, errors = new_contacts(app.field_access(actor), data.pop("contacts", None))
    values, refs, errs = _check(app, session, actor, data, None, {})
    errors = errs + errors
    if errors:
        raise ValidationFailed(errors)
    customer, for_plugins = new_customer(app, reserve_codes(session)[0], values, refs)
    customer.contacts = [Contact(**c) for c in contacts]
    session.add(customer)
    session.flush()
    snapshot = creation_snapshot(values, customer.contacts)
    _log(session, customer, actor, "create", reason, new=snapshot)
    changes = {k: (None, v) for k, v in snapshot.items()}
    _saved(app, session, actor, [Saved(customer, "create", changes, for_plugins)])
    check_in_scope(app, session, actor, "create", [customer.id])
    return customer


def new_customer(app, code: str, values: Mapping[str, Any],
                 refs: Mapping[str, int | None]) -> tuple[Customer, dict[str, Any]]:
    """A new (transient) customer row from checked values; returns it and its plugin-stored values."""
    customer = Customer(code=code, entry_date=today(), custom={})
    customer.customer_type = values["customer_type"]
    for_plugins = _apply(app, customer, values, refs)
    customer.status = customer.status or "pending_review"
    customer.confidentiality = customer.confidentiality or "internal"
    _completion_due(app, customer, values)
    return customer, for_plugins


def creation_snapshot(values: Mapping[str, Any], contacts: list[Contact]) -> dict[str, Any]:
    """The `new` of a customer's "create" history row: every given value and the contacts (with ids)."""
    snapshot = {k: plain(v) for k, v in values.items() if v is not None}
    snapshot["contacts"] = [plain_contact(c) for c in contacts]
    return snapshot


def update_customer(app, actor: Actor, code: str, data: Mapping[str, Any], *, version: int | None,
                    reason: str | None = None) -> Customer:
    """Change some fields of a customer last seen at `version`; a stale version is refused (409)."""
    with _writing(app) as session:
        customer = _for_change(app, session, actor, code, "update", version)
        data = dict(data)
        if "contacts" in data:
            raise ValidationFailed([FieldError("contacts", "unknown_field", {"field": "contacts"})])
        state = field_values(app, customer, plugin_values(app, session, [customer.id])[customer.id])
        values, refs, errors = _check(app, session, actor, data, customer, state)
        if errors:
            raise ValidationFailed(errors)
        changes = {k: (plain(state.get(k)), plain(v)) for k, v in values.items() if plain(state.get(k)) != plain(v)}
        if not changes:
            return customer
        for_plugins = _apply(app, customer, {k: values[k] for k in changes}, refs)
        _completion_due(app, customer, {**state, **values})
        customer.updated_at = now()
        _flush_versioned(session, customer)
        _log(session, customer, actor, "update", reason, changes)
        _saved(app, session, actor, [Saved(customer, "update", changes, for_plugins)])
        check_in_scope(app, session, actor, "update", [customer.id])
        return customer


def delete_customer(app, actor: Actor, code: str, *, version: int | None = None, reason: str | None = None) -> Customer:
    """Soft delete: the customer leaves every list but keeps its data and history; restorable."""
    with _writing(app) as session:
        customer = _for_change(app, session, actor, code, "delete", version)
        customer.deleted_at = now()
        _flush_versioned(session, customer)
        _log(session, customer, actor, "delete", reason)
        _saved(app, session, actor, [Saved(customer, "delete")])
        return customer


def restore_customer(app, actor: Actor, code: str, *, reason: str | None = None) -> Customer:
    with _writing(app) as session:
        customer = load_customer(app, session, actor, code, "restore", deleted=True, for_update=True)
        customer.deleted_at = None
        _flush_versioned(session, customer)
        _log(session, customer, actor, "restore", reason)
        _saved(app, session, actor, [Saved(customer, "restore")])
        return customer


# --- Contacts (SPEC A4) --------------------------------------------------------------------


def plain_contact(c: Contact) -> dict[str, Any]:
    return {"id": c.id, **{f.key: getattr(c, f.key) for f in CONTACT_FIELDS}}


def add_contact(app, actor: Actor, code: str, data: Mapping[str, Any], *, version: int | None,
                reason: str | None = None) -> Contact:
    with _writing(app) as session:
        customer = _for_change(app, session, actor, code, "update", version)
        # Clean the fields alone: the rules spanning contacts (two methods, one primary) are checked
        # on all of them below — a new contact with only a mobile is fine if the others have more,
        # and it becomes primary only when asked to.
        prefix = f"contacts[{len(customer.contacts)}]."
        new, errors = clean_fields(CONTACT_FIELDS, {k: v for k, v in data.items() if k != "id"}, prefix)
        errors = contact_forbidden(app.field_access(actor), data, prefix) + errors
        if is_empty(new.get("name")) and not any(e.field == prefix + "name" for e in errors):
            errors.append(FieldError(prefix + "name", "required"))
        if errors:
            raise ValidationFailed(errors)
        if new.get("is_primary"):
            for other in customer.contacts:
                other.is_primary = False
        contact = Contact(**new)
        customer.contacts.append(contact)
        errors = contact_rules([plain_contact(c) for c in customer.contacts])
        if errors:
            raise ValidationFailed(errors)
        session.flush()
        return _contact_changed(app, session, actor, customer, contact, "contact_add", reason,
                                {f"contacts[{contact.id}]": (None, plain_contact(contact))})


def update_contact(app, actor: Actor, code: str, contact_id: int, data: Mapping[str, Any], *,
                   version: int | None, reason: str | None = None) -> Contact:
    with _writing(app) as session:
        customer = _for_change(app, session, actor, code, "update", version)
        contact = _contact_of(customer, contact_id)
        prefix = f"contacts[{customer.contacts.index(contact)}]."  # errors name the contact's position
        values, errors = clean_fields(CONTACT_FIELDS, data, prefix)
        errors = contact_forbidden(app.field_access(actor), data, prefix) + errors
        if "name" in values and is_empty(values["name"]):
            errors.append(FieldError(prefix + "name", "required"))
        if errors:
            raise ValidationFailed(errors)
        before = plain_contact(contact)
        if values.get("is_primary"):
            for other in customer.contacts:
                other.is_primary = other is contact
        for key, value in values.items():
            setattr(contact, key, value)
        rows = [plain_contact(c) for c in customer.contacts]
        errors = contact_rules(rows)
        if errors:
            raise ValidationFailed(errors)
        for c, p in zip(customer.contacts, rows, strict=True):
            c.is_primary = p["is_primary"]  # un-setting the only primary: contact_rules promoted the first one
        after = plain_contact(contact)
        changes = {f"contacts[{contact.id}].{k}": (before[k], after[k]) for k in after if before[k] != after[k]}
        if not changes:
            return contact
        return _contact_changed(app, session, actor, customer, contact, "contact_update", reason, changes)


def remove_contact(app, actor: Actor, code: str, contact_id: int, *, version: int | None,
                   reason: str | None = None) -> Contact:
    with _writing(app) as session:
        customer = _for_change(app, session, actor, code, "update", version)
        # Removing a contact writes all of its fields (and may make another one primary): only
        # somebody who may write every contact field may do it.
        access = app.field_access(actor)
        if any(access.get(f"contacts.{key}", Access.WRITE) != Access.WRITE for key in CONTACT_KEYS):
            raise ValidationFailed([FieldError(f"contacts[{contact_id}]", "field_forbidden")])
        contact = _contact_of(customer, contact_id)
        before = plain_contact(contact)
        customer.contacts.remove(contact)
        remaining = [plain_contact(c) for c in customer.contacts]
        errors = contact_rules(remaining)
        if errors:
            raise ValidationFailed(errors)
        for c, p in zip(customer.contacts, remaining, strict=True):
            c.is_primary = p["is_primary"]  # contact_rules may have promoted the first one
        return _contact_changed(app, session, actor, customer, contact, "contact_remove", reason,
                                {f"contacts[{contact_id}]": (before, None)})


def _contact_of(customer: Customer, contact_id: int) -> Contact:
    contact = next((c for c in customer.contacts if c.id == contact_id), None)
    if contact is None:
        raise NotFound(contact=contact_id)
    return contact


def _contact_changed(app, session, actor, customer, contact, action, reason, changes) -> Contact:
    customer.updated_at = now()  # bumps the customer's version: contacts are part of the profile
    _flush_versioned(session, customer)
    _log(session, customer, actor, action, reason, changes)
    _saved(app, session, actor, [Saved(customer, action, changes)])
    return contact


# --- History -------------------------------------------------------------------------------


def history(app, actor: Actor, code: str, *, limit: int = 200) -> list[ChangeLog]:
    """The change log of a customer the actor may read, newest first (SPEC A10)."""
    with app.db.read() as session:
        customer = load_customer(app, session, actor, code, "read")
        stmt = (select(ChangeLog).where(ChangeLog.customer_id == customer.id)
                .order_by(ChangeLog.id.desc()).limit(limit))
        return list(session.scalars(stmt))


# --- Transactions and version checks -------------------------------------------------------


class _writing:
    """`app.db.write()` that turns a lost race on a unique column into a 409, not a 500."""

    def __init__(self, app):
        self._cm = app.db.write()

    def __enter__(self) -> Session:
        return self._cm.__enter__()

    def __exit__(self, *exc_info):
        try:
            suppressed = self._cm.__exit__(*exc_info)
        except IntegrityError as exc:  # at commit
            raise Conflict(detail=str(exc.orig).splitlines()[0]) from exc
        if not suppressed and isinstance(exc_info[1], IntegrityError):  # at a flush in the body (rolled back)
            raise Conflict(detail=str(exc_info[1].orig).splitlines()[0]) from exc_info[1]
        return suppressed


def _for_change(app, session: Session, actor: Actor, code: str, action: str, version: int | None) -> Customer:
    customer = load_customer(app, session, actor, code, action, for_update=True)
    if action == "update" and version is None:
        raise ValidationFailed([FieldError("version", "required")])
    if version is not None and int(version) != customer.version:
        raise _stale(session, customer, int(version))
    return customer


def _flush_versioned(session: Session, customer: Customer) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise _stale(session, customer, customer.version) from None


def _stale(session: Session, customer: Customer, given: int) -> StaleVersion:
    last = session.scalar(select(ChangeLog).where(ChangeLog.customer_id == customer.id)
                          .order_by(ChangeLog.id.desc()).limit(1))
    by = last.actor.display_name if last and last.actor else "?"
    at = local(last.at).strftime("%Y-%m-%d %H:%M") if last else "?"
    current = session.scalar(select(Customer.version).where(Customer.id == customer.id))
    # `at_utc` lets a screen say the time in its reader's own zone.
    return StaleVersion(by=by, at=at, current=current, given=given, at_utc=last.at.isoformat() if last else None)
