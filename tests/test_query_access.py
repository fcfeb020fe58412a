"""List conditions and sorting respect field access; case-insensitive text matching on every
database; crafted cursors and out-of-range conditions are refused, not answered with a 500."""

from __future__ import annotations

import base64
import json

import pytest
from litestar.testing import TestClient

from kehu import records
from kehu.actors import load_actor
from kehu.errors import ValidationFailed
from kehu.fields import Access
from kehu.models import Customer, User
from kehu.query import count_customers, list_customers, parse_conditions
from kehu.testing import api_headers, customer_payload, make_plugin
from kehu.web import create_web_app

MOBILE = "13900001111"


def restrict_plugin():
    """sales1 sees only their own customers; credit code and amount hidden, mobile and grade masked."""


    def customer_scope(app, actor, action):
        return Customer.owner_id == actor.id if actor.username == "sales1" else None

    def field_access(app, actor):
        if actor.username != "sales1":
            return None
        return {"credit_code": Access.HIDDEN, "cumulative_amount": Access.HIDDEN,
                "contacts.mobile": Access.MASKED, "grade": Access.MASKED}

    return make_plugin("restrict", customer_scope=customer_scope, field_access=field_access)


@pytest.fixture
def restricted(make_kehu):
    app = make_kehu(enable=["restrict"], extra_plugins=[restrict_plugin()])
    with app.db.write() as s:
        s.add(User(username="sales1", display_name="销售一"))
    contacts = [{"name": "李娜", "mobile": MOBILE, "email": "ln@example.com", "is_primary": True},
                {"name": "王强", "mobile": "13812345678", "email": "wq@example.com"}]
    customer = records.create_customer(app, app.system_actor, customer_payload(
        owner="sales1", cumulative_amount="5000", contacts=contacts))
    with app.db.read() as s:
        sales = load_actor(s, "sales1")
    return app, sales, customer


def rules(params, app, actor) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_conditions(app, params, actor)
    return {e.field: e.rule for e in caught.value.errors}


def count(app, actor, params) -> int:
    with app.db.read() as s:
        return count_customers(app, s, actor, parse_conditions(app, params, actor))


def test_hidden_and_masked_fields_cannot_be_probed_by_conditions(restricted):
    app, sales, customer = restricted
    assert rules({"credit_code": customer.credit_code}, app, sales) == {"credit_code": "unknown_filter"}
    assert rules({"cumulative_amount__gte": "4999"}, app, sales) == {"cumulative_amount__gte": "unknown_filter"}
    assert rules({"cumulative_amount__empty": "true"}, app, sales) == {"cumulative_amount__empty": "unknown_filter"}
    assert rules({"contact_mobile": MOBILE}, app, sales) == {"contact_mobile": "unknown_operator"}
    assert rules({"contact_mobile__startswith": "139"}, app, sales) == {
        "contact_mobile__startswith": "unknown_operator"}
    assert rules({"grade": "B"}, app, sales) == {"grade": "unknown_operator"}
    # A masked field may still be tested for being empty; visible ones as usual.
    assert count(app, sales, {"grade__empty": "false"}) == 1
    assert count(app, sales, {"contact_name": "李娜"}) == 1
    # Without an actor (plugins, the system) nothing is checked; the system sees everything.
    assert len(parse_conditions(app, {"credit_code": customer.credit_code, "contact_mobile": MOBILE})) == 2
    assert count(app, app.system_actor, {"contact_mobile": MOBILE, "cumulative_amount__gte": "4999"}) == 1


def test_keyword_does_not_match_fields_the_actor_cannot_see_in_full(restricted):
    app, sales, customer = restricted
    for q in (customer.credit_code, MOBILE, "13900"):
        assert count(app, sales, {"q": q}) == 0, q
        assert count(app, app.system_actor, {"q": q}) == 1, q
    assert count(app, sales, {"q": customer.name}) == 1
    assert count(app, sales, {"q": customer.code}) == 1
    assert count(app, sales, {"q": "李娜"}) == 1


def test_sorting_by_hidden_or_masked_fields_is_refused(restricted):
    app, sales, _ = restricted
    with app.db.read() as s:
        for sort in ("cumulative_amount", "-credit_code", "name,grade"):
            with pytest.raises(ValidationFailed) as caught:
                list_customers(app, s, sales, sort=sort)
            assert [e.rule for e in caught.value.errors] == ["unknown_sort"], sort
        assert len(list_customers(app, s, sales, sort="-name").items) == 1
        assert len(list_customers(app, s, app.system_actor, sort="cumulative_amount").items) == 1


