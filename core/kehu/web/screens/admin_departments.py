"""Admin screens for departments (issue 3; SPEC G1 department heads, G9): tree, add, rename, move, delete.

A department is deleted only when no user, sub-department or customer refers to it; otherwise
the refusal says what is left.  Everything goes through `kehu.directory`.
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

LABELS = {"name": N_("Name"), "parent_id": N_("Parent department")}


def labels(lang: str) -> dict[str, str]:
    return {key: gettext(lang, msgid) for key, msgid in LABELS.items()}


def subtree(tree: list[directory.DepartmentNode], root: int) -> set[int]:
    """`root` and every department below it (the tree is in walk order: a subtree is contiguous)."""
    ids: set[int] = set()
    depth = None
    for node in tree:
        if node.id == root:
            depth = node.depth
            ids.add(node.id)
        elif depth is not None:
            if node.depth <= depth:
                break
            ids.add(node.id)
    return ids


@get("/", sync_to_thread=True)
def departments_list(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    tree = directory.department_tree(kehu, actor)
    return page(request, "kehu/admin/departments.html", actor=actor, lang=lang, tree=tree,
                single_team=single_team(kehu), access_links=access_links(kehu, actor))


@get("/new", sync_to_thread=True)
def department_new(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    tree = directory.department_tree(kehu, actor)
    return _form(request, actor, lang, None, tree, {"parent_id": request.query_params.get("parent", "")}, {})


@post("/new", sync_to_thread=True)
def department_create(request: Request, data: Form, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    values = {key: one(data, key) for key in LABELS}
    try:
        department_id = directory.create_department(kehu, actor, values)
    except ValidationFailed as exc:
        tree = directory.department_tree(kehu, actor)
        return _form(request, actor, lang, None, tree, values, field_errors(exc, labels(lang), lang), INVALID)
    name = directory.get_department(kehu, actor, department_id).name  # as stored (normalised)
    return done(request, "/admin/departments", gettext(lang, "Department %(name)s added") % {"name": name})


@get("/{department_id:int}/edit", sync_to_thread=True)
def department_edit(request: Request, department_id: FromPath[int], kehu: KehuDep, actor: ActorDep,
                    lang: LangDep) -> Response:
    node = directory.get_department(kehu, actor, department_id)
    tree = directory.department_tree(kehu, actor)
    form = {"name": node.name, "parent_id": str(node.parent_id or "")}
    return _form(request, actor, lang, node, tree, form, {})


@post("/{department_id:int}/edit", sync_to_thread=True)
def department_update(request: Request, department_id: FromPath[int], data: Form, kehu: KehuDep, actor: ActorDep,
                      lang: LangDep) -> Response:
    node = directory.get_department(kehu, actor, department_id)
    values = {key: one(data, key) for key in LABELS}
    try:
        directory.update_department(kehu, actor, department_id, values)
    except ValidationFailed as exc:
        tree = directory.department_tree(kehu, actor)
        return _form(request, actor, lang, node, tree, values, field_errors(exc, labels(lang), lang), INVALID)
    name = directory.get_department(kehu, actor, department_id).name
    return done(request, "/admin/departments", gettext(lang, "Department %(name)s saved") % {"name": name})


@post("/{department_id:int}/delete", sync_to_thread=True)
def department_delete(request: Request, department_id: FromPath[int], data: Form, kehu: KehuDep, actor: ActorDep,
                      lang: LangDep) -> Response:
    try:
        name = directory.delete_department(kehu, actor, department_id)
    except ValidationFailed as exc:  # not empty: say what is left, on the list
        return done(request, "/admin/departments", exc.errors[0].message(lang), kind="error")
    return done(request, "/admin/departments", gettext(lang, "Department %(name)s deleted") % {"name": name})


def _form(request: Request, actor: Any, lang: str, node: directory.DepartmentNode | None,
          tree: list[directory.DepartmentNode], form: dict[str, Any], errors: dict[str, list[str]],
          status: int = 200) -> Response:
    # A department cannot move under itself or its own subtree: those are not offered (and the
    # service refuses them anyway, should an old form post one).
    excluded = subtree(tree, node.id) if node else set()
    parents = [n for n in tree if n.id not in excluded]
    return page(request, "kehu/admin/department_form.html", status=status, actor=actor, lang=lang,
                node=node, parents=department_choices(parents), form=form, errors=errors, labels=labels(lang))


HANDLERS.append(router("/admin/departments", [departments_list, department_new, department_create,
                                              department_edit, department_update, department_delete]))
