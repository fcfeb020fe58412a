"""The same permissions through the JSON API (litestar TestClient, personal API tokens)."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import TestClient

from kehu.testing import api_headers
from kehu.web import create_web_app
from kehu_permissions import service
from perms_helpers import ID_NUMBER, MOBILE


@pytest.fixture
def web(org):
    with TestClient(create_web_app(org.app)) as client:
        yield client


def get(web, org, username, path, **params):
    return web.get(path, params=params, headers=api_headers(org.app, username))


def test_lists_hold_only_the_rows_in_scope(web, org):
    body = get(web, org, "sales1", "/api/customers").json()
    assert org.names(c["code"] for c in body["items"]) == {"own1", "own1_secret", "person"}
    assert body["total"] == 3


def test_a_customer_outside_the_scope_answers_like_a_missing_one(web, org):
    outside = get(web, org, "sales1", f"/api/customers/{org.codes['north']}")
    missing = get(web, org, "sales1", "/api/customers/CUS19990101001")
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["error"]["message"] == missing.json()["error"]["message"]
    assert get(web, org, "sales1", f"/api/customers/{org.codes['north']}/history").status_code == 404
    assert get(web, org, "sales2", f"/api/customers/{org.codes['north']}/history").status_code == 200


def test_masking_on_the_api_and_the_export(web, org):
    service.add_policy(org.app, org.app.system_actor, "marketing", {"resource": "customer", "action": "export"})
    person = get(web, org, "mkt1", f"/api/customers/{org.codes['person']}").json()
    assert "id_number" not in person and person["contacts"][0]["mobile"] == "138****5678"
    response = get(web, org, "mkt1", "/api/customers/export", format="csv")
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    assert ID_NUMBER not in text and MOBILE not in text and "138****5678" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert org.names(r[0] for r in rows[1:]) == {"own1", "person", "shanghai", "north", "public"}
    full = get(web, org, "sales1", f"/api/customers/{org.codes['person']}").json()
    assert full["id_number"] == ID_NUMBER
    service.set_field_rules(org.app, org.app.system_actor, "marketing", {"*": "read", "id_number": "masked"})
    person = get(web, org, "mkt1", f"/api/customers/{org.codes['person']}").json()
    assert person["id_number"] == "110***********002X"


def test_refusals(web, org):
    assert get(web, org, "nobody", "/api/customers").status_code == 403
    assert get(web, org, "support1", "/api/customers/export").status_code == 403
    response = web.patch(f"/api/customers/{org.codes['north']}", json={"grade": "A", "version": 1},
                         headers=api_headers(org.app, "mkt1") | {"Accept-Language": "en"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You are not allowed to do this"
