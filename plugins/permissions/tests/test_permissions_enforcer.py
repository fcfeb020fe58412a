"""The enforcement itself: Casbin's answers, compiled scopes, change stamp, logging (SPEC G1, G2, H4)."""

from __future__ import annotations

import logging
import logging.config

import pytest
from sqlalchemy import select

from kehu import records
from kehu.errors import Forbidden, NotFound
from kehu.models import Customer
from kehu.testing import make_user
from kehu_permissions import enforcer, service
from kehu_permissions.enforcer import PolicyRow, build_enforcer
from kehu_permissions.vocabulary import ROW_ACTIONS
from perms_helpers import USERS, build_org, listed

PAIRS = [("customer", a) for a in ("list", "read", "update", "export", "delete")] + [
    ("tag", "merge"), ("field", "configure"), ("policy", "configure")]


def rule(role, resource, action, effect="allow"):
    return PolicyRow(0, role, resource, action, effect, None, None)


def test_casbin_model_allows_explicitly_and_deny_overrides():
    e = build_enforcer({"a", "b"}, [rule("a", "customer", "*"), rule("b", "customer", "delete", "deny"),
                                    rule("c", "*", "*")])
    assert e.enforce(enforcer.SUBJECT, "customer", "read")
    assert not e.enforce(enforcer.SUBJECT, "customer", "delete")  # b denies, a's * allows: deny wins
    assert not e.enforce(enforcer.SUBJECT, "tag", "read")  # c's rule is not one of the user's roles
    assert not build_enforcer(set(), []).enforce(enforcer.SUBJECT, "customer", "read")  # empty: deny


def test_an_empty_policy_denies_everything(app):
    """With every rule removed, even a data admin may do nothing; the system user still may."""
    build = build_org(app)
    for role in service.list_roles(app, app.system_actor):
        service.set_policies(app, app.system_actor, role.key, [])
    for username, _, _ in USERS:
        actor = build.actor(username)
        assert not any(app.allowed(actor, action, resource) for resource, action in PAIRS), username
        with app.db.read() as session, pytest.raises(NotFound):
            records.load_customer(app, session, actor, build.codes["public"])
    assert all(app.allowed(app.system_actor, action, resource) for resource, action in PAIRS)
    assert app.scope(app.system_actor, "read") == []


def test_deny_overrides_allow_across_roles(org):
    app = org.app
    service.create_role(app, app.system_actor, {
        "key": "no_export", "label_zh": "禁止导出", "label_en": "No export",
        "policies": [{"resource": "customer", "action": "export", "effect": "deny"},
                     {"resource": "*", "action": "delete", "effect": "deny"}]})
    assert app.allowed(org.actor("admin1"), "export")
    service.assign(app, app.system_actor, "no_export", user="admin1")
    admin = org.actor("admin1")
    assert not app.allowed(admin, "export")
    assert not app.allowed(admin, "delete", "tag")
    assert app.allowed(admin, "read") and app.allowed(admin, "configure", "policy")
    with pytest.raises(Forbidden):
        records.delete_customer(app, admin, org.codes["north"], version=1)
    # a deny on reading customers leaves nothing to list: the scope is empty, the list too
    service.add_policy(app, app.system_actor, "no_export", {"resource": "customer", "action": "read", "effect": "deny"})
    assert listed(org, "admin1") == set()


def test_a_role_for_a_department_reaches_its_sub_departments(app):
    org = build_org(app, assign=False)
    service.assign(app, app.system_actor, "sales", department="销售中心")
    service.assign(app, app.system_actor, "department_head", user="head_east")
    assert listed(org, "sales1") == {"own1", "own1_secret", "person"}  # 华东销售部 is under 销售中心
    assert listed(org, "sales2") == {"north"}
    assert app.allowed(org.actor("support1"), "read") is False  # 客服部 is not under it
    # department and below: 华东销售部 and 上海组, not 华北
    assert listed(org, "head_east") == {"own1", "own1_secret", "person", "shanghai"}


