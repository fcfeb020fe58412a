"""Ways round the rules found in review, each closed (SPEC G1, G2, D5): a status filter is no way
round `list_hidden`, removing a contact needs the contact fields writable, "not contacted for N
days" respects a hidden last-contact date, the why-preview describes only customers its reader may
read, values the database cannot store are a 400 and sales may not move customers between views.
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from kehu import records
from kehu.errors import ValidationFailed
from kehu.testing import api_headers, make_user, sign_in
from kehu.web import create_web_app
from kehu_permissions import service
from perms_helpers import build_org, listed


def test_a_status_filter_does_not_list_dormant_customers_without_list_hidden(org):
    assert "dormant" not in listed(org, "sales1", status="dormant")
    assert "dormant" not in listed(org, "sales1", status__empty="false")
    assert "dormant" in listed(org, "head_east", status="dormant")  # heads may (list_hidden)
    with TestClient(create_web_app(org.app)) as client:
        answer = client.get("/api/customers/export?format=csv&status=dormant", headers=api_headers(org.app, "sales1"))
    assert org.codes["dormant"] not in answer.text


def test_removing_a_contact_needs_every_contact_field_writable(org):
    app = org.app
    service.set_field_rules(app, app.system_actor, "support", {"*": "hidden", "@contact": "read"})
    code = org.codes["north"]
    with app.db.read() as session:
        customer = records.load_customer(app, session, org.actor("admin1"), code)
        contact_id, version = customer.contacts[0].id, customer.version
    with pytest.raises(ValidationFailed) as refused:
        records.remove_contact(app, org.actor("support1"), code, contact_id, version=version)
    assert refused.value.errors[0].rule == "field_forbidden"


def test_not_contacted_days_respects_a_hidden_last_contact_date(org):
    app = org.app
    service.set_field_rules(app, app.system_actor, "marketing",
                            {"*": "read", "id_number": "hidden", "last_contact_date": "hidden"})
    with pytest.raises(ValidationFailed):
        listed(org, "mkt1", not_contacted_days__gte="30")


def test_the_why_preview_describes_only_customers_its_reader_may_read(org):
    app = org.app
    # sales2 (sales: own customers only) may also read the policies, so the preview opens for him
    service.add_policy(app, app.system_actor, "sales", {"resource": "policy", "action": "read"})
    with TestClient(create_web_app(app)) as client:
        sign_in(client, "sales2")
        secret = client.get(f"/admin/permissions/why?user=admin1&action=read&resource=customer"
                            f"&customer={org.codes['north_secret']}").text
        missing = client.get("/admin/permissions/why?user=admin1&action=read&resource=customer"
                             "&customer=CUS19990101001").text
    shown = secret.split("<main>")[1].split("</main>")[0]
    code = org.codes["north_secret"]
    # a customer sales2 cannot read reads exactly like a missing code: no owner, department or level
    assert f"没有客户 {code}" in shown and "保密级别 机密" not in shown and "部门 华北销售部" not in shown
    assert "没有客户 CUS19990101001" in missing


def test_values_the_database_cannot_store_are_a_bad_request(org):
    make_user(org.app, "admin_web")
    service.assign(org.app, org.app.system_actor, "data_admin", user="admin_web")
    with TestClient(create_web_app(org.app)) as client:
        sign_in(client, "admin_web")
        for url in ("/admin/permissions/why?user=a%00", "/admin/permissions/audit?role=a%00",
                    "/customers/CUS%00"):
            assert client.get(url).status_code < 500, url
        api = client.get("/api/customers/CUS%00", headers=api_headers(org.app, "admin1"))
        assert api.status_code < 500


def test_sales_may_not_move_a_customer_to_another_department(org):
    code = org.codes["own1"]
    with pytest.raises(ValidationFailed) as refused:
        records.update_customer(org.app, org.actor("sales1"), code, {"department": "华北销售部"}, version=1)
    assert refused.value.errors[0].rule == "field_forbidden"


def test_a_hidden_tags_field_closes_the_tag_vocabulary_and_its_counts(make_kehu):
    app = make_kehu(enable=["permissions", "tags"])
    build_org(app)
    service.set_field_rules(app, app.system_actor, "support", {"*": "hidden", "@contact": "write"})
    with TestClient(create_web_app(app)) as client:
        hidden = client.get("/api/tags", headers=api_headers(app, "support1"))
        shown = client.get("/api/tags", headers=api_headers(app, "mkt1"))
    assert hidden.status_code == 403 and shown.status_code == 200
