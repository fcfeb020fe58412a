"""The JSON API (SPEC H5) over the service layer: codes, entry rules, D2 conditions, paging,
versions, history (A10), soft delete, contacts (A4), custom fields (A7), errors in zh and en.

Each test runs on SQLite and on PostgreSQL (the `kehu_app` / `make_kehu` fixtures).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from litestar import get
from litestar.testing import TestClient
from sqlalchemy import func, select

from kehu.app import Kehu
from kehu.models import ChangeLog, Contact, Customer, User
from kehu.testing import api_headers, customer_payload, make_plugin, valid_uscc
from kehu.web import ActorDep, KehuDep, LangDep, create_web_app

@pytest.fixture
def client(kehu_app: Kehu) -> Iterator[TestClient]:
    """The API as the user `tester`, with a personal API token."""
    with TestClient(app=create_web_app(kehu_app)) as client:
        client.headers.update(api_headers(kehu_app, "tester", display_name="测试员"))
        yield client


def create(client: TestClient, **overrides) -> dict:
    response = client.post("/api/customers", json=customer_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def counts(app: Kehu) -> tuple[int, int, int]:
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Customer, Contact, ChangeLog))


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["code"] for row in response.json()["items"]]


def field_errors(response) -> dict[str, tuple[str, str]]:
    return {f["field"]: (f["rule"], f["message"]) for f in response.json()["error"]["fields"]}


# --- create and entry rules ----------------------------------------------------------------


def test_create_returns_201_with_generated_code(client):
    response = client.post("/api/customers", json=customer_payload(credit_code="91350100M000100Y43", reason="展会录入"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"CUS\d{8}\d{3,}", body["code"])
    assert body["credit_code"] == "91350100M000100Y43"
    assert body["version"] == 1
    assert body["status"] == "pending_review"
    assert [c["name"] for c in body["contacts"]] == ["张伟"]
    assert body["contacts"][0]["is_primary"] is True
    detail = client.get(f"/api/customers/{body['code']}")
    assert detail.status_code == 200
    assert detail.json() == body
    [entry] = client.get(f"/api/customers/{body['code']}/history").json()
    assert (entry["action"], entry["reason"], entry["actor"]) == ("create", "展会录入", "tester")


def test_invalid_credit_code_names_the_field_in_zh_then_en_and_writes_nothing(client, kehu_app):
    good = valid_uscc(999_999)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = counts(kehu_app)

    response = client.post("/api/customers", json=customer_payload(credit_code=bad))
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (422, "validation_failed")
    assert error["message"] == "有 1 处填写有误，未保存任何内容"
    assert field_errors(response) == {
        "credit_code": ("uscc_checksum", "统一社会信用代码校验位错误（GB 32100），请核对"),
    }

    response = client.post("/api/customers", json=customer_payload(credit_code=bad), headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "1 problem(s) found; nothing was saved"
    assert field_errors(response) == {
        "credit_code": ("uscc_checksum",
                        "Unified Social Credit Code has a wrong check character (GB 32100); please check it"),
    }
    assert counts(kehu_app) == before


def test_nested_contact_error_uses_the_contact_field_label(client):
    contacts = [{"name": "王芳", "mobile": "1381234567", "email": "wf@example.com"}]
    response = client.post("/api/customers?lang=en", json=customer_payload(contacts=contacts))
    assert response.status_code == 422
    assert field_errors(response) == {
        "contacts[0].mobile": ("mobile", "Mobile must be an 11-digit mainland China mobile number"),
    }


# --- listing: conditions (D2), paging, D5 --------------------------------------------------


def test_list_with_combined_conditions(client):
    match_1 = create(client, industry="F52", grade="A", last_contact_date="2024-03-01")
    match_2 = create(client, industry="F52", grade="A", last_contact_date="2024-01-01")
    create(client, industry="F51", grade="A", last_contact_date="2024-03-01")  # other industry
    create(client, industry="F52", grade="B", last_contact_date="2024-03-01")  # other grade
    create(client, industry="F52", grade="A", last_contact_date="2023-12-31")  # contacted too long ago
    create(client, industry="F52", grade="A")  # never contacted

    response = client.get("/api/customers", params={
        "industry": "F52", "grade": "A", "last_contact_date__gte": "2024-01-01", "sort": "code"})
    assert codes(response) == [match_1["code"], match_2["code"]]
    body = response.json()
    assert body["total"] == 2
    assert body["sort"] == "code"
    by_key = {c["key"]: c for c in body["conditions"]}
    assert by_key["grade"] == {"key": "grade", "op": "eq", "value": "A", "text": "客户等级 等于 A类（高价值）"}
    assert by_key["last_contact_date"]["op"] == "gte"
    assert by_key["last_contact_date"]["value"] == "2024-01-01"
    assert by_key["last_contact_date"]["text"] == "最近联系日期 不早于/不小于 2024-01-01"

    response = client.get("/api/customers?industry__in=F51,F52&grade=A&lang=en")
    assert response.json()["total"] == 5
    texts = [c["text"] for c in response.json()["conditions"]]
    assert "Value grade is A (high value)" in texts
    assert texts[0].startswith("Industry is one of ")


def test_cursor_paging_walks_every_row_once(client):
    created = {create(client)["code"] for _ in range(7)}
    seen: list[str] = []
    params = {"limit": 3}
    pages = 0
    while True:
        response = client.get("/api/customers", params=params)
        body = response.json()
        assert body["total"] == 7
        seen += codes(response)
        pages += 1
        if body["next_cursor"] is None:
            break
        params = {"limit": 3, "cursor": body["next_cursor"]}
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created
    assert seen == sorted(seen, reverse=True)  # default sort: newest first


def test_hidden_statuses_need_include_hidden(client):
    active = create(client, status="active")
    dormant = create(client, status="dormant")
    assert codes(client.get("/api/customers")) == [active["code"]]
    assert codes(client.get("/api/customers?include_hidden=true")) == [dormant["code"], active["code"]]


def test_unknown_filter_is_a_field_level_422(client):
    response = client.get("/api/customers?colour=red&grade=Z")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_conditions"
    assert response.json()["error"]["message"] == "有 2 个筛选条件有误"
    errors = field_errors(response)
    assert errors["colour"] == ("unknown_filter", "无法按“colour”筛选")
    assert errors["grade"][0] == "invalid_choice"
    assert errors["grade"][1].startswith("客户等级只能从预设选项中选择")


# --- change, versions, history (A10) -------------------------------------------------------


def test_stale_patch_is_refused_with_409(client):
    customer = create(client)
    url = f"/api/customers/{customer['code']}"
    first = client.patch(url, json={"grade": "A", "version": 1})
    assert first.status_code == 200, first.text
    assert (first.json()["grade"], first.json()["version"]) == ("A", 2)

    stale = client.patch(url, json={"grade": "C", "version": 1})
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_version"
    assert "测试员" in error["message"] and "版本 2" in error["message"]
    assert client.get(url).json()["grade"] == "A"

    missing = client.patch(url, json={"grade": "C"})
    assert missing.status_code == 422
    assert field_errors(missing)["version"][0] == "required"


def test_history_after_update_shows_field_old_new_reason(client):
    customer = create(client)
    url = f"/api/customers/{customer['code']}"
    response = client.patch(url, json={"grade": "A", "city": "厦门市", "version": 1, "reason": "年度评级"})
    assert response.status_code == 200, response.text
    history = client.get(f"{url}/history").json()
    updates = {row["field"]: row for row in history if row["action"] == "update"}
    assert set(updates) == {"grade", "city"}
    grade = updates["grade"]
    assert (grade["old"], grade["new"], grade["reason"]) == ("B", "A", "年度评级")
    assert (updates["city"]["old"], updates["city"]["new"]) == ("上海市", "厦门市")
    assert updates["grade"]["actor"] == "tester"
    assert history[-1]["action"] == "create"


def test_delete_hides_and_restore_brings_back(client):
    keep = create(client)
    gone = create(client)
    url = f"/api/customers/{gone['code']}"
    response = client.delete(url, params={"version": 1, "reason": "重复录入"})
    assert response.status_code == 200
    assert response.json() == {"code": gone["code"], "deleted": True}
    assert codes(client.get("/api/customers")) == [keep["code"]]
    assert client.get(url).status_code == 404
    assert client.get(url).json()["error"]["code"] == "not_found"
    assert codes(client.get("/api/customers?deleted=true")) == [gone["code"]]

    restored = client.post(f"{url}/restore", json={"reason": "误删"})
    assert restored.status_code == 200, restored.text
    assert restored.json()["deleted"] is False
    assert set(codes(client.get("/api/customers"))) == {keep["code"], gone["code"]}
    actions = [(row["action"], row["reason"]) for row in client.get(f"{url}/history").json()]
    assert actions[:2] == [("restore", "误删"), ("delete", "重复录入")]


# --- contacts (A4) -------------------------------------------------------------------------


def test_contacts_add_update_remove_keep_two_contact_methods(client):
    customer = create(client)
    base = f"/api/customers/{customer['code']}/contacts"
    [first] = client.get(base).json()

    # Dropping the e-mail leaves one contact method: refused.
    response = client.patch(f"{base}/{first['id']}", json={"email": None, "version": 1})
    assert response.status_code == 422
    assert field_errors(response)["contacts"] == (
        "contact_methods", "客户至少需要两种有效联系方式（手机、邮箱、即时通讯），目前只有 1 种")

    bad = client.post(base, json={"name": "李强", "mobile": "12345", "version": 1})
    assert bad.status_code == 422
    assert field_errors(bad) == {"contacts[1].mobile": ("mobile", "手机号码应为 11 位中国大陆手机号码")}

    added = client.post(base, json={"name": "李强", "title": "财务", "mobile": "13900001111", "version": 1,
                                    "reason": "新增财务联系人"})
    assert added.status_code == 201, added.text
    second = added.json()
    assert (second["name"], second["mobile"], second["is_primary"]) == ("李强", "13900001111", False)
    assert second["customer_version"] == 2

    bad = client.patch(f"{base}/{second['id']}?lang=en", json={"mobile": "1390000", "version": 2})
    assert field_errors(bad) == {
        "contacts[1].mobile": ("mobile", "Mobile must be an 11-digit mainland China mobile number")}

    # Now two mobiles remain without the e-mail: allowed.
    response = client.patch(f"{base}/{first['id']}", json={"email": "", "version": 2})
    assert response.status_code == 200, response.text
    assert response.json()["email"] is None
    assert response.json()["customer_version"] == 3

    # Removing the second contact would leave one method again.
    response = client.delete(f"{base}/{second['id']}", params={"version": 3})
    assert response.status_code == 422
    assert field_errors(response)["contacts"][0] == "contact_methods"
    assert len(client.get(base).json()) == 2

    # Back to two methods on the first contact, then the second can go.
    response = client.patch(f"{base}/{first['id']}", json={"email": "wf@example.com", "version": 3})
    assert response.status_code == 200
    response = client.delete(f"{base}/{second['id']}", params={"version": 4})
    assert response.status_code == 200, response.text
    assert response.json() == {"id": second["id"], "deleted": True, "customer_version": 5}
    assert [c["name"] for c in client.get(base).json()] == ["张伟"]
    fields = [row["field"] for row in client.get(f"/api/customers/{customer['code']}/history").json()]
    assert f"contacts[{second['id']}]" in fields


# --- definitions and custom fields (A7) ----------------------------------------------------


def test_custom_field_via_api_then_used_in_create_and_filter(client):
    response = client.post("/api/fields", json={
        "key": "vip_level", "label_zh": "会员等级", "label_en": "VIP level", "type": "enum",
        "category": "business", "choices": ["gold:金牌:Gold", "silver:银牌:Silver"]})
    assert response.status_code == 201, response.text
    assert (response.json()["key"], response.json()["label"], response.json()["storage"]) == (
        "vip_level", "会员等级", "custom")

    gold = create(client, vip_level="gold")
    create(client, vip_level="silver")
    create(client)
    assert gold["vip_level"] == "gold"

    response = client.get("/api/customers?vip_level=gold&lang=en")
    assert codes(response) == [gold["code"]]
    assert response.json()["conditions"][0]["text"] == "VIP level is Gold"

    bad = client.post("/api/customers", json=customer_payload(vip_level="bronze"))
    assert bad.status_code == 422
    assert field_errors(bad)["vip_level"][0] == "invalid_choice"

    fields = client.get("/api/fields?lang=en").json()
    assert {f["key"]: f["label"] for f in fields["items"]}["vip_level"] == "VIP level"
    assert client.delete("/api/fields/vip_level").json() == {"key": "vip_level", "retired": True}
    assert "vip_level" not in {f["key"] for f in client.get("/api/fields").json()["items"]}
    assert field_errors(client.get("/api/customers?vip_level=gold"))["vip_level"][0] == "unknown_filter"


def test_bad_custom_field_definition_is_refused(client):
    response = client.post("/api/fields", json={"key": "9bad", "label_zh": "", "category": "nowhere"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert set(errors) == {"key", "label_zh", "label_en", "category"}
    assert errors["label_zh"] == ("required", "中文名称为必填项")


def test_fields_filters_plugins_speak_the_readers_language(client):
    zh = client.get("/api/fields").json()
    en = client.get("/api/fields", headers={"Accept-Language": "en-US,en;q=0.9"}).json()
    assert {f["key"]: f["label"] for f in zh["items"]}["grade"] == "客户等级"
    assert {f["key"]: f["label"] for f in en["items"]}["grade"] == "Value grade"
    assert [c["key"] for c in zh["categories"]] == [
        "basic", "contact", "business", "interactions", "preferences"]
    assert zh["categories"][0]["label"] == "基础信息"
    assert [s["key"] for s in zh["categories"][0]["subcategories"]] == ["identity"]
    assert {f["key"] for f in zh["contact_fields"]} >= {"name", "mobile", "email", "im", "is_primary"}

    response = client.post("/api/subcategories", json={
        "key": "finance", "parent": "business", "label_zh": "财务信息", "label_en": "Finance"})
    assert response.status_code == 201, response.text
    business = {c["key"]: c for c in client.get("/api/fields?lang=en").json()["categories"]}["business"]
    assert [(s["key"], s["label"]) for s in business["subcategories"]] == [("finance", "Finance")]

    filters = client.get("/api/filters?lang=en").json()
    grade = {f["key"]: f for f in filters["items"]}["grade"]
    assert grade["label"] == "Value grade" and "in" in grade["operators"]
    assert filters["operators"]["gte"] == "at least"

    plugins = client.get("/api/plugins").json()
    assert all(set(p) >= {"name", "label", "enabled"} for p in plugins)


# --- errors and the OpenAPI document -------------------------------------------------------


def test_openapi_document_lists_the_api(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.text)
    assert doc["info"]["title"] == "kehu API"
    assert {"/api/customers", "/api/customers/{code}", "/api/customers/{code}/contacts/{contact_id}",
            "/api/fields", "/api/filters", "/api/plugins"} <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/api/customers"]["get"]["parameters"]}
    assert {"lang", "limit", "cursor"} <= params and "X-Kehu-User" not in params
    # Every operation needs a personal API token (or the screens' session).
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token, kehu_..."}
    assert doc["security"] == [{"token": []}]
    # Errors are documented in kehu's shape, not Litestar's default one.
    refused = doc["paths"]["/api/customers"]["post"]["responses"]["422"]
    schema = refused["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorBody")
    detail = doc["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"status", "code", "message", "fields"}


def test_the_token_names_the_actor_and_bad_tokens_get_401(client, kehu_app):
    response = client.post("/api/customers", json=customer_payload(), headers=api_headers(kehu_app, "wangfang",
                                                                                          display_name="王芳"))
    assert response.status_code == 201
    [entry] = client.get(f"/api/customers/{response.json()['code']}/history").json()
    assert (entry["actor"], entry["actor_name"]) == ("wangfang", "王芳")

    before = counts(kehu_app)
    for token in ("kehu_" + "x" * 43, "not-a-kehu-token", ""):
        response = client.post("/api/customers", json=customer_payload(), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        error = response.json()["error"]
        assert (error["code"], error["message"]) == ("not_signed_in", "API 令牌无效、已撤销或已过期")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert counts(kehu_app) == before
    assert client.get("/api/customers", headers={"Authorization": "Bearer kehu_nobody"}).status_code == 401


def test_litestar_errors_use_the_same_shape(client):
    response = client.post("/api/customers", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"

    response = client.get("/api/customers?limit=many&lang=en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request" and error["message"].startswith("Bad request")
    assert [f["field"] for f in error["fields"]] == ["limit"]

    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == {"status": 404, "code": "not_found", "message": "找不到该记录", "fields": []}


# --- plugin routes -------------------------------------------------------------------------


def routes_plugin():
    """A throwaway plugin adding two routes: one using the injected app and actor, one that breaks."""

    @get("/api/hello", sync_to_thread=False)
    def hello(kehu: KehuDep, actor: ActorDep, lang: LangDep) -> dict:
        return {"actor": actor.username, "fields": len(list(kehu.fields)), "lang": lang}

    @get("/api/broken", sync_to_thread=False)
    def broken() -> dict:
        raise RuntimeError("secret internals")


    def register_routes(app):
        return [hello, broken]

    return make_plugin("hello", register_routes=register_routes)


class Remember(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_plugin_routes_get_dependencies_and_error_handling(make_kehu):
    plugin = routes_plugin()
    remember = Remember()
    app = make_kehu(enable=["hello"], extra_plugins=[plugin])
    with TestClient(app=create_web_app(app)) as client:
        assert client.get("/api/hello").status_code == 401  # plugin routes need sign-in too
        client.headers.update(api_headers(app, "tester"))
        response = client.get("/api/hello?lang=en")
        assert response.status_code == 200
        assert response.json() == {"actor": "tester", "fields": len(list(app.fields)), "lang": "en"}
        assert client.get("/api/hello", headers={"Authorization": "Bearer kehu_nobody"}).status_code == 401

        logging.getLogger("kehu.web").addHandler(remember)
        try:
            response = client.get("/api/broken")
        finally:
            logging.getLogger("kehu.web").removeHandler(remember)
        assert response.status_code == 500
        assert response.json()["error"] == {"status": 500, "code": "error", "message": "操作失败", "fields": []}
        assert "secret" not in response.text
        [record] = remember.records
        assert record.levelno == logging.ERROR and str(record.exc_info[1]) == "secret internals"

        doc = client.get("/schema/openapi.json").json()
        assert "/api/hello" in doc["paths"]

    # The same plugin mounted by a second app in the same process still works there.
    second = make_kehu(extra_plugins=[plugin])
    with TestClient(app=create_web_app(second)) as other:
        assert other.get("/api/hello", headers=api_headers(second, "tester")).status_code == 200


def test_a_field_added_by_another_process_is_served_at_once(make_kehu):
    """Two server processes on one database: an admin adds a field through one, the other sees it."""
    from kehu import customfields
    from kehu.web import create_web_app

    serving = make_kehu()
    admin_side = make_kehu()
    with TestClient(create_web_app(serving)) as client:
        client.headers.update(api_headers(serving, "tester"))
        assert "loyalty_card" not in {f["key"] for f in client.get("/api/fields").json()["items"]}
        customfields.add_field(admin_side, admin_side.system_actor, {
            "key": "loyalty_card", "label_zh": "会员卡号", "label_en": "Loyalty card",
            "type": "text", "category": "business"})
        assert "loyalty_card" in {f["key"] for f in client.get("/api/fields").json()["items"]}
        created = client.post("/api/customers", json=customer_payload(loyalty_card="VIP-0001"))
        assert created.status_code == 201, created.text
        assert created.json()["loyalty_card"] == "VIP-0001"
        customfields.retire_field(admin_side, admin_side.system_actor, "loyalty_card")
        refused = client.post("/api/customers", json=customer_payload(loyalty_card="VIP-0002"))
        assert refused.status_code == 422
        assert refused.json()["error"]["fields"][0]["rule"] == "unknown_field"


@pytest.mark.parametrize("version", [1.7, True, "1.0", "one", [1]])
def test_version_must_be_a_whole_number(client, version):
    created = create(client)
    response = client.patch(f"/api/customers/{created['code']}", json={"grade": "A", "version": version})
    assert response.status_code == 422, response.text
    assert field_errors(response)["version"][0] == "invalid_integer"
    assert client.get(f"/api/customers/{created['code']}").json()["grade"] == "B"