def test_moving_a_department_moves_its_scope(org):
    """The department tree is part of the stamp: a moved department is seen at the next request."""
    from kehu import directory

    app = org.app
    assert "north" not in listed(org, "head_east")
    directory.update_department(app, app.system_actor, org.departments["华北销售部"],
                                {"name": "华北销售部", "parent_id": org.departments["华东销售部"]})
    assert {"north", "north_secret"} <= listed(org, "head_east")


@pytest.mark.parametrize("action", ROW_ACTIONS)
def test_a_row_check_agrees_with_the_sql_scope(org, action):
    """permission_allowed(..., customer=row) and customer_scope give the same answer for every row."""
    app = org.app
    service.create_role(app, app.system_actor, {
        "key": "mixed", "label_zh": "混合", "label_en": "Mixed",
        "policies": [{"resource": "customer", "action": "*", "scope": "department", "level": "public"},
                     {"resource": "customer", "action": "update", "scope": "own", "level": "confidential"}]})
    service.assign(app, app.system_actor, "mixed", user="support1")
    service.assign(app, app.system_actor, "mixed", user="nobody")
    with app.db.read() as session:
        customers = list(session.scalars(select(Customer)))
        for username, _, _ in USERS:
            actor = org.actor(username)
            where = app.scope(actor, action)
            in_sql = set(session.scalars(select(Customer.id).where(*where)))
            if not app.allowed(actor, action):
                continue
            in_python = {c.id for c in customers if app.allowed(actor, action, "customer", c)}
            assert in_python == in_sql, (username, action)


def test_a_change_in_one_process_is_seen_by_another_at_its_next_request(org, make_kehu):
    first, second = org.app, make_kehu()
    assert listed(org, "sales2") == {"north"}
    org.app = second
    assert listed(org, "sales2") == {"north"}  # second process, warmed up
    service.set_policies(first, first.system_actor, "sales", [
        {"resource": "customer", "action": "list"},
        {"resource": "customer", "action": "read", "scope": "department", "level": "internal"}])
    assert listed(org, "sales2") == {"north"}
    service.assign(first, first.system_actor, "sales", user="head_east")
    service.unassign(first, first.system_actor, "department_head", user="head_east")
    assert listed(org, "head_east") == {"own1", "person"}  # second app, no restart
    service.delete_role(first, first.system_actor, "sales")
    with pytest.raises(Forbidden):
        listed(org, "sales2")


def test_an_actor_kept_across_requests_is_checked_again_after_max_age(org, make_kehu, monkeypatch):
    first, second = org.app, make_kehu()
    kept = org.actor("mkt1")
    assert second.allowed(kept, "read")
    service.unassign(first, first.system_actor, "marketing", user="mkt1")
    assert second.allowed(kept, "read")  # the same Actor object within MAX_AGE: this request's answer
    monkeypatch.setattr(enforcer, "MAX_AGE", 0.0)
    assert not second.allowed(kept, "read")


def test_casbin_never_logs_the_policy(org, caplog):
    """Even after an application configured logging at INFO (as uvicorn does)."""
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})  # re-enables casbin's loggers
    caplog.set_level(logging.INFO)
    service.add_policy(org.app, org.app.system_actor, "marketing", {"resource": "tag", "action": "merge"})
    actor = org.actor("mkt1")
    assert org.app.allowed(actor, "merge", "tag")
    assert not org.app.allowed(actor, "delete", "tag")
    casbin_records = [r for r in caplog.records if r.name.startswith("casbin")]
    assert casbin_records == []
    assert "role:marketing" not in caplog.text


def test_the_system_user_keeps_every_right(org):
    system = org.app.system_actor
    assert org.app.scope(system, "read") == [] and org.app.field_access(system) == {}
    assert all(org.app.allowed(system, a, r) for r, a in PAIRS)


def test_a_user_with_no_id_or_department_matches_no_department_rule(app):
    make_user(app, "loner")
    service.assign(app, app.system_actor, "department_head", user="loner")
    org = build_org(app, assign=False)
    assert listed(org, "loner") == set()
