"""Creating many customers at once (imports, demo data): the rules of `records.create_in`, batched.

    with app.db.write() as session:
        results = batch.create_many(app, session, actor, rows, reason="导入 2024-05")
        if any(r.errors for r in results):
            ...  # report them; raise to roll the valid rows back too, if the import is all-or-nothing

Every row is checked exactly as `records.create_in` checks a form — the same cleaning, the same
field definitions, field access, required fields, contacts, references, duplicates and plugins'
`customer_validate` (per row, by contract) — and every created customer gets the same "create"
history row and the same `Saved` in `customers_saved`.  What changes is the number of statements:

- owners and departments are looked up with one query per kind for the whole batch, the
  credit codes and ID numbers already taken with one query per field;
- codes are reserved with one `reserve_codes` call, consecutive, in row order;
- customers, contacts and history rows are written with one multi-row INSERT each (per ~1,000
  rows): ORM bulk INSERT … RETURNING, with NULLs rendered so that every row has the same
  columns and the rows are not split into groups by which fields they leave empty;
- `customers_saved` is called once, with every customer of the batch.

Rows with errors are returned with their errors and nothing is written for them; the valid rows
are written.  Whether an import is all-or-nothing is the caller's choice: it runs in the caller's
transaction, so raising after looking at the results rolls back everything.

A credit code or ID number given twice in one batch: the first row that passes every check keeps
it, and each later row giving it gets the `duplicate` error naming the customer code the first
row received (params `code`) and its position in `rows` (params `row`) — exactly what creating the
rows one by one would have said, plus the row.  A row that fails for another reason claims
nothing, so a later row with the same value may be written, again as one by one.

Batches of hundreds to a few thousand rows are what it is for (the demo uses 200): each lookup's
IN list takes one parameter per row, and SQLite allows 32,766 parameters per statement.

Plugins validate each row against the database as it was before the batch (nothing of the batch
is written until every row is checked); they see each row's cleaned values, as with `create_in`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Mapper, Session, attributes, lazyload

from kehu import records
from kehu.actors import Actor
from kehu.errors import FieldError
from kehu.models import ChangeLog, Contact, Customer, utcnow
from kehu.records import Saved


@dataclass
class RowResult:
    """What became of `rows[index]`: the created customer, or the errors (and nothing written)."""

    index: int
    customer: Customer | None
    errors: list[FieldError]


@dataclass
class _Row:
    index: int
    values: dict[str, Any]
    contacts: list[dict[str, Any]]
    errors: list[FieldError]  # the fields' (as `records._check` reports them)
    contact_errors: list[FieldError]
    refs: dict[str, int | None] = field(default_factory=dict)


def create_many(app, session: Session, actor: Actor, rows: Sequence[Mapping[str, Any]], *,
                reason: str | None = None) -> list[RowResult]:
    """Create a customer per valid row of `rows`, in the caller's transaction; one result per row."""
    app.authorize(actor, "create")
    checked = _check(app, session, actor, rows)
    valid = [row for row in checked if not row.errors and not row.contact_errors]
    customers = _write(app, session, actor, valid, reason) if valid else []
    created = {row.index: customer for row, customer in zip(valid, customers, strict=True)}
    for row in checked:  # a duplicate within the batch names the code the first row received
        for error in row.errors:
            if error.rule == "duplicate" and "row" in error.params:
                error.params["code"] = created[error.params["row"]].code
    return [RowResult(row.index, created.get(row.index), row.errors + row.contact_errors) for row in checked]


# --- Checking: per-row work, lookups once per batch -----------------------------------------


