"""Edge cases of the service layer found in review: duplicate errors that revealed customers outside
the actor's scope, writes that moved customers out of it, a contact update that left no primary
contact, and 500s on a missing or emptied type, status or confidentiality.
"""

from __future__ import annotations

import types

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu import batch, records
from kehu.actors import Actor
from kehu.errors import Conflict, Forbidden, ValidationFailed
from kehu.fields import Access
from kehu.models import ChangeLog, Contact, Customer, User
from kehu.testing import api_headers, customer_payload, make_plugin
from kehu.web import create_web_app


def scope_plugin():
    """sales1 / sales2 see and change only the customers they own; sales2 may only read credit codes."""


    def customer_scope(app, actor, action):
        return Customer.owner_id == actor.id if actor.username.startswith("sales") else None

    def field_access(app, actor):
        return {"credit_code": Access.READ} if actor.username == "sales2" else None

    return make_plugin("ownscope", customer_scope=customer_scope, field_access=field_access)


@pytest.fixture
def scoped(make_kehu):
    app = make_kehu(enable=["ownscope"], extra_plugins=[scope_plugin()])
    with app.db.write() as s:
        s.add_all([User(username="sales1", display_name="销售一"), User(username="sales2", display_name="销售二")])
    return app


def actor(app, username: str) -> Actor:
    with app.db.read() as s:
        return Actor.of(s.scalar(select(User).where(User.username == username)))


def counts(app) -> tuple[int, int, int]:
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Customer, Contact, ChangeLog))


def errors_of(exc: ValidationFailed) -> list[tuple[str, str, dict]]:
    return [(e.field, e.rule, e.params) for e in exc.errors]


# --- 1. duplicates name only customers the actor may see ------------------------------------


def test_duplicate_outside_scope_names_no_customer(scoped):
    app, sales1 = scoped, actor(scoped, "sales1")
    other = records.create_customer(app, app.system_actor, customer_payload())
    mine = records.create_customer(app, sales1, customer_payload(owner="sales1"))

    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, sales1, customer_payload(owner="sales1", credit_code=other.credit_code))
    assert errors_of(caught.value) == [("credit_code", "duplicate_hidden", {})]

    # A customer the actor can read is named, as before.
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, sales1, customer_payload(owner="sales1", credit_code=mine.credit_code))
    assert errors_of(caught.value) == [("credit_code", "duplicate", {"value": mine.credit_code, "code": mine.code})]

    # The same in a batch.
    with app.db.write() as session:
        [result] = batch.create_many(app, session, sales1, [customer_payload(owner="sales1", credit_code=other.credit_code)])
    assert errors_of(types.SimpleNamespace(errors=result.errors)) == [("credit_code", "duplicate_hidden", {})]


def test_no_duplicate_check_behind_another_error(scoped):
    app, sales2 = scoped, actor(scoped, "sales2")
    other = records.create_customer(app, app.system_actor, customer_payload())
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, sales2, customer_payload(owner="sales2", credit_code=other.credit_code))
    assert errors_of(caught.value) == [("credit_code", "field_forbidden", {})]


def test_duplicate_hidden_message_over_the_api(scoped):
    app = scoped
    other = records.create_customer(app, app.system_actor, customer_payload())
    with TestClient(app=create_web_app(app)) as client:
        response = client.post("/api/customers", json=customer_payload(owner="sales1", credit_code=other.credit_code),
                               headers=api_headers(app, "sales1"))
    assert response.status_code == 422, response.text
    assert other.code not in response.text and other.credit_code not in response.text
    assert "已被其他客户使用" in response.text


# --- 2. no writes that leave the actor's scope -----------------------------------------------


def test_update_moving_a_customer_out_of_scope_is_refused_and_rolled_back(scoped):
    app = scoped
    mine = records.create_customer(app, actor(app, "sales1"), customer_payload(owner="sales1"))
    before = counts(app)
    with TestClient(app=create_web_app(app)) as client:
        response = client.patch(f"/api/customers/{mine.code}", headers=api_headers(app, "sales1"),
                                json={"owner": "system", "name": "改过的名字有限公司", "version": mine.version})
        assert response.status_code == 403, response.text
        after = client.get(f"/api/customers/{mine.code}", headers=api_headers(app, "tester")).json()
    assert (after["owner"], after["name"], after["version"]) == ("sales1", mine.name, mine.version)
    assert counts(app) == before


