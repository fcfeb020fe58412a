"""The generated screens follow the same rules: rows, 404 outside the scope, masked and hidden fields;
and the plugin's admin screens (issue 4, SPEC H4): an admin configures roles, rules, field rules and
holders on screens, and what they set is what users get, at once, in every process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from kehu.models import Customer
from kehu.testing import make_user, sign_in
from kehu.web import create_web_app
from kehu_permissions import service
from perms_helpers import ID_NUMBER, MOBILE, build_org, listed


@contextmanager
def screens(org, username) -> Iterator[TestClient]:
    """The web app with `username` signed in through the real form."""
    with TestClient(create_web_app(org.app)) as client:
        sign_in(client, username)
        yield client


def test_screens_show_only_what_the_reader_may_see(org):
    with screens(org, "mkt1") as marketing:
        page = marketing.get(f"/customers/{org.codes['person']}")
        assert page.status_code == 200
        assert "138****5678" in page.text and MOBILE not in page.text and ID_NUMBER not in page.text
        listing = marketing.get("/customers")
        assert org.codes["north"] in listing.text and org.codes["own1_secret"] not in listing.text
        assert marketing.get(f"/customers/{org.codes['north_secret']}").status_code == 404
    with screens(org, "sales1") as sales:
        page = sales.get(f"/customers/{org.codes['person']}")
        assert ID_NUMBER in page.text and MOBILE in page.text
        assert sales.get(f"/customers/{org.codes['north']}").status_code == 404
        assert sales.get("/admin/fields").status_code == 403


# --- the admin screens (issue 4, SPEC H4): an admin configures everything on screens ----------------

ROOT = "/admin/permissions"


@contextmanager
def signed_in(app, username) -> Iterator[tuple[TestClient, str]]:
    """The web app of `app` with `username` signed in; yields (client, CSRF token)."""
    with TestClient(create_web_app(app)) as client:
        token = sign_in(client, username)
        yield client, token


def audit_count(app) -> int:
    return len(service.audit_log(app, app.system_actor, limit=1000))


def post(client, token, url, **data):
    return client.post(url, data={"_csrf": token, **data}, follow_redirects=False)


@pytest.fixture
def bare(app):
    """The test organisation with nobody holding a role but `boss`, a data admin reading English."""
    org = build_org(app, assign=False)
    make_user(app, "boss", language="en")
    service.assign(app, app.system_actor, "data_admin", user="boss")  # the first admin: `kehu permissions assign`
    return org


def credit_code(app, code):
    with app.db.read() as session:
        return session.scalar(select(Customer.credit_code).where(Customer.code == code))


def test_an_admin_builds_sales_support_and_a_department_head_on_the_screens(app, bare):
    org = bare
    d, u = org.departments, org.users
    with signed_in(app, "boss") as (admin, token):
        # a support desk: a new role with its rules and field rules, given to the support department
        answer = post(admin, token, ROOT, key="support_desk", label_zh="客服台", label_en="Support desk",
                      description="Contact records and preference tags only", reason="G1 support")
        assert answer.status_code == 303 and answer.headers["location"] == f"{ROOT}/roles/support_desk"
        role_url = f"{ROOT}/roles/support_desk"
        assert post(admin, token, f"{role_url}/policies", resource="customer", action="list").status_code == 303
        assert post(admin, token, f"{role_url}/policies", resource="customer", action="read", effect="allow",
                    scope="all", level="internal").status_code == 303
        rules = {"rule:*": "hidden", "rule:code": "read", "rule:name": "read", "rule:@contact": "write",
                 "rule:@preferences": "write", "rule:credit_code": ""}
        assert post(admin, token, f"{role_url}/fields", reason="support sees contacts", **rules).status_code == 303
        assert post(admin, token, f"{ROOT}/assign", role="support_desk", department=str(d["客服部"]),
                    back="role").status_code == 303
        page = admin.get(role_url)
        assert page.status_code == 200 and "客服部" in page.text and "Support desk" in page.text
        # the sales team: the seeded role, given to each salesperson on their user page
        for name in ("sales1", "sales2"):
            answer = post(admin, token, f"{ROOT}/assign", role="sales", user=str(u[name]), back="user")
            assert answer.status_code == 303 and answer.headers["location"] == f"{ROOT}/users?user={u[name]}"
        # the department head of the sales centre
        assert post(admin, token, f"{ROOT}/assign", role="department_head", user=str(u["head_centre"]),
                    back="user").status_code == 303
        page = admin.get(f"{ROOT}/users?user={u['head_centre']}")
        assert "department_head" in page.text
        listing = admin.get(ROOT)
        assert re.search(r"support_desk</code></td>\s*<td[^>]*>2</td>\s*<td[^>]*>0</td>\s*<td[^>]*>1</td>",
                         listing.text)

    role = service.get_role(app, app.system_actor, "support_desk")
    assert {(p.resource, p.action, p.scope, p.level) for p in role.policies} == {
        ("customer", "list", None, None), ("customer", "read", "all", "internal")}
    assert role.field_rules == {"*": "hidden", "code": "read", "name": "read", "@contact": "write",
                                "@preferences": "write"}
    actions = [e.action for e in service.audit_log(app, app.system_actor, role="support_desk")]
    assert actions == ["assign", "field_rules_set", "policies_set", "policies_set", "role_create"]

    # what G1 says, through the customer list and pages
    assert listed(org, "sales1") == {"own1", "own1_secret", "person"}
    assert listed(org, "support1") == {"own1", "shanghai", "north", "public", "person"}
    assert listed(org, "head_centre") == {"own1", "own1_secret", "shanghai", "north", "north_secret", "person"}
    own1 = org.codes["own1"]
    with signed_in(app, "support1") as (support, _):
        page = support.get("/customers")
        assert own1 in page.text and credit_code(app, own1) not in page.text
        detail = support.get(f"/customers/{own1}")
        assert detail.status_code == 200 and credit_code(app, own1) not in detail.text
        assert support.get(f"/customers/{org.codes['own1_secret']}").status_code == 404
    with signed_in(app, "sales1") as (sales, _):
        page = sales.get("/customers")
        assert own1 in page.text and credit_code(app, own1) in sales.get(f"/customers/{own1}").text
        assert org.codes["north"] not in page.text and org.codes["shanghai"] not in page.text
    with signed_in(app, "head_centre") as (head, _):
        assert org.codes["north_secret"] in head.get("/customers").text


def test_a_change_on_the_screen_takes_effect_at_once_in_another_process(app, bare, make_kehu):
    org = bare
    service.assign(app, app.system_actor, "support", user="support1")
    other = make_kehu()  # a second server process on the same database
    north = org.codes["north"]
    with signed_in(other, "support1") as (support, _), signed_in(app, "boss") as (admin, token):
        assert support.get(f"/customers/{north}").status_code == 200
        read = next(p for p in service.get_role(app, app.system_actor, "support").policies
                    if p.action == "read" and p.resource == "customer")
        answer = post(admin, token, f"{ROOT}/roles/support/policies/{read.id}/remove", reason="no more reading")
        assert answer.status_code == 303
        assert support.get(f"/customers/{north}").status_code == 404
        # and back: a rule added on the screen
        assert post(admin, token, f"{ROOT}/roles/support/policies", resource="customer", action="read",
                    scope="all", level="internal").status_code == 303
        assert support.get(f"/customers/{north}").status_code == 200
        # a field rule: the credit code shown, then hidden again
        rules = dict(service.get_role(app, app.system_actor, "support").field_rules)
        form = {f"rule:{k}": a for k, a in rules.items()} | {"rule:credit_code": "read"}
        assert post(admin, token, f"{ROOT}/roles/support/fields", **form).status_code == 303
        assert credit_code(app, north) in support.get(f"/customers/{north}").text
        # taking the role away on the user page: nothing left
        assert post(admin, token, f"{ROOT}/unassign", role="support", user=str(org.users["support1"]),
                    back="user").status_code == 303
        assert support.get(f"/customers/{north}").status_code in (403, 404)


def test_refused_input_is_shown_next_to_its_field_and_nothing_is_written(app, bare):
    before = audit_count(app)
    with signed_in(app, "boss") as (admin, token):
        answer = post(admin, token, ROOT, key="Bad Key!", label_zh="", label_en="Finance")
        assert answer.status_code == 422
        assert 'id="new-key-error"' in answer.text and 'id="new-label_zh-error"' in answer.text
        assert 'value="Bad Key!"' in answer.text and 'value="Finance"' in answer.text
        assert "lower-case letters" in answer.text
        # a rule on customer rows without a scope
        answer = post(admin, token, f"{ROOT}/roles/sales/policies", resource="customer", action="read")
        assert answer.status_code == 422 and "needs a scope" in answer.text
        assert 'id="policy-scope-error"' in answer.text or 'id="policy-level-error"' in answer.text
        # an action that is not one of the resource's
        answer = post(admin, token, f"{ROOT}/roles/sales/policies", resource="tag", action="export")
        assert answer.status_code == 422 and 'id="policy-action-error"' in answer.text
        # a field access that does not exist, and a field that does not exist
        answer = post(admin, token, f"{ROOT}/roles/sales/fields", **{"rule:name": "everything", "rule:nope": "read"})
        assert answer.status_code == 422 and "is not a field access" in answer.text and "&#34;nope&#34;" in answer.text
        # an assignment twice, to nobody, to both
        answer = post(admin, token, f"{ROOT}/assign", role="data_admin", user=str(_user_id(app, "boss")),
                      back="user")
        assert answer.status_code == 422 and "already assigned" in answer.text
        answer = post(admin, token, f"{ROOT}/assign", role="sales", back="role")
        assert answer.status_code == 422 and "one user or to one department" in answer.text
        answer = post(admin, token, f"{ROOT}/roles/sales", label_zh="", label_en="Sales")
        assert answer.status_code == 422 and 'id="edit-label_zh-error"' in answer.text
        # a role that does not exist: 404 page, not a crash
        assert admin.get(f"{ROOT}/roles/ghost").status_code == 404
    assert audit_count(app) == before
    assert not any(r.key == "Bad Key!" for r in service.list_roles(app, app.system_actor))


def _user_id(app, username):
    from kehu.models import User

    with app.db.read() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_preview_and_why_show_the_right_verdicts(app, org):
    make_user(app, "boss", language="en")
    service.assign(app, app.system_actor, "data_admin", user="boss")
    with signed_in(app, "boss") as (admin, _):
        page = admin.get(f"{ROOT}/preview?user=support1")
        assert page.status_code == 200
        assert "Support" in page.text and "assigned to the user" in page.text
        row = re.search(r'data-field="credit_code">.*?</tr>', page.text, re.S).group(0)
        assert "hidden" in row
        row = re.search(r'data-field="contacts.mobile">.*?</tr>', page.text, re.S).group(0)
        assert "read and write" in row
        # sales1 may read their own customer, not sales2's
        page = admin.get(f"{ROOT}/why?user=sales1&action=read&resource=customer&customer={org.codes['own1']}")
        assert page.status_code == 200 and 'pill-ok">Allowed' in page.text
        page = admin.get(f"{ROOT}/why?user=sales1&action=read&resource=customer&customer={org.codes['north']}")
        assert 'pill-warn">Denied' in page.text and "outside sales1" in page.text
        # marketing sees a contact's mobile masked
        page = admin.get(f"{ROOT}/why?user=mkt1&action=read&resource=customer&field=contacts.mobile")
        assert "Field access: masked" in page.text
        # a user with no role
        page = admin.get(f"{ROOT}/why?user=nobody&action=list&resource=customer")
        assert 'pill-warn">Denied' in page.text and "nobody has no role" in page.text
        # in Chinese for a reader of Chinese
        page = admin.get(f"{ROOT}/why?user=sales1&action=read&resource=customer&customer={org.codes['north']}&lang=zh")
        assert "不允许" in page.text or "拒绝" in page.text
        # unknown user and field: said on the form
        assert admin.get(f"{ROOT}/preview?user=ghost").status_code == 422
        assert admin.get(f"{ROOT}/why?user=sales1&field=nope").status_code == 422


def test_the_audit_log_screen_shows_changes_newest_first_filtered_by_role(app, bare):
    with signed_in(app, "boss") as (admin, token):
        post(admin, token, f"{ROOT}/roles/marketing", label_zh="市场部", label_en="Marketing", reason="renamed <b>")
        post(admin, token, f"{ROOT}/assign", role="sales", user=str(bare.users["sales1"]), back="user")
        page = admin.get(f"{ROOT}/audit")
        assert page.status_code == 200
        assert page.text.index("role assigned") < page.text.index("role changed")
        assert "renamed &lt;b&gt;" in page.text and "boss" in page.text
        page = admin.get(f"{ROOT}/audit?role=marketing")
        assert "role changed" in page.text and "role assigned" not in page.text


def test_a_non_admin_gets_403_everywhere_and_no_menu(app, org):
    before = audit_count(app)
    with signed_in(app, "sales1") as (sales, token):
        assert ROOT not in sales.get("/customers").text
        for url in (ROOT, f"{ROOT}/roles/sales", f"{ROOT}/roles/sales/delete", f"{ROOT}/users", f"{ROOT}/departments",
                    f"{ROOT}/preview?user=sales2", f"{ROOT}/why?user=sales2", f"{ROOT}/audit"):
            assert sales.get(url).status_code == 403, url
        for url, data in ((ROOT, {"key": "mine", "label_zh": "我", "label_en": "Me"}),
                          (f"{ROOT}/roles/sales", {"label_zh": "x", "label_en": "x"}),
                          (f"{ROOT}/roles/sales/policies", {"resource": "*", "action": "*"}),
                          (f"{ROOT}/roles/sales/policies/1/remove", {}),
                          (f"{ROOT}/roles/sales/fields", {"rule:*": "write"}),
                          (f"{ROOT}/roles/sales/delete", {}),
                          (f"{ROOT}/assign", {"role": "data_admin", "user": str(org.users["sales1"])}),
                          (f"{ROOT}/unassign", {"role": "sales", "user": str(org.users["sales1"])})):
            answer = post(sales, token, url, **data)
            assert answer.status_code == 403, url
            assert audit_count(app) == before, url
    with signed_in(app, "admin1") as (admin, _):
        assert f'href="{ROOT}"' in admin.get("/customers").text
        # the core admin screens say that roles decide, and link here
        page = admin.get("/admin/users?lang=en")
        assert "A permissions plugin is enabled" in page.text and f'href="{ROOT}"' in page.text
    assert service.get_role(app, app.system_actor, "sales").label_zh == "销售"


def test_labels_and_descriptions_are_escaped_and_posts_need_the_csrf_token(app, bare):
    before = audit_count(app)
    with signed_in(app, "boss") as (admin, token):
        assert admin.post(ROOT, data={"key": "evil", "label_zh": "x", "label_en": "x"},
                          follow_redirects=False).status_code == 403
        assert admin.post(ROOT, data={"_csrf": "forged", "key": "evil", "label_zh": "x", "label_en": "x"},
                          follow_redirects=False).status_code == 403
        assert admin.post(f"{ROOT}/roles/sales/delete", follow_redirects=False).status_code == 403
        assert audit_count(app) == before
        answer = post(admin, token, ROOT, key="evil", label_zh="<script>alert(1)</script>",
                      label_en="<img src=x onerror=alert(2)>", description='"><svg onload=alert(3)>')
        assert answer.status_code == 303
        for url in (ROOT, f"{ROOT}/roles/evil", f"{ROOT}/roles/evil/delete", f"{ROOT}/audit",
                    f"{ROOT}/users?user={bare.users['sales1']}"):
            text = admin.get(url).text
            assert "<script>alert(1)" not in text and "<img src=x" not in text and "<svg onload" not in text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin.get(f"{ROOT}/roles/evil?lang=zh").text
        # and delete it, confirmed
        assert post(admin, token, f"{ROOT}/roles/evil/delete", reason="test").status_code == 303
    assert "evil" not in {r.key for r in service.list_roles(app, app.system_actor)}


def test_a_reader_of_policies_sees_everything_but_changes_nothing(app, bare):
    service.create_role(app, app.system_actor, {
        "key": "auditor", "label_zh": "审计", "label_en": "Auditor",
        "policies": [{"resource": "policy", "action": "read"}]})
    service.assign(app, app.system_actor, "auditor", user="mkt1")
    service.assign(app, app.system_actor, "sales", department="销售中心")
    before = audit_count(app)
    with signed_in(app, "mkt1") as (reader, token):
        assert f'href="{ROOT}"' in reader.get("/customers").text
        page = reader.get(f"{ROOT}/roles/support")
        assert page.status_code == 200 and "<select" not in page.text.split('id="fields"')[1].split("</section>")[0]
        assert "hidden" in page.text or "隐藏" in page.text
        assert reader.get(f"{ROOT}/audit").status_code == 200
        # a department's page shows the roles of the departments above it
        page = reader.get(f"{ROOT}/departments?department={bare.departments['上海组']}")
        assert "销售中心" in page.text and "/admin/permissions/roles/sales" in page.text
        # a user's page shows roles held through a department
        page = reader.get(f"{ROOT}/users?user={bare.users['sales1']}")
        assert "/admin/permissions/roles/sales" in page.text and "销售中心" in page.text
        assert reader.get(f"{ROOT}/roles/support/delete").status_code == 403
        assert post(reader, token, f"{ROOT}/roles/support/fields", **{"rule:*": "write"}).status_code == 403
    assert audit_count(app) == before
