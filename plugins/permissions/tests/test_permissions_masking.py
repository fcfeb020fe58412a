"""Masking on the read paths the other tests leave out (issue 4, SPEC G1): a marketing user sees a
contact's mobile masked (`138****5678`) and no ID number on the API and screen lists, in history
diffs (API and the detail timeline) and in the edit screen's re-renders (validation, stale).

Already covered elsewhere, not repeated here: the detail (service, API, screen), the history at the
service level and the export (test_permissions_roles, test_permissions_api, test_permissions_screens).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from kehu import records
from kehu.testing import api_headers, sign_in
from kehu.web import create_web_app
from kehu_permissions import service
from perms_helpers import ID_NUMBER, MOBILE

NEW_MOBILE = "13998761234"
NEW_ID = "110105194912310038"


@pytest.fixture
def changed(org):
    """The person's mobile and ID number changed once (so the history holds both diffs)."""
    system = org.app.system_actor
    code = org.codes["person"]
    customer = records.update_customer(org.app, system, code, {"id_number": NEW_ID}, version=1)
    with org.app.db.read() as session:
        contact_id = records.load_customer(org.app, session, system, code).contacts[0].id
    records.update_contact(org.app, system, code, contact_id, {"mobile": NEW_MOBILE}, version=customer.version)
    return org


def no_secrets(text: str) -> None:
    for secret in (MOBILE, NEW_MOBILE, ID_NUMBER, NEW_ID, ID_NUMBER[-6:], NEW_ID[-6:]):
        assert secret not in text, secret


def test_api_list_and_history_mask_the_mobile_and_hide_the_id_number(changed):
    org = changed
    code = org.codes["person"]
    with TestClient(create_web_app(org.app)) as web:
        headers = api_headers(org.app, "mkt1")
        listing = web.get("/api/customers", headers=headers)
        assert listing.status_code == 200 and code in listing.text
        no_secrets(listing.text)
        item = next(i for i in listing.json()["items"] if i["code"] == code)
        assert "id_number" not in item
        if "contacts" in item:
            assert item["contacts"][0]["mobile"] == "139****1234"
        history = web.get(f"/api/customers/{code}/history", headers=headers)
        assert history.status_code == 200
        no_secrets(history.text)
        assert "138****5678" in history.text and "139****1234" in history.text  # the mobile's diff, masked
        # the same calls by the owner show everything (the test would see a leak, not an empty page)
        full = web.get(f"/api/customers/{code}/history", headers=api_headers(org.app, "sales1")).text
        assert MOBILE in full and NEW_MOBILE in full and NEW_ID in full


def test_screens_list_and_timeline_mask_the_mobile_and_hide_the_id_number(changed):
    org = changed
    code = org.codes["person"]
    with TestClient(create_web_app(org.app)) as client:
        sign_in(client, "mkt1")
        listing = client.get("/customers")
        assert listing.status_code == 200 and code in listing.text
        no_secrets(listing.text)
        detail = client.get(f"/customers/{code}")  # with its change history timeline
        assert detail.status_code == 200
        no_secrets(detail.text)
        assert "139****1234" in detail.text


def test_edit_screen_re_renders_mask_and_hide(changed):
    """Marketing may not edit by default; given `update` and one writable field, its re-rendered
    forms (a validation failure, a stale version with the changes since) still hide and mask."""
    org = changed
    code = org.codes["person"]
    system = org.app.system_actor
    service.add_policy(org.app, system, "marketing",
                       {"resource": "customer", "action": "update", "scope": "all", "level": "internal"})
    service.set_field_rules(org.app, system, "marketing",
                            {"*": "read", "id_number": "hidden", "contacts.mobile": "masked", "grade": "write"})
    loaded_at = datetime.now(UTC).isoformat()
    with TestClient(create_web_app(org.app)) as client:
        csrf = sign_in(client, "mkt1")
        form = client.get(f"/customers/{code}/edit")
        assert form.status_code == 200
        no_secrets(form.text)
        with org.app.db.read() as session:
            version = records.load_customer(org.app, session, system, code).version
        invalid = client.post(f"/customers/{code}/edit", data={"_csrf": csrf, "version": str(version),
                                                               "loaded_at": loaded_at, "grade": "no-such-grade"})
        assert invalid.status_code == 422, invalid.text[:300]
        no_secrets(invalid.text)
        # a stale version: the form comes back with what changed since it was loaded
        records.update_customer(org.app, system, code, {"id_number": ID_NUMBER}, version=version)
        stale = client.post(f"/customers/{code}/edit", data={"_csrf": csrf, "version": str(version),
                                                             "loaded_at": "2000-01-01T00:00:00+00:00",
                                                             "grade": "A"})
        assert stale.status_code == 409, stale.text[:300]
        no_secrets(stale.text)