def test_create_outside_scope_is_refused(scoped):
    app, sales1 = scoped, actor(scoped, "sales1")
    before = counts(app)
    with pytest.raises(Forbidden):
        records.create_customer(app, sales1, customer_payload(owner="sales2"))
    with pytest.raises(Forbidden), app.db.write() as session:
        batch.create_many(app, session, sales1, [customer_payload(owner="sales1"), customer_payload()])
    assert counts(app) == before
    assert records.create_customer(app, sales1, customer_payload(owner="sales1")).owner_id == sales1.id


# --- 3. always one primary contact -----------------------------------------------------------


def test_unsetting_the_only_primary_contact_keeps_it_primary(kehu_app):
    app = kehu_app
    customer = records.create_customer(app, app.system_actor, customer_payload())
    contact = customer.contacts[0]
    records.update_contact(app, app.system_actor, customer.code, contact.id, {"is_primary": False},
                           version=customer.version)
    with app.db.read() as s:
        assert s.scalars(select(Contact.is_primary).where(Contact.customer_id == customer.id)).all() == [True]


def test_unsetting_the_primary_contact_promotes_the_first(kehu_app):
    app = kehu_app
    customer = records.create_customer(app, app.system_actor, customer_payload(contacts=[
        {"name": "张伟", "mobile": "13812345678"},
        {"name": "李娜", "email": "ln@example.com", "is_primary": True},
    ]))
    second = customer.contacts[1]
    records.update_contact(app, app.system_actor, customer.code, second.id, {"is_primary": False},
                           version=customer.version)
    with app.db.read() as s:
        flags = s.execute(select(Contact.name, Contact.is_primary).where(Contact.customer_id == customer.id)
                          .order_by(Contact.id)).all()
    assert [tuple(f) for f in flags] == [("张伟", True), ("李娜", False)]


# --- 4. a missing or emptied type, status or confidentiality: field errors, not 500s ---------


def test_customer_type_is_always_required(kehu_app):
    app = kehu_app
    data = customer_payload()
    del data["customer_type"]
    with pytest.raises(ValidationFailed) as caught:
        records.create_customer(app, app.system_actor, data)
    assert ("customer_type", "required", {}) in errors_of(caught.value)
    with app.db.write() as session:
        [result] = batch.create_many(app, session, app.system_actor, [data])
    assert [(e.field, e.rule) for e in result.errors] == [("customer_type", "required")]


@pytest.mark.parametrize("key", ["customer_type", "status", "confidentiality"])
def test_type_status_confidentiality_cannot_be_emptied(kehu_app, key):
    app = kehu_app
    customer = records.create_customer(app, app.system_actor, customer_payload())
    assert (customer.status, customer.confidentiality) == ("pending_review", "internal")  # defaults kept
    with pytest.raises(ValidationFailed) as caught:
        records.update_customer(app, app.system_actor, customer.code, {key: None}, version=customer.version)
    assert errors_of(caught.value) == [(key, "required", {})]


def test_api_answers_field_errors_not_500(kehu_app):
    data = customer_payload()
    del data["customer_type"]
    with TestClient(app=create_web_app(kehu_app)) as client:
        client.headers.update(api_headers(kehu_app, "tester"))
        response = client.post("/api/customers", json=data)
        assert response.status_code == 422, response.text
        created = client.post("/api/customers", json=customer_payload()).json()
        for key in ("customer_type", "status", "confidentiality"):
            response = client.patch(f"/api/customers/{created['code']}", json={key: None, "version": created["version"]})
            assert response.status_code == 422, response.text
            assert [f["field"] for f in response.json()["error"]["fields"]] == [key]


def test_integrity_error_at_a_flush_is_a_conflict(kehu_app):
    app = kehu_app
    existing = records.create_customer(app, app.system_actor, customer_payload())
    before = counts(app)
    with pytest.raises(Conflict), records._writing(app) as session:
        session.add(Customer(code=existing.code, customer_type="enterprise", name="重复编号有限公司", custom={},
                             entry_date=existing.entry_date, status="active", confidentiality="internal"))
        session.flush()
    assert counts(app) == before
