"""`kehu permissions ...`: roles, assignments and explanations from a terminal (SPEC G1, H4).

The first data admin is made here (`kehu permissions assign admin data_admin`): once the plugin is
enabled nobody but the system user may do anything until a role is assigned.  Commands act as the
system user through `kehu_permissions.service` / `explain`, so every value is checked and every
change is audited exactly as on the screens.  Refusals are printed by the `kehu` command in the
chosen language (`kehu --lang en permissions ...`), exit 2.
"""

from __future__ import annotations

import click

from kehu.cli import current_lang, pass_app, table
from kehu_permissions import explain, service
from kehu_permissions.vocabulary import ACTION_LABELS, RESOURCE_LABELS, label


def _t(zh: str, en: str) -> str:
    return en if current_lang() == "en" else zh


reason_option = click.option("--reason", default=None, help="原因（写入审计日志）/ Reason (kept in the audit log).")
target_options = [
    click.option("--user", "user", default=None, help="用户名 / Username."),
    click.option("--department", "department", default=None, help="部门名称（含下级部门）/ Department name (and below)."),
]


def _targets(f):
    for option in reversed(target_options):
        f = option(f)
    return f


@click.group("permissions")
def permissions_group() -> None:
    """权限：角色、分配、说明 / Permissions: roles, assignments, explanations."""


@permissions_group.command("roles")
@pass_app
def roles_command(app) -> None:
    """列出角色及其分配 / List roles and whom they are assigned to."""
    lang = current_lang()
    rows = [(r.key, r.label(lang), len(r.policies), len(r.field_rules), ", ".join(a.target for a in r.assignments))
            for r in service.list_roles(app, app.system_actor)]
    click.echo(table(_t("角色 名称 规则数 字段规则数 分配给", "role name rules field-rules assigned-to").split(), rows))


@permissions_group.command("assign")
@click.argument("role")
@_targets
@reason_option
@pass_app
def assign_command(app, role: str, user: str | None, department: str | None, reason: str | None) -> None:
    """把角色分配给用户或部门 / Assign a role to a user (--user) or a department (--department)."""
    found = service.assign(app, app.system_actor, role, user=user, department=department, reason=reason)
    click.echo(_t(f"已把角色 {role} 分配给 {found.target}", f"Assigned the role {role} to {found.target}"))


@permissions_group.command("unassign")
@click.argument("role")
@_targets
@reason_option
@pass_app
def unassign_command(app, role: str, user: str | None, department: str | None, reason: str | None) -> None:
    """收回角色 / Take a role back from a user or a department."""
    service.unassign(app, app.system_actor, role, user=user, department=department, reason=reason)
    click.echo(_t(f"已收回角色 {role}", f"Took the role {role} back"))


@permissions_group.command("explain")
@click.argument("username")
@click.argument("action", required=False)
@click.argument("resource", required=False, default="customer")
@click.option("--customer", "customer_code", default=None, help="客户编号 / Customer code.")
@click.option("--field", "field_key", default=None, help="字段 / Field key.")
@pass_app
def explain_command(app, username: str, action: str | None, resource: str, customer_code: str | None,
                    field_key: str | None) -> None:
    """说明用户能做什么，或为什么能/不能做 / What a user can do, or why an action is allowed or not."""
    lang = current_lang()
    if action is None:
        caps = explain.what_can(app, username)
        click.echo(_t("角色：", "Roles: ") + (", ".join(f"{r.key} ({', '.join(r.via)})" for r in caps.roles) or "—"))
        for resource_key, actions in caps.allowed.items():
            click.echo(f"  {label(RESOURCE_LABELS, resource_key, lang)}: "
                       + ", ".join(label(ACTION_LABELS, a, lang) for a in actions))
        for action_key, grants in caps.scopes.items():
            click.echo(f"  {action_key}: " + (", ".join(f"{g.scope}/{g.level}" for g in grants) or "—"))
        return
    answer = explain.why(app, username, action, resource, customer_code, field_key)
    for line in answer.messages(lang):
        click.echo(line)
