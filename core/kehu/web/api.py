"""The JSON API on customers: list, detail, create, change, delete, restore, contacts, history.

Handlers only translate HTTP to service calls (`kehu.records`, `kehu.query`, `kehu.views`), so
validation, permissions, history and version checks are exactly those of every other entry point.
Handlers are sync (SQLAlchemy sync) and run in a worker thread.  Bodies are `dict[str, Any]`: the
field set is whatever core, plugins and admins defined, and the service layer checks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from kehu import records
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.i18n import N_, gettext
from kehu.messages import join
from kehu.query import DEFAULT_SORT, MAX_LIMIT, Condition, list_customers, operator_label, parse_conditions
from kehu.views import change_view, contact_view, customer_views
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.errors import ERROR_RESPONSES

if TYPE_CHECKING:
    from kehu.actors import Actor
    from kehu.app import Kehu

# Query parameters of the list that are not conditions.
LIST_OPTIONS = {"sort", "limit", "offset", "cursor", "include_hidden", "deleted", "lang"}

Data = dict[str, Any]
Body = JSONBody[Data]
Code = FromPath[str]


# --- small helpers -------------------------------------------------------------------------


def _int(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    # Whole numbers only: 1.7 is not version 1, and True is not 1 either.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValidationFailed([FieldError(key, "invalid_integer")])


def _reason(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValidationFailed([FieldError("reason", "not_text")])


def _split(data: Data) -> tuple[Data, int | None, str | None]:
    """A change body minus its `version` and `reason`, which are about the change, not the data."""
    data = dict(data)
    return data, _int(data.pop("version", None), "version"), _reason(data.pop("reason", None))


def _customer(kehu: Kehu, actor: Actor, code: str) -> dict[str, Any]:
    """The customer as `actor` may see it, read afresh (after a write: what was really stored)."""
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code)
        return customer_views(kehu, session, actor, [customer])[0]


def _contact(kehu: Kehu, actor: Actor, code: str, contact_id: int) -> dict[str, Any]:
    """A contact read afresh, with the customer's new version (needed for the next change)."""
    with kehu.db.read() as session:
        customer = records.load_customer(kehu, session, actor, code)
        contact = next((c for c in customer.contacts if c.id == contact_id), None)
        if contact is None:  # removed by somebody else in between
            raise NotFound(contact=contact_id)
        return {**contact_view(contact, kehu.field_access(actor)), "customer_version": customer.version}


def condition_text(kehu: Kehu, condition: Condition, lang: str) -> str:
    """A condition in words: "客户等级 等于 A类（高价值）" / "Value grade is A (high value)"."""
    fd = kehu.filters[condition.key]
    if condition.op == "empty":
        words = operator_label("empty", lang) if condition.value else gettext(lang, N_("is not empty"))
        return f"{fd.label(lang)} {words}"
    labels = {c.value: c.label(lang) for c in fd.choices}
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    shown = []
    for value in values:
        if isinstance(value, bool):
            shown.append(gettext(lang, N_("yes") if value else N_("no")))
        else:
            shown.append(labels.get(value, str(records.plain(value))))
    return f"{fd.label(lang)} {operator_label(condition.op, lang)} {join(lang, shown)}"


def _condition_params(request: Request) -> dict[str, Any]:
    """Raw conditions from the query string; a key given twice keeps all its values."""
    query = request.query_params
    params: dict[str, Any] = {}
    for key in dict.fromkeys(query.keys()):
        if key not in LIST_OPTIONS:
            values = query.getall(key)
            params[key] = values[0] if len(values) == 1 else values
    return params


# --- customers -----------------------------------------------------------------------------


