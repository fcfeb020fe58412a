"""Roles, assignments, rules and field rules as admins change them (SPEC G1, G2, G7, H4).

The admin screens (and `kehu permissions`) call only these.  Every call takes the app and the
acting user and checks ("read", "policy") or ("configure", "policy") first.  Every value is
checked when it is written (known resource types, actions, effects, scopes, levels, field keys,
roles, users, departments) and every refusal is a `ValidationFailed` of field-level errors in
zh-CN and en, nothing written.  A change is one transaction: it bumps the change stamp (other
server processes rebuild their enforcer at their next request), writes the tables and its audit
row(s) — who, when, what, old → new — together; this process forgets its snapshot at once.

    role = create_role(app, admin, {"key": "finance", "label_zh": "财务", "label_en": "Finance"})
    set_policies(app, admin, "finance", [
        {"resource": "customer", "action": "list"},
        {"resource": "customer", "action": "read", "scope": "all", "level": "internal"},
    ])
    set_field_rules(app, admin, "finance", {"*": "read", "id_number": "hidden"})
    assign(app, admin, "finance", department="财务部")
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kehu.actors import SYSTEM_USERNAME, Actor
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.fields import Access
from kehu.models import Department, User
from kehu.timeutil import now
from kehu.validation import Invalid, normalize_text
from kehu_permissions import vocabulary as v
from kehu_permissions.defaults import G1_ROLES
from kehu_permissions.enforcer import engine
from kehu_permissions.models import (
    DESCRIPTION_LENGTH,
    KEY_LENGTH,
    LABEL_LENGTH,
    Assignment,
    AuditEntry,
    FieldRule,
    Policy,
    Role,
    Stamp,
)

READ = ("read", "policy")
CONFIGURE = ("configure", "policy")
ROLE_KEY = re.compile(rf"^[a-z][a-z0-9_]{{1,{KEY_LENGTH - 1}}}$")
SEED_REASON = "G1 默认角色 / G1 default roles"


# --- what callers get ----------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInfo:
    id: int
    resource: str
    action: str
    effect: str
    scope: str | None
    level: str | None

    def plain(self) -> dict[str, Any]:
        return {"resource": self.resource, "action": self.action, "effect": self.effect,
                "scope": self.scope, "level": self.level}


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    role: str
    user_id: int | None
    username: str | None
    department_id: int | None
    department: str | None

    @property
    def target(self) -> str:
        return f"user:{self.username}" if self.user_id is not None else f"department:{self.department}"


@dataclass(frozen=True)
class RoleInfo:
    id: int
    key: str
    label_zh: str
    label_en: str
    description: str | None
    seeded: bool
    policies: list[PolicyInfo] = field(default_factory=list)
    field_rules: dict[str, str] = field(default_factory=dict)
    assignments: list[AssignmentInfo] = field(default_factory=list)

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def plain(self) -> dict[str, Any]:
        """The role as its audit rows record it."""
        return {"key": self.key, "label_zh": self.label_zh, "label_en": self.label_en,
                "description": self.description, "policies": [p.plain() for p in self.policies],
                "field_rules": dict(self.field_rules), "assignments": [a.target for a in self.assignments]}


@dataclass(frozen=True)
class AuditInfo:
    id: int
    at: datetime
    actor: str | None
    action: str
    role: str | None
    target: str | None
    old: Any
    new: Any
    reason: str | None


# --- reading -------------------------------------------------------------------------------


def list_roles(app, actor: Actor) -> list[RoleInfo]:
    """Every role with its rules, field rules and assignments, by key."""
    app.authorize(actor, *READ)
    with app.db.read() as session:
        return [_info(session, role) for role in session.scalars(select(Role).order_by(Role.key))]


def get_role(app, actor: Actor, key: str) -> RoleInfo:
    app.authorize(actor, *READ)
    with app.db.read() as session:
        return _info(session, _role(session, key))


def list_assignments(app, actor: Actor, *, role: str | None = None) -> list[AssignmentInfo]:
    app.authorize(actor, *READ)
    with app.db.read() as session:
        stmt = select(Assignment).order_by(Assignment.id)
        if role is not None:
            stmt = stmt.where(Assignment.role_id == _role(session, role).id)
        return _assignment_infos(session, list(session.scalars(stmt)))


def audit_log(app, actor: Actor, *, role: str | None = None, limit: int = 200) -> list[AuditInfo]:
    """The latest changes, newest first (of one role's when `role` is given)."""
    app.authorize(actor, *READ)
    with app.db.read() as session:
        stmt = (select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_id)
                .order_by(AuditEntry.id.desc()).limit(max(1, min(int(limit), 1000))))
        if role is not None:
            stmt = stmt.where(AuditEntry.role == role)
        return [AuditInfo(e.id, e.at, username, e.action, e.role, e.target, e.old, e.new, e.reason)
                for e, username in session.execute(stmt)]