def test_api_and_export_pass_the_acting_user(restricted):
    app, _, customer = restricted
    SALES, EVERYONE = api_headers(app, "sales1"), api_headers(app, "tester")
    with TestClient(create_web_app(app)) as client:
        for path in ("/api/customers/", "/api/customers/export"):
            for params in ({"contact_mobile": MOBILE}, {"cumulative_amount__gte": "1"},
                           {"credit_code": customer.credit_code}, {"sort": "cumulative_amount"}):
                response = client.get(path, params=params, headers=SALES)
                assert response.status_code == 422, (path, params, response.text)
                assert "累计金额" not in response.text and "统一社会信用代码" not in response.text
        listed = client.get("/api/customers/", params={"q": MOBILE}, headers=SALES).json()
        assert listed["total"] == 0
        assert client.get("/api/customers/", params={"q": MOBILE}, headers=EVERYONE).json()["total"] == 1


def test_text_matching_ignores_case_on_every_database(kehu_app):
    app = kehu_app
    records.create_customer(app, app.system_actor, customer_payload(name="Acme 科技有限公司"))
    records.create_customer(app, app.system_actor, customer_payload(name="上海百分之百_科技有限公司"))
    actor = app.system_actor
    assert count(app, actor, {"name__contains": "acme"}) == 1
    assert count(app, actor, {"name__contains": "ACME 科技"}) == 1
    assert count(app, actor, {"name__startswith": "ACME"}) == 1
    assert count(app, actor, {"name__startswith": "aCmE"}) == 1
    assert count(app, actor, {"q": "acme"}) == 1
    # Wildcards are still matched literally.
    assert count(app, actor, {"name__contains": "百%"}) == 0
    assert count(app, actor, {"name__contains": "百_科"}) == 1
    assert count(app, actor, {"name__contains": "分_之"}) == 0


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize(("sort", "values"), [
    ("-id", [{"x": 1}]),
    ("-id", [[1, 2]]),
    ("-id", [10**30]),
    ("-id", ["abc"]),
    ("-id", [True]),
    ("-id", [1.5]),
    ("name", ["a", "b"]),
    ("name", [5, 1]),
    ("name", ["a\x00", 1]),
    ("entry_date", [{"d": "2024-01-01T10:00:00"}, 1]),
    ("entry_date", [{"d": "not a date"}, 1]),
    ("-created_at", [{"d": "2024-01-01"}, 1]),
    ("-created_at", [{"n": "NaN"}, 1]),
])
def test_crafted_cursors_are_bad_cursors(kehu_app, sort, values):
    app = kehu_app
    for _ in range(2):
        records.create_customer(app, app.system_actor, customer_payload())
    with TestClient(create_web_app(app)) as client:
        client.headers.update(api_headers(app, "tester"))
        response = client.get("/api/customers/", params={"sort": sort, "cursor": _cursor(values)})
        assert response.status_code == 422, response.text
        assert [f["rule"] for f in response.json()["error"]["fields"]] == ["bad_cursor"]
        # A genuine cursor still pages on.
        first = client.get("/api/customers/", params={"sort": sort, "limit": 1}).json()
        second = client.get("/api/customers/", params={"sort": sort, "limit": 1, "cursor": first["next_cursor"]})
        assert second.status_code == 200 and second.json()["items"][0]["code"] != first["items"][0]["code"]


def test_not_contacted_days_is_bounded(kehu_app):
    app = kehu_app
    records.create_customer(app, app.system_actor, customer_payload())
    for days in ("99999999", "-5", "36501"):
        assert rules({"not_contacted_days__gte": days}, app, None) == {"not_contacted_days__gte": "out_of_range"}
    assert count(app, app.system_actor, {"not_contacted_days__gte": "36500"}) == 1
    assert count(app, app.system_actor, {"not_contacted_days__gte": "0"}) == 1
    with TestClient(create_web_app(app)) as client:
        client.headers.update(api_headers(app, "tester"))
        response = client.get("/api/customers/", params={"not_contacted_days__gte": "99999999"})
        assert response.status_code == 422
        assert "36500" in response.json()["error"]["fields"][0]["message"]


def test_filter_list_offers_only_what_the_reader_may_use(restricted):
    app, _, _ = restricted
    SALES, EVERYONE = api_headers(app, "sales1"), api_headers(app, "tester")
    with TestClient(create_web_app(app)) as client:
        mine = {f["key"]: f["operators"] for f in client.get("/api/filters", headers=SALES).json()["items"]}
        everyone = {f["key"]: f["operators"] for f in client.get("/api/filters", headers=EVERYONE).json()["items"]}
    assert "credit_code" in everyone and "cumulative_amount" in everyone
    assert "credit_code" not in mine and "cumulative_amount" not in mine
    assert mine["grade"] == ["empty"] and "contact_mobile" not in mine
    assert everyone["grade"] == ["eq", "ne", "in", "nin", "startswith", "empty"]