class CustomerController(Controller):
    path = "/api/customers"
    tags = ["customers"]

    @get("/", sync_to_thread=True, responses=ERROR_RESPONSES)
    def index(
        self,
        request: Request,
        kehu: KehuDep,
        actor: ActorDep,
        lang: LangDep,
        sort: Annotated[str, QueryParameter(description="Field keys, comma-separated; '-' descends")] = (
            DEFAULT_SORT
        ),
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous page")] = None,
        include_hidden: Annotated[bool, QueryParameter(description="Also inactive and dormant (D5)")] = False,
        deleted: Annotated[bool, QueryParameter(description="List deleted customers instead")] = False,
    ) -> dict[str, Any]:
        """List customers meeting all conditions (SPEC D2, D3).

        Every other query parameter is a condition `key` or `key__op` naming a filter of
        GET /api/filters, e.g. `grade=A`, `last_contact_date__gte=2024-01-01`,
        `industry__in=F51,F52`, `q=科技`, `tags__all=区域-华东,长期合作`.
        """
        conditions = parse_conditions(kehu, _condition_params(request), actor)
        with kehu.db.read() as session:
            page = list_customers(kehu, session, actor, conditions, sort=sort, limit=limit, offset=offset,
                                  cursor=cursor, include_hidden=include_hidden, deleted=deleted)
            items = customer_views(kehu, session, actor, page.items)
        return {
            "items": items,
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "next_cursor": page.next_cursor,
            "sort": page.sort,
            "conditions": [
                {"key": c.key, "op": c.op, "value": records.plain(c.value),
                 "text": condition_text(kehu, c, lang)}
                for c in conditions
            ],
        }

    @post("/", sync_to_thread=True, responses=ERROR_RESPONSES)
    def create(self, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Create a customer: field values, `contacts` (a list) and an optional `reason`."""
        data, _, reason = _split(data)
        customer = records.create_customer(kehu, actor, data, reason=reason)
        return _customer(kehu, actor, customer.code)

    @get("/{code:str}", sync_to_thread=True, responses=ERROR_RESPONSES)
    def detail(self, code: Code, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        return _customer(kehu, actor, code)

    @patch("/{code:str}", sync_to_thread=True, responses=ERROR_RESPONSES)
    def update(self, code: Code, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Change some fields; `version` (the one you read) is required, `reason` optional."""
        data, version, reason = _split(data)
        records.update_customer(kehu, actor, code, data, version=version, reason=reason)
        return _customer(kehu, actor, code)

    @delete("/{code:str}", status_code=200, sync_to_thread=True, responses=ERROR_RESPONSES)
    def remove(self, code: Code, kehu: KehuDep, actor: ActorDep, version: FromQuery[int | None] = None,
               reason: FromQuery[str | None] = None) -> dict[str, Any]:
        """Soft delete: the customer leaves every list, keeps its data and history, can be restored."""
        records.delete_customer(kehu, actor, code, version=version, reason=reason)
        return {"code": code, "deleted": True}

    @post("/{code:str}/restore", status_code=200, sync_to_thread=True, responses=ERROR_RESPONSES)
    def restore(self, code: Code, kehu: KehuDep, actor: ActorDep,
                data: JSONBody[dict[str, Any] | None] = None) -> dict[str, Any]:
        """Bring a deleted customer back; the body may give a `reason`."""
        reason = _reason((data or {}).get("reason"))
        records.restore_customer(kehu, actor, code, reason=reason)
        return _customer(kehu, actor, code)

    @get("/{code:str}/history", sync_to_thread=True, responses=ERROR_RESPONSES)
    def history(self, code: Code, kehu: KehuDep, actor: ActorDep) -> list[dict[str, Any]]:
        """Every change, newest first: who, when, field, old, new, reason (SPEC A10)."""
        access = kehu.field_access(actor)
        return [change_view(entry, access) for entry in records.history(kehu, actor, code)]

    # --- contacts (SPEC A4) ----------------------------------------------------------------

    @get("/{code:str}/contacts", sync_to_thread=True, responses=ERROR_RESPONSES)
    def contacts(self, code: Code, kehu: KehuDep, actor: ActorDep) -> list[dict[str, Any]]:
        access = kehu.field_access(actor)
        with kehu.db.read() as session:
            customer = records.load_customer(kehu, session, actor, code)
            return [contact_view(c, access) for c in customer.contacts]

    @post("/{code:str}/contacts", sync_to_thread=True, responses=ERROR_RESPONSES)
    def add_contact(self, code: Code, data: Body, kehu: KehuDep, actor: ActorDep) -> dict[str, Any]:
        """Add a contact; the body holds its fields, the customer's `version` and a `reason`."""
        data, version, reason = _split(data)
        contact = records.add_contact(kehu, actor, code, data, version=version, reason=reason)
        return _contact(kehu, actor, code, contact.id)

    @patch("/{code:str}/contacts/{contact_id:int}", sync_to_thread=True, responses=ERROR_RESPONSES)
    def update_contact(self, code: Code, contact_id: FromPath[int], data: Body, kehu: KehuDep,
                       actor: ActorDep) -> dict[str, Any]:
        """Change a contact; the body holds the changed fields, the customer's `version`, a `reason`."""
        data, version, reason = _split(data)
        records.update_contact(kehu, actor, code, contact_id, data, version=version, reason=reason)
        return _contact(kehu, actor, code, contact_id)

    @delete("/{code:str}/contacts/{contact_id:int}", status_code=200, sync_to_thread=True,
            responses=ERROR_RESPONSES)
    def remove_contact(self, code: Code, contact_id: FromPath[int], kehu: KehuDep, actor: ActorDep,
                       version: FromQuery[int | None] = None,
                       reason: FromQuery[str | None] = None) -> dict[str, Any]:
        """Remove a contact (query: the customer's `version`, a `reason`); two methods must remain."""
        records.remove_contact(kehu, actor, code, contact_id, version=version, reason=reason)
        with kehu.db.read() as session:
            customer = records.load_customer(kehu, session, actor, code)
            return {"id": contact_id, "deleted": True, "customer_version": customer.version}