def vocabulary(app, lang: str = "zh") -> dict[str, Any]:
    """Everything a rule or a field rule may say, with labels in `lang` (for the screens' selects)."""
    return {
        "resources": [{"key": r, "label": v.label(v.RESOURCE_LABELS, r, lang),
                       "actions": [{"key": a, "label": v.label(v.ACTION_LABELS, a, lang)} for a in v.actions_of(r)]}
                      for r in (v.ANY, *v.RESOURCES)],
        "effects": [{"key": e, "label": v.label(v.EFFECT_LABELS, e, lang)} for e in v.EFFECTS],
        "scopes": [{"key": s, "label": v.label(v.SCOPE_LABELS, s, lang)} for s in v.SCOPES],
        "levels": [{"key": lv, "label": v.label(v.LEVEL_LABELS, lv, lang)} for lv in v.LEVELS],
        "access": [{"key": str(a), "label": v.label(v.ACCESS_LABELS, a, lang)} for a in Access],
        "fields": [{"key": k, "label": v.field_label(app, k, lang)} for k in v.field_keys(app)],
    }


# --- roles ---------------------------------------------------------------------------------


def create_role(app, actor: Actor, data: Mapping[str, Any], *, reason: str | None = None) -> RoleInfo:
    """A new role: `key` (fixed afterwards), `label_zh`, `label_en`, `description`; optionally
    its `policies` (as for `set_policies`) and `field_rules` (as for `set_field_rules`)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        return _create_role(app, session, actor, data, reason=reason)


def update_role(app, actor: Actor, key: str, data: Mapping[str, Any], *, reason: str | None = None) -> RoleInfo:
    """Change a role's names and description (the key stays: it is what rules and logs name)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        errors: list[FieldError] = []
        if "key" in data and data["key"] != key:
            errors.append(FieldError("key", "readonly"))
        values = _role_values(data, errors, partial=True)
        if errors:
            raise ValidationFailed(errors)
        old = {k: getattr(role, k) for k in values}
        changed = {k: val for k, val in values.items() if old[k] != val}
        if changed:
            for k, val in changed.items():
                setattr(role, k, val)
            role.updated_at = now()
            _audit(session, actor, "role_update", key, old={k: old[k] for k in changed}, new=changed, reason=reason)
        return _info(session, role)


def delete_role(app, actor: Actor, key: str, *, reason: str | None = None) -> None:
    """Delete a role with its rules, field rules and assignments (the audit row keeps all of them)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        old = _info(session, role).plain()
        session.delete(role)
        session.flush()
        _audit(session, actor, "role_delete", key, old=old, reason=reason)


# --- rules ---------------------------------------------------------------------------------


def set_policies(app, actor: Actor, key: str, policies: Sequence[Mapping[str, Any]], *,
                 reason: str | None = None) -> RoleInfo:
    """Replace all of a role's rules.  A rule: `resource`, `action`, `effect` (allow, the default,
    or deny); an allow rule on customer rows also `scope` and `level` (the highest it reaches)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        _set_policies(session, actor, role, _clean_policies(policies), reason)
        return _info(session, role)


def add_policy(app, actor: Actor, key: str, policy: Mapping[str, Any], *, reason: str | None = None) -> RoleInfo:
    """Add one rule to a role (refused if the role has the same rule already)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        current = [p.plain() for p in _info(session, role).policies]
        cleaned = _clean_policies([policy])
        if cleaned[0] in current:
            raise ValidationFailed([FieldError("policies[0]", "permissions_duplicate_rule")])
        _set_policies(session, actor, role, current + cleaned, reason)
        return _info(session, role)


def remove_policy(app, actor: Actor, key: str, policy_id: int, *, reason: str | None = None) -> RoleInfo:
    """Remove one of a role's rules by its id."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        current = _info(session, role).policies
        if not any(p.id == policy_id for p in current):
            raise NotFound(policy=policy_id)
        _set_policies(session, actor, role, [p.plain() for p in current if p.id != policy_id], reason)
        return _info(session, role)