def _check(app, session: Session, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> list[_Row]:
    """`records._check` for every row, with its lookups done once for the batch."""
    access = app.field_access(actor)
    checked: list[_Row] = []
    for index, raw in enumerate(rows):
        data = dict(raw)
        contacts, contact_errors = records.new_contacts(access, data.pop("contacts", None))
        values, errors = records.clean_input(app, access, data, {})
        checked.append(_Row(index, values, contacts, errors, contact_errors))
    found = records.lookup_references(session, [row.values for row in checked])
    taken = records.lookup_duplicates(session, [row.values for row in checked])
    visible = records.visible_codes(app, session, actor, taken)
    kept: dict[str, dict[Any, int]] = {key: {} for key in records.UNIQUE_FIELDS}  # value -> row keeping it
    for row in checked:
        row.refs, errors = records.resolve_references(row.values, found)
        row.errors += errors
        row.errors += _duplicate_errors(row.values, taken, kept, visible, row.errors)
        if not row.errors:  # as in `records._check`: plugins validate what core accepted
            row.errors += records.plugin_errors(app, session, actor, None, row.values)
        if not row.errors and not row.contact_errors:
            for key in records.UNIQUE_FIELDS:
                if row.values.get(key) is not None:
                    kept[key][row.values[key]] = row.index
    return checked


def _duplicate_errors(values: Mapping[str, Any], taken: Mapping[str, Mapping[Any, str]],
                      kept: Mapping[str, Mapping[Any, int]], visible: set[str],
                      previous: list[FieldError]) -> list[FieldError]:
    """`records.duplicate_errors`, also against the values earlier rows keep ("code" filled in on write).

    A value an earlier row of the batch keeps is the caller's own input: that row is named.
    """
    errors = records.duplicate_errors(values, taken, visible, previous)
    for key in records.UNIQUE_FIELDS:
        value = values.get(key)
        if value is not None and value not in taken[key] and value in kept[key] \
                and not any(e.field == key for e in previous):
            errors.append(FieldError(key, "duplicate", {"value": value, "code": None, "row": kept[key][value]}))
    return sorted(errors, key=lambda e: records.UNIQUE_FIELDS.index(e.field))


# --- Writing: one statement per table --------------------------------------------------------


def _write(app, session: Session, actor: Actor, rows: list[_Row], reason: str | None) -> list[Customer]:
    codes = records.reserve_codes(session, len(rows))
    built = [records.new_customer(app, code, row.values, row.refs) for code, row in zip(codes, rows, strict=True)]
    by_code = {c.code: c for c in _insert(session, Customer, [_params(Customer.__mapper__, c) for c, _ in built])}
    customers = [by_code[code] for code in codes]
    contacts: dict[int, list[Contact]] = {c.id: [] for c in customers}
    for contact in _insert(session, Contact, [
        {**_params(Contact.__mapper__, Contact(**c)), "customer_id": customer.id}
        for customer, row in zip(customers, rows, strict=True) for c in row.contacts
    ]):
        contacts[contact.customer_id].append(contact)
    saved: list[Saved] = []
    history: list[dict[str, Any]] = []
    moment = utcnow()
    for customer, row, (_, for_plugins) in zip(customers, rows, built, strict=True):
        # The collection as a later load gives it (by id, i.e. the order given), without a query.
        attributes.set_committed_value(customer, "contacts", sorted(contacts[customer.id], key=lambda c: c.id))
        for contact in customer.contacts:
            attributes.set_committed_value(contact, "customer", customer)
        snapshot = records.creation_snapshot(row.values, customer.contacts)
        history.append({"customer_id": customer.id, "at": moment, "actor_id": actor.id, "action": "create",
                        "field": None, "old": None, "new": snapshot, "reason": reason})
        saved.append(Saved(customer, "create", {k: (None, v) for k, v in snapshot.items()}, for_plugins))
    session.execute(insert(ChangeLog).execution_options(render_nulls=True), history)
    records._saved(app, session, actor, saved)
    records.check_in_scope(app, session, actor, "create", [c.id for c in customers])
    return customers


def _insert(session: Session, model: type, params: list[dict[str, Any]]) -> list[Any]:
    """ORM bulk INSERT … RETURNING: the new rows as persistent objects, in no particular order.

    Not `sort_by_parameter_order=True`: SQLite has no implicit sentinel, so SQLAlchemy would fall
    back to one statement per row; the caller matches the rows by content instead.
    """
    if not params:
        return []
    stmt = (insert(model).returning(model).execution_options(render_nulls=True)
            .options(*(lazyload(r) for r in model.__mapper__.relationships)))
    return list(session.scalars(stmt, params))


def _params(mapper: Mapper, obj: Any) -> dict[str, Any]:
    """The INSERT parameters a unit-of-work flush would use for transient `obj`, with every column.

    As in a flush, a column left None gets its default: a constant is given here, a function's
    column is left out (for every row alike) so that it runs; every other column is given, NULL
    included, so that all rows of a batch have the same columns and go in one statement.
    """
    state = obj.__dict__
    params: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        value = state.get(prop.key)
        if value is None:
            if column.primary_key or column.server_default is not None:
                continue
            if column.default is not None:
                if not column.default.is_scalar:
                    continue
                value = column.default.arg
        params[prop.key] = value
    return params
