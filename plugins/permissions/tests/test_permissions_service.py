"""Changing roles, rules, field rules and assignments: checked values, audit log, seeding (G1, G7, H4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kehu import migrate
from kehu.errors import Forbidden, ValidationFailed
from kehu.models import Base
from kehu_permissions import register_manifest, service
from kehu_permissions.defaults import G1_ROLES
from kehu_permissions.models import Stamp, metadata


def refusal(call, *args, **kwargs) -> list[tuple[str, str, str, str]]:
    """(field, rule, zh message, en message) of each error of a refused call."""
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return [(e.field, e.rule, e.message("zh"), e.message("en")) for e in caught.value.errors]


def test_tables_are_the_plugins_own_and_match_its_migration(app):
    assert not set(metadata.tables) & set(Base.metadata.tables)
    assert migrate.check(app.db, [register_manifest()], [metadata]) == []
    assert {"core_0002", "permissions_0001"} <= migrate.heads(app.db)
    revision = migrate.script_directory([register_manifest()]).get_revision("permissions@head")
    assert revision.down_revision is None and revision._resolved_dependencies == ("core_0001",)


def test_the_g1_roles_are_seeded_once_and_stay_as_edited(app, make_kehu):
    roles = {r.key: r for r in service.list_roles(app, app.system_actor)}
    assert set(roles) == {d.key for d in G1_ROLES}
    assert all(r.seeded and r.policies and not r.assignments for r in roles.values())
    assert roles["marketing"].field_rules == {"*": "read", "id_number": "hidden", "contacts.mobile": "masked"}
    service.delete_role(app, app.system_actor, "marketing")
    service.update_role(app, app.system_actor, "sales", {"label_en": "Sales rep"})
    again = make_kehu()  # a restart
    roles = {r.key: r for r in service.list_roles(again, again.system_actor)}
    assert "marketing" not in roles and roles["sales"].label_en == "Sales rep"


@pytest.mark.parametrize(("rules", "expected"), [
    ([{"resource": "customers", "action": "read"}],
     ("policies[0].resource", "permissions_unknown_resource",
      "“customers”不是资源类型；可选：* / customer / field / user / department / plugin / tag / policy",
      "\"customers\" is not a resource type; choose one of * / customer / field / user / department / plugin / tag / policy")),
    ([{"resource": "tag", "action": "export"}],
     ("policies[0].action", "permissions_unknown_action",
      "“export”不是对 tag 的操作；可选：* / read / create / update / rename / merge / delete",
      "\"export\" is not an action on tag; choose one of * / read / create / update / rename / merge / delete")),
    ([{"resource": "customer", "action": "read"}],
     ("policies[0].scope", "permissions_scope_required",
      "允许访问客户记录的规则必须指定客户范围和可达到的最高保密级别",
      "A rule allowing access to customer rows needs a scope and the highest confidentiality level it reaches")),
    ([{"resource": "customer", "action": "read", "scope": "team", "level": "internal"}],
     ("policies[0].scope", "permissions_unknown_scope", "“team”不是客户范围；可选：own / department / subtree / all",
      "\"team\" is not a scope; choose one of own / department / subtree / all")),
    ([{"resource": "customer", "action": "read", "scope": "own", "level": "secret"}],
     ("policies[0].level", "permissions_unknown_level",
      "“secret”不是保密级别；可选：public / internal / confidential",
      "\"secret\" is not a confidentiality level; choose one of public / internal / confidential")),
    ([{"resource": "customer", "action": "export", "scope": "own", "level": "internal"}],
     ("policies[0].scope", "permissions_scope_not_applicable",
      "只有允许访问客户记录的规则才有客户范围和保密级别；此处请留空",
      "Only a rule allowing access to customer rows has a scope and a confidentiality level; leave them empty here")),
    ([{"resource": "tag", "action": "read", "effect": "maybe"}],
     ("policies[0].effect", "permissions_unknown_effect", "效果只能是 allow（允许）或 deny（拒绝），不能是“maybe”",
      "The effect must be allow or deny, not \"maybe\"")),
    ([{"resource": "tag", "action": "read"}, {"resource": "tag", "action": "read", "effect": "allow"}],
     ("policies[1]", "permissions_duplicate_rule", "同一条规则出现了两次", "The same rule is listed twice")),
])
def test_rules_are_checked_when_written(app, rules, expected):
    before = service.get_role(app, app.system_actor, "sales")
    assert refusal(service.set_policies, app, app.system_actor, "sales", rules) == [expected]
    assert service.get_role(app, app.system_actor, "sales") == before  # nothing written


def test_field_rules_roles_and_assignments_are_checked(app):
    system = app.system_actor
    assert refusal(service.set_field_rules, app, system, "sales", {"wechat": "read", "grade": "invisible"}) == [
        ("field_rules[wechat]", "permissions_unknown_field", "“wechat”不是字段、联系人字段、分类或 *",
         "\"wechat\" is not a field, a contact field, a category or *"),
        ("field_rules[grade]", "permissions_unknown_access", "“invisible”不是字段权限；可选：hidden / masked / read / write",
         "\"invisible\" is not a field access; choose one of hidden / masked / read / write"),
    ]
    assert [e[:2] for e in refusal(service.create_role, app, system, {"key": "Sales Team", "label_zh": "",
                                                                        "label_en": "x" * 101})] == [
        ("key", "permissions_role_key"), ("label_zh", "required"), ("label_en", "too_long")]
    assert refusal(service.create_role, app, system, {"key": "sales", "label_zh": "销售", "label_en": "Sales"})[0][1:] == (
        "permissions_role_exists", "已有角色“sales”", "There is already a role \"sales\"")
    assert refusal(service.assign, app, system, "auditor", user="x")[0][1:] == (
        "permissions_unknown_role", "没有角色“auditor”", "There is no role \"auditor\"")
    assert refusal(service.assign, app, system, "sales", user="ghost")[0][:2] == ("user", "unknown_user")
    assert refusal(service.assign, app, system, "sales", department="不存在部")[0][:2] == ("department",
                                                                                       "unknown_department")
    assert refusal(service.assign, app, system, "sales")[0][1] == "permissions_assign_target"
    assert refusal(service.assign, app, system, "sales", user="system")[0][1] == "permissions_system_user"


def test_every_change_is_audited_with_old_and_new(org):
    app, system = org.app, org.app.system_actor
    admin = org.actor("admin1")
    service.create_role(app, admin, {"key": "finance", "label_zh": "财务", "label_en": "Finance"}, reason="新岗位")
    service.set_policies(app, admin, "finance", [{"resource": "customer", "action": "list"}])
    service.set_field_rules(app, admin, "finance", {"*": "read", "id_number": "hidden"})
    service.assign(app, admin, "finance", department="市场部")
    service.unassign(app, admin, "finance", department="市场部")
    service.update_role(app, admin, "finance", {"label_zh": "财务部"})
    service.delete_role(app, admin, "finance", reason="撤销")
    log = service.audit_log(app, system, role="finance")
    assert [(e.action, e.actor) for e in reversed(log)] == [
        ("role_create", "admin1"), ("policies_set", "admin1"), ("field_rules_set", "admin1"), ("assign", "admin1"),
        ("unassign", "admin1"), ("role_update", "admin1"), ("role_delete", "admin1")]
    by_action = {e.action: e for e in log}
    assert by_action["role_create"].reason == "新岗位"
    assert by_action["policies_set"].old == [] and by_action["policies_set"].new == [
        {"resource": "customer", "action": "list", "effect": "allow", "scope": None, "level": None}]
    assert by_action["field_rules_set"].new == {"*": "read", "id_number": "hidden"}
    assert by_action["assign"].target == "department:市场部"
    assert by_action["role_update"].old == {"label_zh": "财务"} and by_action["role_update"].new == {"label_zh": "财务部"}
    assert by_action["role_delete"].old["policies"][0]["action"] == "list"


def test_a_change_bumps_the_stamp_and_a_refused_one_does_not(app):
    def stamp():
        with app.db.read() as session:
            return session.scalar(select(Stamp.version))

    before = stamp()
    service.add_policy(app, app.system_actor, "support", {"resource": "tag", "action": "merge"})
    assert stamp() == before + 1
    with pytest.raises(ValidationFailed):
        service.add_policy(app, app.system_actor, "support", {"resource": "tag", "action": "merge"})
    assert stamp() == before + 1


def test_only_those_allowed_to_configure_policies_change_them(org):
    app = org.app
    for username in ("sales1", "head_centre", "mkt1", "nobody"):
        with pytest.raises(Forbidden):
            service.list_roles(app, org.actor(username))
        with pytest.raises(Forbidden):
            service.assign(app, org.actor(username), "data_admin", user=username)
    assert service.list_roles(app, org.actor("admin1"))


def test_vocabulary_for_the_screens(app):
    words = service.vocabulary(app, "zh")
    resources = {r["key"]: r for r in words["resources"]}
    assert resources["customer"]["label"] == "客户"
    assert "list_hidden" in [a["key"] for a in resources["customer"]["actions"]]
    assert [s["label"] for s in words["scopes"]] == ["本人负责的客户", "本部门", "本部门及下级部门", "全部客户"]
    fields = {f["key"]: f["label"] for f in words["fields"]}
    assert fields["@basic"] == "基础信息" and fields["id_number"] == "身份证号" and fields["contacts.mobile"] == "联系人：手机号码"
