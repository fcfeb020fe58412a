"""Explanations for admins: what a user can do, and why an answer is what it is (SPEC G1, G2, H4).

Both read the same engine the hooks use (`kehu_permissions.enforcer`), so an explanation never
disagrees with what the user actually gets:

    caps = what_can(app, "wangfang")          # roles, allowed actions, customer scopes, field access
    answer = why(app, "wangfang", "read", "customer", customer_code="CUS20240501001")
    answer.allowed, [r.message("zh") for r in answer.reasons]

`user` is an `Actor`, a username or a user id.  With `actor=` the caller is checked: reading
another user's rights needs ("read", "policy"); anybody may ask about themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kehu.actors import Actor
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.fields import Access
from kehu.messages import render
from kehu.models import Customer, Department, User
from kehu.query import base_conditions
from kehu_permissions import vocabulary as v
from kehu_permissions.enforcer import ActorView, engine, is_system, role_access
from kehu_permissions.scope import Grant, matches, simplify

# Params that are vocabulary keys, rendered in the reader's language: param -> label table.
_WORDS = {"resource": v.RESOURCE_LABELS, "action": v.ACTION_LABELS, "effect": v.EFFECT_LABELS,
          "scope": v.SCOPE_LABELS, "level": v.LEVEL_LABELS, "access": v.ACCESS_LABELS}


@dataclass(frozen=True)
class Reason:
    """One step of an explanation: a message rule with its params, and the role and effect it is about."""

    rule: str
    params: dict[str, Any] = field(default_factory=dict)
    role: str | None = None
    effect: str | None = None  # "allow" / "deny" for a rule or the verdict; None for facts

    def message(self, lang: str = "zh") -> str:
        words: dict[str, Any] = {}
        for key, value in self.params.items():
            if key in _WORDS:
                words[key] = v.label(_WORDS[key], value, lang)
            elif isinstance(value, dict) and set(value) == {"zh", "en"}:  # a label in both languages
                words[key] = value["en" if lang == "en" else "zh"]
            elif isinstance(value, Reason):  # a nested phrase ("assigned to the department X")
                words[key] = value.message(lang)
            else:
                words[key] = value
        return render(self.rule, lang, **words)


@dataclass(frozen=True)
class Explanation:
    """`why`'s answer: the verdict and the reasons behind it, in order."""

    allowed: bool
    reasons: list[Reason]
    access: str | None = None  # the field's access, when a field was asked about

    def messages(self, lang: str = "zh") -> list[str]:
        return [r.message(lang) for r in self.reasons]


@dataclass(frozen=True)
class RoleHeld:
    key: str
    label_zh: str
    label_en: str
    via: list[str]  # "user" and/or "department:<name>"


@dataclass(frozen=True)
class Capabilities:
    """`what_can`'s answer: everything a user may do, as the hooks will answer it."""

    username: str
    system: bool
    roles: list[RoleHeld]
    allowed: dict[str, list[str]]  # resource -> actions allowed
    denied: dict[str, list[str]]  # resource -> actions not allowed
    scopes: dict[str, list[Grant]]  # customer row action -> the grants reaching rows (empty: no rows)
    fields: dict[str, str]  # field key -> hidden / masked / read / write, for every field


def what_can(app, user: Actor | str | int, *, actor: Actor | None = None) -> Capabilities:
    """Roles (and how they are held), allowed and denied actions, customer scopes, field access."""
    who = _resolve(app, user, actor)
    pairs = [(r, a) for r, actions in v.RESOURCES.items() for a in actions]
    if is_system(who):
        return Capabilities(who.username, True, [], {r: list(a) for r, a in v.RESOURCES.items()}, {},
                            {a: [Grant("", "all", v.LEVELS[-1])] for a in v.ROW_ACTIONS},
                            {k: str(Access.WRITE) for k in _field_keys(app)})
    view = engine(app).view(who)
    allowed: dict[str, list[str]] = {}
    denied: dict[str, list[str]] = {}
    for resource, action in pairs:
        (allowed if view.allowed(resource, action) else denied).setdefault(resource, []).append(action)
    access = view.field_access(app)
    return Capabilities(
        who.username, False, _roles_held(app, view),
        allowed, denied,
        {a: simplify(view.grants(a)) for a in v.ROW_ACTIONS},
        {k: str(access.get(k, Access.WRITE)) for k in _field_keys(app)},
    )


def why(app, user: Actor | str | int, action: str, resource: str, customer_code: str | None = None,
        field: str | None = None, *, actor: Actor | None = None) -> Explanation:
    """Why `user` may or may not `action` on `resource` (a customer, a field of it): a list of reasons."""
    who = _resolve(app, user, actor)
    name = who.username
    if field is not None and field not in _field_keys(app):
        raise ValidationFailed([FieldError("field", "permissions_unknown_field", {"value": field})])
    if is_system(who):
        return Explanation(True, [Reason("permissions_why_system", {"user": name}, effect="allow")],
                           str(Access.WRITE) if field else None)
    view = engine(app).view(who)
    reasons: list[Reason] = _role_reasons(app, view, name)
    allowed = view.allowed(resource, action)
    rules = view.rules(resource, action)
    for p in rules:
        if p.scope and p.level:
            reasons.append(Reason("permissions_why_policy_scope", _rule_params(view, p.role, resource, action)
                                  | {"scope": p.scope, "level": p.level}, role=p.role, effect=p.effect))
        else:
            reasons.append(Reason("permissions_why_policy", _rule_params(view, p.role, resource, action)
                                  | {"effect": p.effect}, role=p.role, effect=p.effect))
    if not rules:
        reasons.append(Reason("permissions_why_no_policy", {"user": name, "resource": resource, "action": action},
                              effect="deny"))
    elif not allowed and any(p.effect == "deny" for p in rules):
        reasons.append(Reason("permissions_why_denied_by", effect="deny"))
    if customer_code is not None and resource == "customer" and allowed:
        allowed = _customer_reasons(app, view, name, action, customer_code, reasons, actor)
    reasons.append(Reason("permissions_why_allowed" if allowed else "permissions_why_not_allowed",
                          effect="allow" if allowed else "deny"))
    access = None
    if field is not None:
        access = _field_reasons(app, view, field, reasons)
    return Explanation(allowed, reasons, access)


