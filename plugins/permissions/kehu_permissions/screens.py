"""The admin screens of the permissions plugin (issue 4; SPEC G1, G2, G7, H4).

Admins configure roles, their rules and field rules, and who holds them, on screens, and ask
"what can X see and do?" and "why can / can't X ...?".  Handlers only translate forms into
`kehu_permissions.service` / `explain` calls: validation, permission checks (("read", "policy")
to look, ("configure", "policy") to change) and the audit log are the service's.  Every change
is Post/Redirect/Get with a flash message; input the service refuses is shown again (422) with
each message next to its field and the input kept, nothing written.

    GET  /admin/permissions                                  roles (holders, seeded marker), create form
    POST /admin/permissions                                  create a role
    GET  /admin/permissions/roles/{role_key}                 a role: names, rules, field rules, holders
    POST /admin/permissions/roles/{role_key}                 change its names / description
    POST /admin/permissions/roles/{role_key}/policies        add a rule
    POST /admin/permissions/roles/{role_key}/policies/{policy_id}/remove   remove a rule
    POST /admin/permissions/roles/{role_key}/fields          replace its field rules
    GET  /admin/permissions/roles/{role_key}/delete          confirm
    POST /admin/permissions/roles/{role_key}/delete          delete
    POST /admin/permissions/assign | /unassign               give / take a role (user or department)
    GET  /admin/permissions/users?user=…                     one user's roles
    GET  /admin/permissions/departments?department=…         one department's roles
    GET  /admin/permissions/preview?user=…                   what can X see and do?
    GET  /admin/permissions/why?user=…&action=…&resource=…   why can / can't X …?
    GET  /admin/permissions/audit?role=…                     the audit log, newest first

Handlers are async and work off the event loop (`off_loop`): Litestar 2.25 answers 500 when a
`sync_to_thread` GET shares its path with a POST.  They are mounted on core's admin `router`,
which answers refusals (403) and unknown records (404) with HTML pages.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import select

from kehu.errors import KehuError, NotFound, ValidationFailed
from kehu.fields import CATEGORIES
from kehu.i18n import N_, gettext
from kehu.models import Department, User
from kehu.slots import MenuItem
from kehu.web.auth import flash
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens.admin import router
from kehu.web.screens.forms import text_of, whole_number
from kehu.web.screens.render import off_loop, page
from kehu_permissions import explain, service
from kehu_permissions import vocabulary as v

ROOT = "/admin/permissions"
RoleKey = FromPath[str]
PolicyId = FromPath[int]
INVALID = 422

MENU = MenuItem(N_("Roles and policies"), ROOT, order=850, permission=service.READ, admin=True)

# What the audit log's actions are, in words (English msgids; the plugin's catalog translates).
AUDIT_ACTIONS = {
    "role_create": N_("role created"),
    "role_update": N_("role changed"),
    "role_delete": N_("role deleted"),
    "policies_set": N_("rules changed"),
    "field_rules_set": N_("field rules changed"),
    "assign": N_("role assigned"),
    "unassign": N_("role taken away"),
}
ROLE_FIELDS = ("key", "label_zh", "label_en", "description", "reason")
POLICY_FIELDS = ("resource", "action", "effect", "scope", "level", "reason")


# --- helpers -------------------------------------------------------------------------------


def _form_key(name: str) -> str:
    """The form field an error of the service names: "policies[0].action" → "action",
    "field_rules[id_number]" → "rule:id_number"; errors about the whole form → ""."""
    if name.startswith("field_rules[") and name.endswith("]"):
        return "rule:" + name[len("field_rules["):-1]
    last = name.rsplit(".", 1)[-1]
    if "[" in last:
        return ""
    return last


def _errors(exc: ValidationFailed, lang: str) -> dict[str, list[str]]:
    """The refusal's messages by form field, in `lang` (the shape of core's `_forms.html`)."""
    out: dict[str, list[str]] = {}
    for e in exc.errors:
        out.setdefault(_form_key(e.field), []).append(e.message(lang, label=v.error_label(e.field, lang)))
    return out


def _done(request: Request, text: str, to: str) -> Response:
    flash(request, "success", text)
    return Redirect(to, status_code=303)


def _refused(request: Request, exc: KehuError, lang: str, to: str = ROOT) -> Response:
    """A refusal no field of the form can show (a role deleted meanwhile, ...): a flash."""
    flash(request, "error", exc.message(lang))
    return Redirect(to, status_code=303)


def _role_url(key: str) -> str:
    return f"{ROOT}/roles/{key}"


def _users(kehu) -> list[dict[str, Any]]:
    """Active users (not the system user) for the selects."""
    from kehu.actors import SYSTEM_USERNAME

    with kehu.db.read() as session:
        rows = session.scalars(select(User).where(User.is_active.is_(True), User.username != SYSTEM_USERNAME)
                               .order_by(User.username))
        return [{"id": u.id, "username": u.username, "display_name": u.display_name or u.username,
                 "department_id": u.department_id} for u in rows]


def _departments(kehu) -> list[dict[str, Any]]:
    """Departments in tree order, each with its depth (for indented selects)."""
    with kehu.db.read() as session:
        rows = session.execute(select(Department.id, Department.name, Department.parent_id)).all()
    children: dict[int | None, list[Any]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r.name):
            out.append({"id": row.id, "name": row.name, "parent_id": row.parent_id, "depth": depth,
                        "indented": "\u3000" * depth + row.name})
            walk(row.id, depth + 1)

    walk(None, 0)
    known = {d["id"] for d in out}
    out += [{"id": r.id, "name": r.name, "parent_id": None, "depth": 0, "indented": r.name}
            for r in rows if r.id not in known]
    return out


def _may_configure(kehu, actor) -> bool:
    return kehu.allowed(actor, *service.CONFIGURE)


def _labels(lang: str) -> dict[str, str]:
    return {k: gettext(lang, msgid) for k, msgid in v.INPUT_LABELS.items()}


def _policy_rows(policies: list[service.PolicyInfo], lang: str) -> list[dict[str, Any]]:
    return [{"id": p.id, "resource": v.label(v.RESOURCE_LABELS, p.resource, lang), "resource_key": p.resource,
             "action": v.label(v.ACTION_LABELS, p.action, lang), "action_key": p.action,
             "effect": v.label(v.EFFECT_LABELS, p.effect, lang), "effect_key": p.effect,
             "scope": v.label(v.SCOPE_LABELS, p.scope, lang), "level": v.label(v.LEVEL_LABELS, p.level, lang)}
            for p in policies]


def _field_groups(kehu, lang: str, keys: list[str]) -> list[dict[str, Any]]:
    """Field keys grouped: first `*` and the categories, then each of the five categories' fields."""
    general = [k for k in keys if k == v.ANY or k.startswith(v.CATEGORY_PREFIX)]
    groups = [{"key": "", "label": gettext(lang, N_("All fields and whole categories")), "fields": general}]
    by_category: dict[str, list[str]] = {}
    for k in keys:
        if k not in general:
            by_category.setdefault(v.category_of(kehu, k) or "", []).append(k)
    for c in CATEGORIES:
        if by_category.get(c):
            groups.append({"key": c, "label": CATEGORIES.label(c, lang), "fields": by_category[c]})
    if by_category.get(""):
        groups.append({"key": "other", "label": gettext(lang, N_("Other")), "fields": by_category[""]})
    return [{**g, "fields": [{"key": k, "label": v.field_label(kehu, k, lang)} for k in g["fields"]]}
            for g in groups]