def set_field_rules(app, actor: Actor, key: str, rules: Mapping[str, str], *, reason: str | None = None) -> RoleInfo:
    """Replace a role's field rules: {field key: hidden | masked | read | write}.

    A key is a customer field (`id_number`), a contact field (`contacts.mobile`), a category of
    SPEC A7 (`@basic`, covering fields added later too) or `*`; the most specific one applies, and
    a field no rule names is writable.  A user holding several roles gets, per field, the most
    any of their customer roles gives (roles additive, as their rules are).
    """
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        _set_field_rules(session, actor, role, _clean_field_rules(app, rules), reason)
        return _info(session, role)


# --- assignments ---------------------------------------------------------------------------


def assign(app, actor: Actor, key: str, *, user: int | str | None = None, department: int | str | None = None,
           reason: str | None = None) -> AssignmentInfo:
    """Give a role to a user (id or username) or to a department (id or name: its members and
    those of every department below it)."""
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        user_row, department_row = _target(session, user, department)
        target = _target_text(user_row, department_row)
        existing = session.scalar(select(Assignment).where(
            Assignment.role_id == role.id,
            Assignment.user_id == user_row.id if user_row else Assignment.department_id == department_row.id))
        if existing is not None:
            raise ValidationFailed([FieldError("user" if user_row else "department", "permissions_already_assigned",
                                               {"role": key, "target": target})])
        row = Assignment(role_id=role.id, user_id=user_row.id if user_row else None,
                         department_id=department_row.id if department_row else None, created_by_id=actor.id)
        session.add(row)
        session.flush()
        _audit(session, actor, "assign", key, target=target, new=target, reason=reason)
        return _assignment_infos(session, [row])[0]


def unassign(app, actor: Actor, key: str, *, user: int | str | None = None, department: int | str | None = None,
             reason: str | None = None) -> None:
    app.authorize(actor, *CONFIGURE)
    with _changing(app) as session:
        role = _role(session, key, lock=True)
        user_row, department_row = _target(session, user, department)
        target = _target_text(user_row, department_row)
        existing = session.scalar(select(Assignment).where(
            Assignment.role_id == role.id,
            Assignment.user_id == user_row.id if user_row else Assignment.department_id == department_row.id))
        if existing is None:
            raise ValidationFailed([FieldError("user" if user_row else "department", "permissions_not_assigned",
                                               {"role": key, "target": target})])
        session.delete(existing)
        _audit(session, actor, "unassign", key, target=target, old=target, reason=reason)


# --- the G1 defaults -----------------------------------------------------------------------


def seed_defaults(app) -> bool:
    """Create the G1 roles on the plugin's first start; True when this call seeded them.

    The change stamp's row marks an installation as seeded, so roles an admin deleted or edited
    stay as the admin left them.  Two processes starting together: one seeds, the other's insert
    of the stamp row fails and it carries on.
    """
    actor = app.system_actor
    try:
        with app.db.write() as session:
            if session.get(Stamp, 1) is not None:
                return False
            session.add(Stamp(id=1, version=1, changed_at=now()))
            session.flush()
            for d in G1_ROLES:
                _create_role(app, session, actor, {
                    "key": d.key, "label_zh": d.label_zh, "label_en": d.label_en, "description": d.description,
                    "policies": list(d.policies), "field_rules": {k: str(a) for k, a in d.field_rules.items()},
                }, reason=SEED_REASON, seeded=True)
    except IntegrityError:  # another process seeded meanwhile
        return False
    engine(app).invalidate()
    return True


# --- internals -----------------------------------------------------------------------------


class _changing:
    """`app.db.write()` that bumps the change stamp first and drops this app's snapshot after commit."""

    def __init__(self, app):
        self.app = app
        self._cm = app.db.write()

    def __enter__(self) -> Session:
        session = self._cm.__enter__()
        bumped = session.execute(update(Stamp).where(Stamp.id == 1)
                                 .values(version=Stamp.version + 1, changed_at=now())).rowcount
        if not bumped:
            session.add(Stamp(id=1, version=1, changed_at=now()))
            session.flush()
        return session

    def __exit__(self, *exc_info):
        try:
            return self._cm.__exit__(*exc_info)
        finally:
            engine(self.app).invalidate()


def _role(session: Session, key: str, *, lock: bool = False) -> Role:
    stmt = select(Role).where(Role.key == key)
    role = session.scalar(stmt.with_for_update() if lock else stmt)
    if role is None:
        raise ValidationFailed([FieldError("role", "permissions_unknown_role", {"value": key})])
    return role