# --- pieces --------------------------------------------------------------------------------


def _resolve(app, user: Actor | str | int, actor: Actor | None) -> Actor:
    if isinstance(user, Actor):
        found = user
    else:
        with app.db.read() as session:
            stmt = select(User).where(User.id == user if isinstance(user, int) else User.username == str(user))
            row = session.scalar(stmt)
            if row is None:
                raise NotFound(user=user)
            found = Actor.of(row)
    if actor is not None and actor.id != found.id:
        app.authorize(actor, "read", "policy")
    return found


def _field_keys(app) -> list[str]:
    return [f.key for f in app.fields] + v.contact_keys()


def _department_names(app, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    with app.db.read() as session:
        return dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def _roles_held(app, view: ActorView) -> list[RoleHeld]:
    names = _department_names(app, [d for sources in view.sources.values() for _, d in sources])
    held = []
    for key in sorted(view.sources):
        role = view.snapshot.roles[key]
        via = ["user" if kind == "user" else f"department:{names.get(d, d)}" for kind, d in view.sources[key]]
        held.append(RoleHeld(key, role.label_zh, role.label_en, via))
    return held


def _role_label(view: ActorView, key: str) -> dict[str, str]:
    role = view.snapshot.roles.get(key)
    return {"zh": role.label_zh, "en": role.label_en} if role else {"zh": key, "en": key}


def _rule_params(view: ActorView, role: str, resource: str, action: str) -> dict[str, Any]:
    return {"role": _role_label(view, role), "resource": resource, "action": action}


def _role_reasons(app, view: ActorView, name: str) -> list[Reason]:
    if not view.roles:
        return [Reason("permissions_why_no_roles", {"user": name})]
    reasons = []
    for held in _roles_held(app, view):
        for via in held.via:  # one reason per way the role is held
            nested = (Reason("permissions_why_via_user") if via == "user"
                      else Reason("permissions_why_via_department", {"department": via.partition(":")[2]}))
            reasons.append(Reason("permissions_why_role", {"user": name, "role": _role_label(view, held.key),
                                                           "via": nested}, role=held.key))
    return reasons


def _customer_reasons(app, view: ActorView, name: str, action: str, code: str, reasons: list[Reason],
                      reader: Actor | None) -> bool:
    # Only a customer the person asking (`reader`; None: code or the CLI, trusted) may read is
    # described — a deleted one, or one outside their own view, reads exactly like a missing code:
    # the preview is no way round scopes.
    where = (base_conditions(app, reader, include_hidden=True) if reader is not None
             else [Customer.deleted_at.is_(None)])
    with app.db.read() as session:
        customer = session.scalar(select(Customer).where(Customer.code == code, *where))
        if customer is None:
            reasons.append(Reason("permissions_why_customer_missing", {"code": code}, effect="deny"))
            return False
        reasons.append(Reason("permissions_why_customer", {
            "code": code, "owner": customer.owner.username if customer.owner else "—",
            "department": customer.department.name if customer.department else "—",
            "level": customer.confidentiality}))
        for g in view.grants(action):
            hit = matches([g], view.who, customer)
            reasons.append(Reason("permissions_why_grant_matches" if hit else "permissions_why_grant_misses",
                                  {"role": _role_label(view, g.role), "scope": g.scope, "level": g.level},
                                  role=g.role, effect="allow" if hit else None))
        inside = view.reaches(action, customer)
    if not inside:
        reasons.append(Reason("permissions_why_out_of_scope", {"user": name}, effect="deny"))
    return inside


def _field_reasons(app, view: ActorView, key: str, reasons: list[Reason]) -> str:
    label = {"zh": v.field_label(app, key, "zh"), "en": v.field_label(app, key, "en")}
    customer_roles = set(view.customer_roles())
    category = v.category_of(app, key)
    for role in sorted(view.roles):
        if role not in customer_roles:
            reasons.append(Reason("permissions_why_field_no_customers", {"role": _role_label(view, role)}, role=role))
            continue
        access, rule = role_access(view.snapshot.field_rules.get(role, {}), key, category)
        if rule is None:
            reasons.append(Reason("permissions_why_field_default", {"role": _role_label(view, role), "field": label,
                                                                    "access": str(access)}, role=role))
        else:
            reasons.append(Reason("permissions_why_field", {"role": _role_label(view, role), "field": label,
                                                            "access": str(access), "key": rule}, role=role))
    access = str(view.field_access(app).get(key, Access.WRITE)) if customer_roles else str(Access.HIDDEN)
    reasons.append(Reason("permissions_why_field_result", {"field": label, "access": access}))
    return access
