"""kehu-permissions: roles, Casbin rules, customer scopes and field rules (SPEC G1, G2, G7, D5, H4).

Without this plugin kehu is a single-team system where every signed-in user may do everything.
With it, everything goes through core's three permission hooks; core never imports it:

- `permission_allowed` — "may do": Casbin (RBAC, explicit allow, deny overrides, an empty policy
  denies everything) decides (user's roles, resource type, action); for one customer row the
  answer also needs the row to be in the user's scope for that action (the same grants as SQL);
- `customer_scope` — "which rows": the user's allow rules compiled into one SQL condition (scope
  own / department / department and below / all, and the highest confidentiality level of G2),
  which core ANDs into every list, count, detail, history and export; outside it a customer
  answers 404 like a missing one;
- `field_access` — which fields a user sees in full, masked, read only, or not at all.

The system user (CLI, jobs) keeps every right.  The G1 default roles are seeded at the first
start and stay editable; `kehu permissions assign <user> data_admin` makes the first admin.

Layout: `vocabulary` (resources, actions, scopes, levels, messages), `models` (side tables),
`defaults` (the G1 roles), `enforcer` (Casbin model, snapshot and change stamp, per-user views),
`scope` (grants → SQL and the same test on a row), `service` (validated, audited changes),
`explain` (`what_can`, `why`), `screens` (the admin screens under /admin/permissions), `cli`, `demo` (roles for `kehu serve --demo`), `migrations/versions` (the `permissions` branch), `locale`.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from kehu.hookspecs import hookimpl
from kehu.i18n import register_catalog
from kehu.messages import register_messages
from kehu.plugins import Manifest
from kehu_permissions import service, vocabulary
from kehu_permissions.enforcer import engine, is_system, quiet_casbin

register_catalog(Path(__file__).parent / "locale", "kehu_permissions")
register_messages(vocabulary.MESSAGES)
quiet_casbin()

try:
    __version__ = metadata.version("kehu-permissions")
except metadata.PackageNotFoundError:  # imported from a checkout without installing
    __version__ = "0"


@hookimpl
def register_manifest():
    return Manifest(
        name="permissions",
        label_zh="权限",
        label_en="Permissions",
        version=__version__,
        depends=(),
        migrations=Path(__file__).parent / "migrations" / "versions",
        templates=Path(__file__).parent / "templates",
        description_zh="角色、Casbin 访问策略（允许/拒绝，拒绝优先）、客户范围（本人/本部门/本部门及下级/全部）、"
                       "保密级别与字段权限（隐藏/脱敏/只读/可写），变更留审计日志",
        description_en="Roles, Casbin access policies (allow / deny, deny overrides), customer scopes (own / "
                       "department / department and below / all), confidentiality levels and field access "
                       "(hidden / masked / read / write), with an audit log of every change",
    )


@hookimpl
def startup(app):
    service.seed_defaults(app)


@hookimpl
def permission_allowed(app, actor, action, resource, customer):
    if is_system(actor):
        return None
    view = engine(app).view(actor)
    if not view.allowed(resource, action):
        return False
    if customer is not None and resource == "customer" and not view.reaches(action, customer):
        return False
    return None


@hookimpl
def customer_scope(app, actor, action):
    if is_system(actor):
        return None
    return engine(app).view(actor).condition(action)


@hookimpl
def field_access(app, actor):
    if is_system(actor):
        return None
    return engine(app).view(actor).field_access(app)


@hookimpl
def demo_users_ready(app, roles):
    from kehu_permissions.demo import assign_demo_roles

    assign_demo_roles(app, roles)


@hookimpl
def register_menu_items():
    from kehu_permissions.screens import MENU

    return [MENU]


@hookimpl
def register_routes():
    from kehu_permissions.screens import routes

    return routes()


@hookimpl
def register_commands():
    from kehu_permissions.cli import permissions_group

    return [permissions_group]