def _options(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["key"], e["label"]) for e in entries]


def _all_actions(lang: str) -> list[tuple[str, str]]:
    return [(a, f"{v.label(v.ACTION_LABELS, a, lang)} ({a})") for a in v.actions_of(v.ANY)]


def _via(via: str, lang: str) -> str:
    if via == "user":
        return gettext(lang, N_("assigned to the user"))
    return gettext(lang, N_("through the department {name}")).format(name=via.partition(":")[2])


def _json(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- the roles -----------------------------------------------------------------------------


def _index(request: Request, kehu, actor, lang: str, form: dict[str, str] | None = None,
           errors: dict[str, list[str]] | None = None, status: int = 200) -> Response:
    roles = service.list_roles(kehu, actor)
    rows = [{"key": r.key, "label": r.label(lang), "other_label": r.label("zh" if lang == "en" else "en"),
             "description": r.description, "seeded": r.seeded, "rules": len(r.policies),
             "users": sum(1 for a in r.assignments if a.user_id is not None),
             "departments": sum(1 for a in r.assignments if a.department_id is not None)} for r in roles]
    return page(request, "kehu_permissions/roles.html", status=status, actor=actor, lang=lang, roles=rows,
                may_configure=_may_configure(kehu, actor), form=form or {k: "" for k in ROLE_FIELDS},
                errors=errors or {}, labels=_labels(lang), tab="roles")


@get(ROOT, include_in_schema=False)
async def roles_index(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_index, request, kehu, actor, lang)


@post(ROOT, include_in_schema=False)
async def role_create(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_create, request, kehu, actor, lang, form)


def _create(request: Request, kehu, actor, lang: str, form: Any) -> Response:
    values = {k: text_of(form, k) for k in ROLE_FIELDS}
    try:
        role = service.create_role(kehu, actor, {k: values[k] for k in ROLE_FIELDS if k != "reason"},
                                   reason=values["reason"] or None)
    except ValidationFailed as exc:
        return _index(request, kehu, actor, lang, values, _errors(exc, lang), INVALID)
    return _done(request, gettext(lang, "Role {name} was created.").format(name=role.label(lang)),
                 _role_url(role.key))


# --- one role ------------------------------------------------------------------------------


def _role_page(request: Request, kehu, actor, lang: str, key: str, *, edit: dict[str, str] | None = None,
               policy: dict[str, str] | None = None, rules: dict[str, str] | None = None,
               assign: dict[str, str] | None = None, errors: dict[str, dict[str, list[str]]] | None = None,
               status: int = 200) -> Response:
    try:
        role = service.get_role(kehu, actor, key)
    except ValidationFailed:
        raise NotFound(role=key) from None  # core's 404 page
    vocab = service.vocabulary(kehu, lang)
    keys = [f["key"] for f in vocab["fields"]]
    current = rules if rules is not None else dict(role.field_rules)
    return page(
        request, "kehu_permissions/role.html", status=status, actor=actor, lang=lang, tab="roles",
        role=role, role_label=role.label(lang), policies=_policy_rows(role.policies, lang),
        may_configure=_may_configure(kehu, actor),
        resources=_options(vocab["resources"]), actions=_all_actions(lang), effects=_options(vocab["effects"]),
        scopes=_options(vocab["scopes"]), levels=_options(vocab["levels"]), access=_options(vocab["access"]),
        groups=_field_groups(kehu, lang, keys), rules=current,
        unknown_rules={k: a for k, a in current.items() if k not in keys},
        users=[(str(u["id"]), f'{u["display_name"]} ({u["username"]})') for u in _users(kehu)],
        departments=[(str(d["id"]), d["indented"]) for d in _departments(kehu)],
        assignments=role.assignments,
        edit=edit or {"label_zh": role.label_zh, "label_en": role.label_en, "description": role.description or "",
                      "reason": ""},
        policy=policy or {"resource": "customer", "action": "", "effect": "allow", "scope": "", "level": "",
                          "reason": ""},
        assign=assign or {"user": "", "department": "", "reason": ""},
        errors={"edit": {}, "policy": {}, "rules": {}, "assign": {}, **(errors or {})}, labels=_labels(lang),
    )


@get(ROOT + "/roles/{role_key:str}", include_in_schema=False)
async def role_screen(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep,
                      lang: LangDep) -> Response:
    return await off_loop(_role_page, request, kehu, actor, lang, role_key)


@post(ROOT + "/roles/{role_key:str}", include_in_schema=False)
async def role_update(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep,
                      lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_update, request, kehu, actor, lang, role_key, form)


def _update(request: Request, kehu, actor, lang: str, key: str, form: Any) -> Response:
    edit = {k: text_of(form, k) for k in ("label_zh", "label_en", "description", "reason")}
    try:
        before = service.get_role(kehu, actor, key)
        changes = {k: edit[k] for k in ("label_zh", "label_en", "description")
                   if edit[k] != (getattr(before, k) or "")}
        if not changes:
            flash(request, "info", gettext(lang, "Nothing was changed."))
            return Redirect(_role_url(key), status_code=303)
        role = service.update_role(kehu, actor, key, changes, reason=edit["reason"] or None)
    except ValidationFailed as exc:
        if any(e.field == "role" for e in exc.errors):
            return _refused(request, exc, lang)
        return _role_page(request, kehu, actor, lang, key, edit=edit, errors={"edit": _errors(exc, lang)},
                          status=INVALID)
    return _done(request, gettext(lang, "Role {name} was saved.").format(name=role.label(lang)), _role_url(key))


@post(ROOT + "/roles/{role_key:str}/policies", include_in_schema=False)
async def policy_add(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_add_policy, request, kehu, actor, lang, role_key, form)


def _add_policy(request: Request, kehu, actor, lang: str, key: str, form: Any) -> Response:
    policy = {k: text_of(form, k) for k in POLICY_FIELDS}
    try:
        role = service.add_policy(kehu, actor, key, {k: policy[k] or None for k in POLICY_FIELDS if k != "reason"},
                                  reason=policy["reason"] or None)
    except ValidationFailed as exc:
        if any(e.field == "role" for e in exc.errors):
            return _refused(request, exc, lang)
        return _role_page(request, kehu, actor, lang, key, policy=policy, errors={"policy": _errors(exc, lang)},
                          status=INVALID)
    return _done(request, gettext(lang, "The rule was added to the role {name}.").format(name=role.label(lang)),
                 _role_url(key))


@post(ROOT + "/roles/{role_key:str}/policies/{policy_id:int}/remove", include_in_schema=False)
async def policy_remove(request: Request, role_key: RoleKey, policy_id: PolicyId, kehu: KehuDep, actor: ActorDep,
                        lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_remove_policy, request, kehu, actor, lang, role_key, policy_id, form)


def _remove_policy(request: Request, kehu, actor, lang: str, key: str, policy_id: int, form: Any) -> Response:
    try:
        role = service.remove_policy(kehu, actor, key, policy_id, reason=text_of(form, "reason") or None)
    except (ValidationFailed, NotFound) as exc:  # the role or the rule is gone meanwhile
        return _refused(request, exc, lang, _role_url(key) if isinstance(exc, NotFound) else ROOT)
    return _done(request, gettext(lang, "The rule was removed from the role {name}.").format(name=role.label(lang)),
                 _role_url(key))


@post(ROOT + "/roles/{role_key:str}/fields", include_in_schema=False)
async def field_rules_set(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep,
                          lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_set_field_rules, request, kehu, actor, lang, role_key, form)


def _set_field_rules(request: Request, kehu, actor, lang: str, key: str, form: Any) -> Response:
    # One select per field key, named "rule:<key>"; an empty choice means "no rule".
    rules = {name[len("rule:"):]: text_of(form, name) for name in form.keys() if name.startswith("rule:")}
    rules = {k: a for k, a in rules.items() if a}
    try:
        role = service.set_field_rules(kehu, actor, key, rules, reason=text_of(form, "reason") or None)
    except ValidationFailed as exc:
        if any(e.field == "role" for e in exc.errors):
            return _refused(request, exc, lang)
        return _role_page(request, kehu, actor, lang, key, rules=rules, errors={"rules": _errors(exc, lang)},
                          status=INVALID)
    return _done(request, gettext(lang, "The field rules of the role {name} were saved.").format(name=role.label(lang)),
                 _role_url(key))


def _confirm_delete(request: Request, kehu, actor, lang: str, key: str) -> Response:
    kehu.authorize(actor, *service.CONFIGURE)  # no question the reader could not act on
    try:
        role = service.get_role(kehu, actor, key)
    except ValidationFailed:
        raise NotFound(role=key) from None
    return page(request, "kehu_permissions/role_delete.html", actor=actor, lang=lang, tab="roles", role=role,
                role_label=role.label(lang), rules=len(role.policies), holders=len(role.assignments))


@get(ROOT + "/roles/{role_key:str}/delete", include_in_schema=False)
async def role_confirm_delete(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep,
                              lang: LangDep) -> Response:
    return await off_loop(_confirm_delete, request, kehu, actor, lang, role_key)


@post(ROOT + "/roles/{role_key:str}/delete", include_in_schema=False)
async def role_delete(request: Request, role_key: RoleKey, kehu: KehuDep, actor: ActorDep,
                      lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_delete, request, kehu, actor, lang, role_key, form)


def _delete(request: Request, kehu, actor, lang: str, key: str, form: Any) -> Response:
    try:
        service.delete_role(kehu, actor, key, reason=text_of(form, "reason") or None)
    except ValidationFailed as exc:
        return _refused(request, exc, lang)
    return _done(request, gettext(lang, "Role {key} was deleted.").format(key=key), ROOT)


# --- assignments ---------------------------------------------------------------------------


@post(ROOT + "/assign", include_in_schema=False)
async def role_assign(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_assignment, request, kehu, actor, lang, form, True)


@post(ROOT + "/unassign", include_in_schema=False)
async def role_unassign(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    form = await request.form()
    return await off_loop(_assignment, request, kehu, actor, lang, form, False)


def _assignment(request: Request, kehu, actor, lang: str, form: Any, giving: bool) -> Response:
    """Give or take a role; the form says which screen it came from (`back`: role, user or department)."""
    values = {k: text_of(form, k) for k in ("role", "user", "department", "reason", "back")}
    back = values["back"] if values["back"] in ("role", "user", "department") else "role"
    user = whole_number(values["user"]) if values["user"] else None
    department = whole_number(values["department"]) if values["department"] else None
    if back == "role":
        to = _role_url(values["role"]) if values["role"] else ROOT
    elif back == "user":
        to = f"{ROOT}/users?" + urlencode({"user": values["user"]})
    else:
        to = f"{ROOT}/departments?" + urlencode({"department": values["department"]})
    call = service.assign if giving else service.unassign
    try:
        call(kehu, actor, values["role"],
             user=user if user is not None else (values["user"] or None),
             department=department if department is not None else (values["department"] or None),
             reason=values["reason"] or None)
    except ValidationFailed as exc:
        if not giving:
            return _refused(request, exc, lang, to)
        errors = _errors(exc, lang)
        if back == "role":
            if any(e.field == "role" for e in exc.errors):
                return _refused(request, exc, lang)
            return _role_page(request, kehu, actor, lang, values["role"], assign=values, errors={"assign": errors},
                              status=INVALID)
        return _holder_page(request, kehu, actor, lang, back, values["user"] if back == "user" else values["department"],
                            form=values, errors=errors, status=INVALID)
    text = (gettext(lang, "The role {role} was assigned.") if giving
            else gettext(lang, "The role {role} was taken away.")).format(role=values["role"])
    return _done(request, text, to)


def _holder_page(request: Request, kehu, actor, lang: str, kind: str, chosen: str, *,
                 form: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
                 status: int = 200) -> Response:
    """One user's (kind "user") or one department's roles, with forms to add and remove them."""
    roles = service.list_roles(kehu, actor)
    users = _users(kehu)
    departments = _departments(kehu)
    selected = whole_number(chosen) if chosen else None
    holder = None
    held: list[dict[str, Any]] = []
    inherited: list[dict[str, Any]] = []
    if selected is not None:
        if kind == "user":
            holder = next((u for u in users if u["id"] == selected), None)
        else:
            holder = next((d for d in departments if d["id"] == selected), None)
    if holder is not None:
        attr = "user_id" if kind == "user" else "department_id"
        for r in roles:
            if any(getattr(a, attr) == selected for a in r.assignments):
                held.append({"key": r.key, "label": r.label(lang)})
        if kind == "user":  # roles the user holds through a department: shown, changed on the department
            caps = explain.what_can(kehu, selected, actor=actor)
            for h in caps.roles:
                for via in h.via:
                    if via != "user":
                        inherited.append({"key": h.key, "label": h.label_en if lang == "en" else h.label_zh,
                                          "via": _via(via, lang)})
        else:  # roles of the departments above reach this one's members too
            by_id = {d["id"]: d for d in departments}
            above = []
            parent = holder["parent_id"]
            while parent is not None and parent in by_id and parent not in above:
                above.append(parent)
                parent = by_id[parent]["parent_id"]
            for r in roles:
                for a in r.assignments:
                    if a.department_id in above:
                        inherited.append({"key": r.key, "label": r.label(lang),
                                          "via": _via(f"department:{a.department}", lang)})
    held_keys = {h["key"] for h in held}
    return page(request, "kehu_permissions/holder.html", status=status, actor=actor, lang=lang,
                tab="users" if kind == "user" else "departments", kind=kind, holder=holder,
                chosen=chosen, held=held, inherited=inherited, may_configure=_may_configure(kehu, actor),
                users=[(str(u["id"]), f'{u["display_name"]} ({u["username"]})') for u in users],
                departments=[(str(d["id"]), d["indented"]) for d in departments],
                offered=[(r.key, f"{r.label(lang)} ({r.key})") for r in roles if r.key not in held_keys],
                form=form or {"role": "", "reason": ""}, errors=errors or {}, labels=_labels(lang))


@get(ROOT + "/users", include_in_schema=False)
async def user_roles(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_holder_page, request, kehu, actor, lang, "user", request.query_params.get("user", ""))


@get(ROOT + "/departments", include_in_schema=False)
async def department_roles(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_holder_page, request, kehu, actor, lang, "department",
                          request.query_params.get("department", ""))


# --- preview: what can X do, and why -------------------------------------------------------


def _preview(request: Request, kehu, actor, lang: str, chosen: str) -> Response:
    kehu.authorize(actor, *service.READ)
    users = _users(kehu)
    caps = None
    errors: dict[str, list[str]] = {}
    view: dict[str, Any] = {}
    if chosen:
        try:
            caps = explain.what_can(kehu, chosen, actor=actor)
        except NotFound:
            errors = {"user": [gettext(lang, "There is no user {name}.").format(name=chosen)]}
    if caps is not None:
        resources = sorted(set(caps.allowed) | set(caps.denied), key=lambda r: list(v.RESOURCES).index(r))
        view = {
            "username": caps.username, "system": caps.system,
            "roles": [{"key": h.key, "label": h.label_en if lang == "en" else h.label_zh,
                       "via": [_via(x, lang) for x in h.via]} for h in caps.roles],
            "resources": [{"label": v.label(v.RESOURCE_LABELS, r, lang),
                           "allowed": [v.label(v.ACTION_LABELS, a, lang) for a in caps.allowed.get(r, [])],
                           "denied": [v.label(v.ACTION_LABELS, a, lang) for a in caps.denied.get(r, [])]}
                          for r in resources],
            "scopes": [{"action": v.label(v.ACTION_LABELS, a, lang),
                        "grants": [{"role": g.role, "scope": v.label(v.SCOPE_LABELS, g.scope, lang),
                                    "level": v.label(v.LEVEL_LABELS, g.level, lang)} for g in grants]}
                       for a, grants in caps.scopes.items()],
            "groups": [{**g, "fields": [{**f, "access": v.label(v.ACCESS_LABELS, caps.fields.get(f["key"]), lang),
                                         "access_key": caps.fields.get(f["key"])} for f in g["fields"]]}
                       for g in _field_groups(kehu, lang, list(caps.fields)) if g["fields"]],
        }
    return page(request, "kehu_permissions/preview.html", status=422 if errors else 200, actor=actor, lang=lang,
                tab="preview", chosen=chosen, caps=view if caps is not None else None, errors=errors,
                users=[(u["username"], f'{u["display_name"]} ({u["username"]})') for u in users])


@get(ROOT + "/preview", include_in_schema=False)
async def preview(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_preview, request, kehu, actor, lang, request.query_params.get("user", "").strip())


def _why(request: Request, kehu, actor, lang: str, query: dict[str, str]) -> Response:
    kehu.authorize(actor, *service.READ)
    vocab = service.vocabulary(kehu, lang)
    answer = None
    errors: dict[str, list[str]] = {}
    if query["user"]:
        try:
            explanation = explain.why(kehu, query["user"], query["action"] or "read", query["resource"] or "customer",
                                      customer_code=query["customer"] or None, field=query["field"] or None,
                                      actor=actor)
        except NotFound:
            errors = {"user": [gettext(lang, "There is no user {name}.").format(name=query["user"])]}
        except ValidationFailed as exc:
            errors = _errors(exc, lang)
        else:
            answer = {"allowed": explanation.allowed, "reasons": explanation.messages(lang),
                      "access": v.label(v.ACCESS_LABELS, explanation.access, lang) if explanation.access else None}
    return page(request, "kehu_permissions/why.html", status=422 if errors else 200, actor=actor, lang=lang,
                tab="why", query=query, answer=answer, errors=errors, labels=_labels(lang),
                users=[(u["username"], f'{u["display_name"]} ({u["username"]})') for u in _users(kehu)],
                resources=[(r["key"], r["label"]) for r in vocab["resources"] if r["key"] != v.ANY],
                actions=[(a, l) for a, l in _all_actions(lang) if a != v.ANY],
                fields=[(f["key"], f'{f["label"]} ({f["key"]})') for f in vocab["fields"]
                        if f["key"] != v.ANY and not f["key"].startswith(v.CATEGORY_PREFIX)])


@get(ROOT + "/why", include_in_schema=False)
async def why(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    query = {k: request.query_params.get(k, "").strip() for k in ("user", "action", "resource", "customer", "field")}
    query["resource"] = query["resource"] or "customer"
    query["action"] = query["action"] or "read"
    return await off_loop(_why, request, kehu, actor, lang, query)


# --- the audit log -------------------------------------------------------------------------


def _audit(request: Request, kehu, actor, lang: str, role: str) -> Response:
    entries = service.audit_log(kehu, actor, role=role or None)
    roles = service.list_roles(kehu, actor)
    rows = [{"at": e.at, "actor": e.actor or "—", "action": v.label(AUDIT_ACTIONS, e.action, lang),
             "role": e.role or "", "target": e.target or "", "old": _json(e.old), "new": _json(e.new),
             "reason": e.reason or ""} for e in entries]
    return page(request, "kehu_permissions/audit.html", actor=actor, lang=lang, tab="audit", rows=rows, role=role,
                roles=[(r.key, f"{r.label(lang)} ({r.key})") for r in roles])


@get(ROOT + "/audit", include_in_schema=False)
async def audit(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    return await off_loop(_audit, request, kehu, actor, lang, request.query_params.get("role", "").strip())


HANDLERS = [roles_index, role_create, role_screen, role_update, policy_add, policy_remove, field_rules_set,
            role_confirm_delete, role_delete, role_assign, role_unassign, user_roles, department_roles, preview,
            why, audit]


def routes() -> list[Any]:
    """The screens under /admin/permissions, answering refusals and unknown records with HTML pages."""
    return [router("/", HANDLERS)]
