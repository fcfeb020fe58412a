"""Admin screens for users (issue 3; SPEC G1, G9): list, add, edit, deactivate, set a password.

Users are never deleted — the change log and customers' owners name them — only deactivated.
Everything goes through `kehu.directory`, which checks ("configure", "user") on every call.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from kehu import directory
from kehu.errors import ValidationFailed
from kehu.i18n import N_, gettext
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens import HANDLERS
from kehu.web.screens.admin import (
    INVALID, Form, access_links, department_choices, done, field_errors, one, router, single_team,
)
from kehu.web.screens.render import page

LABELS = {
    "username": N_("Username"),
    "display_name": N_("Display name"),
    "department_id": N_("Department"),
    "password": N_("Password"),
}


def labels(lang: str) -> dict[str, str]:
    return {key: gettext(lang, msgid) for key, msgid in LABELS.items()}


@get("/", sync_to_thread=True)
def users_list(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    users = directory.list_users(kehu, actor)
    return page(request, "kehu/admin/users.html", actor=actor, lang=lang, users=users,
                single_team=single_team(kehu), access_links=access_links(kehu, actor))


@get("/new", sync_to_thread=True)
def user_new(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "user")
    return _new_form(request, kehu, actor, lang, {}, {})


@post("/new", sync_to_thread=True)
def user_create(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    values = {key: one(data, key) for key in LABELS}
    try:
        user_id = directory.create_user(kehu, actor, values)
    except ValidationFailed as exc:
        values.pop("password")  # a password is never sent back to the browser
        return _new_form(request, kehu, actor, lang, values, field_errors(exc, labels(lang), lang), INVALID)
    # As stored (sign-in's rules lower-case and trim the username).
    text = gettext(lang, "User %(name)s added") % {"name": directory.get_user(kehu, actor, user_id).username}
    return done(request, "/admin/users", text)


def _new_form(request: Request, kehu: Any, actor: Any, lang: str, form: dict[str, Any],
              errors: dict[str, list[str]], status: int = 200) -> Response:
    departments = department_choices(directory.department_options(kehu))
    return page(request, "kehu/admin/user_new.html", status=status, actor=actor, lang=lang, form=form,
                errors=errors, labels=labels(lang), departments=departments)


@get("/{user_id:int}/edit", sync_to_thread=True)
def user_edit(request: Request, user_id: FromPath[int], kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    user = directory.get_user(kehu, actor, user_id)
    form = {"display_name": user.display_name, "department_id": str(user.department_id or "")}
    return _edit_form(request, kehu, actor, lang, user, form, {})


@post("/{user_id:int}/edit", sync_to_thread=True)
def user_update(request: Request, user_id: FromPath[int], data: Form, kehu: KehuDep, actor: ActorDep,
                lang: LangDep) -> Response:
    user = directory.get_user(kehu, actor, user_id)
    values = {"display_name": one(data, "display_name"), "department_id": one(data, "department_id")}
    try:
        directory.update_user(kehu, actor, user_id, values)
    except ValidationFailed as exc:
        return _edit_form(request, kehu, actor, lang, user, values, field_errors(exc, labels(lang), lang), INVALID)
    text = gettext(lang, "User %(name)s saved") % {"name": user.username}
    return done(request, "/admin/users", text)


@post("/{user_id:int}/active", sync_to_thread=True)
def user_active(request: Request, user_id: FromPath[int], data: Form, kehu: KehuDep, actor: ActorDep,
                lang: LangDep) -> Response:
    """Deactivate (`active` posted as "0") or reactivate ("1") — a button, so no input to keep."""
    user = directory.get_user(kehu, actor, user_id)
    active = one(data, "active") == "1"
    try:
        directory.set_user_active(kehu, actor, user_id, active)
    except ValidationFailed as exc:
        return done(request, f"/admin/users/{user_id}/edit", _first(exc, lang), kind="error")
    msgid = N_("User %(name)s reactivated") if active else N_("User %(name)s deactivated; their history is kept")
    return done(request, f"/admin/users/{user_id}/edit", gettext(lang, msgid) % {"name": user.username})


@post("/{user_id:int}/password", sync_to_thread=True)
def user_password(request: Request, user_id: FromPath[int], data: Form, kehu: KehuDep, actor: ActorDep,
                  lang: LangDep) -> Response:
    user = directory.get_user(kehu, actor, user_id)
    try:
        directory.set_user_password(kehu, actor, user_id, one(data, "password"))
    except ValidationFailed as exc:
        form = {"display_name": user.display_name, "department_id": str(user.department_id or "")}
        return _edit_form(request, kehu, actor, lang, user, form, field_errors(exc, labels(lang), lang), INVALID)
    text = gettext(lang, "A new password is set for %(name)s") % {"name": user.username}
    return done(request, f"/admin/users/{user_id}/edit", text)


def _edit_form(request: Request, kehu: Any, actor: Any, lang: str, user: directory.UserRow,
               form: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> Response:
    departments = department_choices(directory.department_options(kehu))
    return page(request, "kehu/admin/user_edit.html", status=status, actor=actor, lang=lang, user=user,
                form=form, errors=errors, labels=labels(lang), departments=departments)


def _first(exc: ValidationFailed, lang: str) -> str:
    return exc.errors[0].message(lang) if exc.errors else exc.message(lang)


HANDLERS.append(router("/admin/users", [users_list, user_new, user_create, user_edit, user_update,
                                        user_active, user_password]))
