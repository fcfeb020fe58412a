"""`what_can` and `why` explain exactly what the hooks answer (SPEC H4: admins see why)."""

from __future__ import annotations

import pytest

from kehu.errors import Forbidden
from kehu_permissions import service
from kehu_permissions.explain import what_can, why
from kehu_permissions.scope import Grant


def test_what_can_lists_roles_actions_scopes_and_fields(org):
    service.assign(org.app, org.app.system_actor, "marketing", department="销售中心")
    caps = what_can(org.app, "sales1")
    assert [(r.key, r.via) for r in caps.roles] == [("marketing", ["department:销售中心"]), ("sales", ["user"])]
    assert set(caps.allowed["customer"]) == {"list", "read", "update", "export"}
    assert "delete" in caps.denied["customer"] and caps.denied["policy"] == ["read", "configure"]
    assert caps.scopes["read"] == [Grant("marketing", "all", "internal"), Grant("sales", "own", "confidential")]
    assert caps.scopes["delete"] == []
    # field access is per user: the most either customer role gives
    assert caps.fields["id_number"] == "read" and caps.fields["grade"] == "write"
    assert caps.fields["contacts.mobile"] == "write"
    assert what_can(org.app, org.app.system_actor).system


def test_why_names_the_rules_and_the_verdict(org):
    answer = why(org.app, "sales1", "read", "customer", customer_code=org.codes["north"])
    assert not answer.allowed
    assert answer.messages("en") == [
        "sales1 has the role Sales (assigned to the user)",
        "Role Sales: allow read on Customers for own customers, up to confidential",
        f"Customer {org.codes['north']}: owner sales2, department 华北销售部, confidentiality internal",
        "Role Sales does not reach this customer (own customers, up to confidential)",
        "The customer is outside sales1's scope: it answers \"not found\"",
        "Denied",
    ]
    assert answer.messages("zh")[0] == "sales1 拥有角色 销售（直接分配给该用户）"
    assert why(org.app, "sales1", "read", "customer", customer_code=org.codes["own1"]).allowed


def test_why_says_no_policy_means_denied_and_deny_overrides(org):
    answer = why(org.app, "sales1", "delete", "customer")
    assert not answer.allowed
    assert answer.messages("en")[-2:] == ["No rule of sales1's roles is about delete on Customers: denied", "Denied"]
    assert why(org.app, "nobody", "read", "customer").messages("zh")[0] == "nobody 没有任何角色"
    service.add_policy(org.app, org.app.system_actor, "data_admin",
                       {"resource": "customer", "action": "export", "effect": "deny"})
    answer = why(org.app, "admin1", "export", "customer")
    assert not answer.allowed and not org.app.allowed(org.actor("admin1"), "export")
    assert [r.effect for r in answer.reasons if r.role == "data_admin"][-2:] == ["allow", "deny"]
    assert "Denied: a deny rule overrides every allow rule" in answer.messages("en")


def test_why_explains_a_field(org):
    answer = why(org.app, "mkt1", "read", "customer", field="contacts.mobile")
    assert answer.access == "masked"
    assert answer.messages("en")[-2:] == ["Role Marketing: Contact: Mobile is masked (rule \"contacts.mobile\")",
                                          "Contact: Mobile: masked (the most any role gives)"]
    assert why(org.app, "support1", "read", "customer", field="grade").access == "hidden"
    assert why(org.app, "sales1", "read", "customer", field="name").messages("zh")[-1] == "客户名称：只读（取各角色中最宽的权限）"


def test_asking_about_someone_else_needs_the_right_to_read_policies(org):
    assert what_can(org.app, "sales1", actor=org.actor("sales1")).username == "sales1"
    with pytest.raises(Forbidden):
        what_can(org.app, "sales2", actor=org.actor("sales1"))
    assert why(org.app, "sales2", "read", "customer", actor=org.actor("admin1")).allowed