def _create_role(app, session: Session, actor: Actor, data: Mapping[str, Any], *, reason: str | None,
                 seeded: bool = False) -> RoleInfo:
    errors: list[FieldError] = []
    key = data.get("key")
    if not isinstance(key, str) or not ROLE_KEY.match(key):
        errors.append(FieldError("key", "permissions_role_key"))
    elif session.scalar(select(Role.id).where(Role.key == key)) is not None:
        errors.append(FieldError("key", "permissions_role_exists", {"value": key}))
    values = _role_values(data, errors, partial=False)
    policies = rules = None
    try:
        policies = _clean_policies(data.get("policies") or [])
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        rules = _clean_field_rules(app, data.get("field_rules") or {})
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    role = Role(key=key, seeded=seeded, **values)
    session.add(role)
    try:
        session.flush()
    except IntegrityError:  # the same key created by somebody else meanwhile
        raise ValidationFailed([FieldError("key", "permissions_role_exists", {"value": key})]) from None
    _audit(session, actor, "role_create", key, new=values, reason=reason)
    if policies:
        _set_policies(session, actor, role, policies, reason)
    if rules:
        _set_field_rules(session, actor, role, rules, reason)
    return _info(session, role)


def _role_values(data: Mapping[str, Any], errors: list[FieldError], *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, limit, required in (("label_zh", LABEL_LENGTH, True), ("label_en", LABEL_LENGTH, True),
                                 ("description", DESCRIPTION_LENGTH, False)):
        if partial and key not in data:
            continue
        raw = data.get(key)
        if raw is not None and not isinstance(raw, str):
            errors.append(FieldError(key, "not_text"))
            continue
        try:
            text = normalize_text(raw or "", multiline=key == "description")
        except Invalid as exc:
            errors.append(FieldError(key, exc.rule, exc.params))
            continue
        if not text and required:
            errors.append(FieldError(key, "required"))
        elif len(text) > limit:
            errors.append(FieldError(key, "too_long", {"max": limit}))
        values[key] = text or None
    return values


def _clean_policies(policies: Any) -> list[dict[str, Any]]:
    """Checked rules as plain dicts (resource, action, effect, scope, level), or ValidationFailed."""
    if not isinstance(policies, list | tuple):
        raise ValidationFailed([FieldError("policies", "permissions_not_a_list")])
    errors: list[FieldError] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for i, raw in enumerate(policies):
        at = f"policies[{i}]"
        if not isinstance(raw, Mapping):
            errors.append(FieldError(at, "permissions_not_a_list"))
            continue
        rule, errs = _clean_policy(raw, at)
        errors += errs
        if errs:
            continue
        signature = tuple(rule.values())
        if signature in seen:
            errors.append(FieldError(at, "permissions_duplicate_rule"))
            continue
        seen.add(signature)
        cleaned.append(rule)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _text_value(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def _clean_policy(raw: Mapping[str, Any], at: str) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    resource = _text_value(raw, "resource")
    action = _text_value(raw, "action")
    effect = _text_value(raw, "effect") or "allow"
    scope = _text_value(raw, "scope")
    level = _text_value(raw, "level")
    if resource != v.ANY and resource not in v.RESOURCES:
        errors.append(FieldError(f"{at}.resource", "permissions_unknown_resource",
                                 {"value": resource or "", "choices": v.choices((v.ANY, *v.RESOURCES))}))
    elif action not in v.actions_of(resource):
        errors.append(FieldError(f"{at}.action", "permissions_unknown_action",
                                 {"value": action or "", "resource": resource, "choices": v.choices(v.actions_of(resource))}))
    if effect not in v.EFFECTS:
        errors.append(FieldError(f"{at}.effect", "permissions_unknown_effect", {"value": effect}))
    if errors:
        return {}, errors
    if v.needs_scope(effect, resource, action):
        if scope is None or level is None:
            errors.append(FieldError(f"{at}.scope" if scope is None else f"{at}.level", "permissions_scope_required"))
        if scope is not None and scope not in v.SCOPES:
            errors.append(FieldError(f"{at}.scope", "permissions_unknown_scope",
                                     {"value": scope, "choices": v.choices(v.SCOPES)}))
        if level is not None and level not in v.LEVELS:
            errors.append(FieldError(f"{at}.level", "permissions_unknown_level",
                                     {"value": level, "choices": v.choices(v.LEVELS)}))
    elif scope is not None or level is not None:
        errors.append(FieldError(f"{at}.scope" if scope is not None else f"{at}.level",
                                 "permissions_scope_not_applicable"))
    return {"resource": resource, "action": action, "effect": effect, "scope": scope, "level": level}, errors


def _clean_field_rules(app, rules: Any) -> dict[str, str]:
    if not isinstance(rules, Mapping):
        raise ValidationFailed([FieldError("field_rules", "permissions_not_a_mapping")])
    known = set(v.field_keys(app))
    errors: list[FieldError] = []
    cleaned: dict[str, str] = {}
    for key, access in rules.items():
        at = f"field_rules[{key}]"
        if key not in known:
            errors.append(FieldError(at, "permissions_unknown_field", {"value": key}))
        elif str(access) not in {str(a) for a in Access}:
            errors.append(FieldError(at, "permissions_unknown_access",
                                     {"value": access, "choices": v.choices([str(a) for a in Access])}))
        else:
            cleaned[key] = str(Access(str(access)))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _set_policies(session: Session, actor: Actor, role: Role, policies: list[dict[str, Any]],
                  reason: str | None) -> None:
    old = [p.plain() for p in _policies(session, role)]
    if old == policies:
        return
    session.execute(delete(Policy).where(Policy.role_id == role.id))
    session.add_all(Policy(role_id=role.id, resource=p["resource"], action=p["action"], effect=p["effect"],
                           scope=p["scope"], max_level=p["level"]) for p in policies)
    session.flush()
    _audit(session, actor, "policies_set", role.key, old=old, new=policies, reason=reason)


def _set_field_rules(session: Session, actor: Actor, role: Role, rules: dict[str, str], reason: str | None) -> None:
    old = _field_rules(session, role)
    if old == rules:
        return
    session.execute(delete(FieldRule).where(FieldRule.role_id == role.id))
    session.add_all(FieldRule(role_id=role.id, field=k, access=a) for k, a in rules.items())
    session.flush()
    _audit(session, actor, "field_rules_set", role.key, old=old, new=rules, reason=reason)


def _target(session: Session, user: int | str | None, department: int | str | None) -> tuple[User | None, Department | None]:
    if (user is None) == (department is None):
        raise ValidationFailed([FieldError("", "permissions_assign_target")])
    if user is not None:
        found = session.get(User, user) if isinstance(user, int) else session.scalar(
            select(User).where(User.username == str(user)))
        if found is None or not found.is_active:
            raise ValidationFailed([FieldError("user", "unknown_user", {"value": user})])
        if found.username == SYSTEM_USERNAME:
            raise ValidationFailed([FieldError("user", "permissions_system_user")])
        return found, None
    found_dept = session.get(Department, department) if isinstance(department, int) else session.scalar(
        select(Department).where(Department.name == str(department)))
    if found_dept is None:
        raise ValidationFailed([FieldError("department", "unknown_department", {"value": department})])
    return None, found_dept


def _target_text(user: User | None, department: Department | None) -> str:
    return f"user:{user.username}" if user is not None else f"department:{department.name}"


def _audit(session: Session, actor: Actor, action: str, role: str | None, *, target: str | None = None,
           old: Any = None, new: Any = None, reason: str | None = None) -> None:
    session.add(AuditEntry(at=now(), actor_id=actor.id, action=action, role=role, target=target, old=old, new=new,
                           reason=reason or None))


def _policies(session: Session, role: Role) -> list[PolicyInfo]:
    return [PolicyInfo(p.id, p.resource, p.action, p.effect, p.scope, p.max_level)
            for p in session.scalars(select(Policy).where(Policy.role_id == role.id).order_by(Policy.id))]


def _field_rules(session: Session, role: Role) -> dict[str, str]:
    return {r.field: r.access for r in session.scalars(
        select(FieldRule).where(FieldRule.role_id == role.id).order_by(FieldRule.field))}


def _assignment_infos(session: Session, rows: list[Assignment]) -> list[AssignmentInfo]:
    users = {u.id: u.username for u in session.scalars(
        select(User).where(User.id.in_({a.user_id for a in rows if a.user_id is not None})))}
    depts = {d.id: d.name for d in session.scalars(
        select(Department).where(Department.id.in_({a.department_id for a in rows if a.department_id is not None})))}
    keys = dict(session.execute(select(Role.id, Role.key).where(Role.id.in_({a.role_id for a in rows}))).all())
    return [AssignmentInfo(a.id, keys[a.role_id], a.user_id, users.get(a.user_id), a.department_id,
                           depts.get(a.department_id)) for a in rows]


def _info(session: Session, role: Role) -> RoleInfo:
    assignments = list(session.scalars(select(Assignment).where(Assignment.role_id == role.id).order_by(Assignment.id)))
    return RoleInfo(role.id, role.key, role.label_zh, role.label_en, role.description, role.seeded,
                    _policies(session, role), _field_rules(session, role), _assignment_infos(session, assignments))
