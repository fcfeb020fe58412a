"""Core's navigation entries — the same `register_menu_items` hook plugins use."""

from __future__ import annotations

from kehu.hookspecs import hookimpl
from kehu.i18n import N_
from kehu.slots import MenuItem


@hookimpl
def register_menu_items():
    return [
        MenuItem(N_("Customers"), "/customers", order=100),
        MenuItem(N_("Users"), "/admin/users", order=900, admin=True, permission=("configure", "user")),
        MenuItem(N_("Departments"), "/admin/departments", order=910, admin=True, permission=("configure", "department")),
        MenuItem(N_("Plugins"), "/admin/plugins", order=920, admin=True, permission=("configure", "plugin")),
        MenuItem(N_("Custom fields"), "/admin/fields", order=930, admin=True, permission=("configure", "field")),
    ]
