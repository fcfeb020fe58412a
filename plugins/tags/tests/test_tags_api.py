"""The tags JSON API through the real web app (litestar TestClient)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from kehu.testing import api_headers, customer_payload
from kehu.web import create_web_app

EAST, STRONG, STRONG2 = "区域-华东", "状态-意向强烈", "状态-强意向"


@pytest.fixture
def client(app):
    """The API as the user `tester`, with a personal API token."""
    with TestClient(create_web_app(app)) as client:
        client.headers.update(api_headers(app, "tester"))
        yield client


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def new_customer(client, tags, **fields):
    return ok(client.post("/api/customers", json={**customer_payload(**fields), "tags": tags}), 201)


def by_name(client, **params):
    return {t["name"]: t for t in ok(client.get("/api/tags", params=params))["items"]}


def test_customers_carry_tags_through_the_customer_api(client):
    customer = new_customer(client, ["区域－华东", STRONG], grade="A")
    assert customer["tags"] == sorted([EAST, STRONG])
    new_customer(client, [EAST], grade="B")
    listed = ok(client.get("/api/customers", params={"tags__all": f"{EAST},{STRONG}", "grade": "A"}))
    assert [c["code"] for c in listed["items"]] == [customer["code"]]
    assert listed["conditions"][0]["key"] == "tags"
    changed = ok(client.patch(f"/api/customers/{customer['code']}",
                              json={"tags": [EAST], "version": customer["version"]}))
    assert changed["tags"] == [EAST]
    history = ok(client.get(f"/api/customers/{customer['code']}/history"))
    assert (history[0]["field"], history[0]["old"], history[0]["new"]) == ("tags", sorted([EAST, STRONG]), [EAST])


def test_bad_tags_answer_field_errors_in_the_readers_language(client):
    response = client.post("/api/customers?lang=en", json={**customer_payload(), "tags": ["客户-重要"]})
    assert response.status_code == 422
    [error] = response.json()["error"]["fields"]
    assert error["field"] == "tags" and error["rule"] == "tags_vague"
    assert "vague" in error["message"] and "客户-重要" in error["message"]
    zh = client.post("/api/customers", json={**customer_payload(), "tags": ["客户-重要"]}).json()
    assert "笼统" in zh["error"]["fields"][0]["message"]


def test_list_with_usage_and_dimensions(client):
    new_customer(client, [EAST, STRONG])
    new_customer(client, [EAST])
    body = ok(client.get("/api/tags", params={"lang": "en"}))
    assert body["label"] == "Tags"
    usage = {t["name"]: (t["dimension"], t["usage"]) for t in body["items"]}
    assert usage == {EAST: ("区域", 2), STRONG: ("状态", 1)}
    assert {d["dimension"]: (d["tags"], d["usage"]) for d in body["dimensions"]} == {"区域": (1, 2), "状态": (1, 1)}
    assert set(by_name(client, dimension="状态")) == {STRONG}


def test_create_rename_merge_delete(client):
    customer = new_customer(client, [STRONG])
    created = ok(client.post("/api/tags", json={"name": "状态－强意向", "description": "同义"}), 201)
    assert (created["name"], created["usage"]) == (STRONG2, 0)
    duplicate = client.post("/api/tags", json={"name": STRONG2})
    assert duplicate.status_code == 422 and duplicate.json()["error"]["fields"][0]["rule"] == "tags_exists"

    renamed = ok(client.patch(f"/api/tags/{created['id']}", json={"name": "状态-购买意向强", "reason": "更清楚"}))
    assert renamed["name"] == "状态-购买意向强" and renamed["aliases"] == [STRONG2]

    source = by_name(client)[STRONG]["id"]
    merged = ok(client.post(f"/api/tags/{source}/merge", json={"into": created["id"], "reason": "同义"}))
    assert merged["into"]["usage"] == 1 and merged["customers"] == 1
    assert ok(client.get(f"/api/customers/{customer['code']}"))["tags"] == ["状态-购买意向强"]
    history = ok(client.get(f"/api/customers/{customer['code']}/history"))
    assert [h["action"] for h in history[:2]] == ["tag_merge", "create"]

    deleted = ok(client.delete(f"/api/tags/{created['id']}", params={"reason": "不再使用"}))
    assert deleted["deleted"] and deleted["customers"] == 1
    assert ok(client.get(f"/api/customers/{customer['code']}")).get("tags") is None
    assert ok(client.get(f"/api/customers/{customer['code']}/history"))[0]["action"] == "tag_delete"
    assert by_name(client) == {}


def test_errors(client):
    missing = client.patch("/api/tags/999999", json={"name": EAST})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.delete("/api/tags/999999").status_code == 404
    tag = ok(client.post("/api/tags", json={"name": EAST}), 201)
    itself = client.post(f"/api/tags/{tag['id']}/merge", json={"into": tag["id"]})
    assert itself.status_code == 422 and itself.json()["error"]["fields"][0]["field"] == "into"
    nowhere = client.post(f"/api/tags/{tag['id']}/merge", json={})
    assert nowhere.status_code == 422 and nowhere.json()["error"]["fields"][0]["rule"] == "required"
    bad = client.post("/api/tags?lang=en", json={"name": "华东"})
    assert bad.status_code == 422 and "dimension-value" in bad.json()["error"]["fields"][0]["message"]


def test_definitions_show_the_plugins_field_filter_and_itself(client):
    fields = {f["key"]: f for f in ok(client.get("/api/fields"))["items"]}
    assert fields["tags"]["plugin"] == "tags" and fields["tags"]["category"] == "preferences"
    filters = {f["key"]: f for f in ok(client.get("/api/filters"))["items"]}
    assert filters["tags"]["operators"] == ["any", "all", "none", "empty"]
    plugins = {p["name"]: p for p in ok(client.get("/api/plugins", params={"lang": "en"}))}
    assert plugins["tags"]["enabled"] and plugins["tags"]["label"] == "Tags"
