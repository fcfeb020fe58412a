"""The enforcement: Casbin decides "may do", compiled scopes decide "which rows" (SPEC G1, G2, H4).

One `Engine` per app holds a `Snapshot` of the plugin's tables (roles, rules, field rules,
assignments) and of the department tree, read in a few queries and rebuilt only when the change
stamp (`permission_stamp.version`) or the department tree moved.  The check costs two small
queries and runs once per request: every request builds a new `kehu.actors.Actor` (kehu.web.auth),
and the engine remembers, per Actor object, that it checked it; an Actor kept longer (a CLI run,
a job) is checked again after `MAX_AGE` seconds.  A change made through this process's service
drops the snapshot at once; one made by another process is seen at its next request.

"May do" — Casbin (pycasbin), RBAC with explicit allow and deny-override (`MODEL`): the subject
is the user, linked by `g` to each of their roles; a rule is `p, role:<key>, resource, action,
allow|deny`, with `*` for any resource or action.  An empty policy denies everything.  Casbin's
plain `Enforcer` scans every rule on each check (61 checks/s at 10,000 rules, measured), and
its `FastEnforcer` filters the shared policy in place, which is neither thread-safe nor compatible
with `g` and `*`.  So each distinct *set of roles* gets its own small enforcer, loaded through
`RowsAdapter` with only those roles' rules, and each (role set, resource, action) decision is
kept until the snapshot changes: a check is a dict lookup, a miss scans tens of rules.

Roles of a user: those assigned to the user, plus those assigned to their department or to any
department above it (a role for 销售中心 reaches everyone in 华东销售部).  The system user
(`kehu.actors.SYSTEM_USERNAME`, used by the CLI and jobs) is never restricted.

Casbin logs the model and the whole policy at INFO on every load; `quiet_casbin` raises its
loggers' levels (INFO records are dropped, also after an application configured logging).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import casbin
from casbin import persist
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kehu.actors import SYSTEM_USERNAME
from kehu.fields import Access
from kehu.models import Department
from kehu_permissions.models import Assignment, FieldRule, Policy, Role, Stamp
from kehu_permissions.scope import Grant, Who, condition, matches
from kehu_permissions.vocabulary import ACCESS_ORDER, ANY, CATEGORY_PREFIX, CONTACT_PREFIX, category_of, contact_keys

# RBAC, explicit allow and deny, deny overrides (https://casbin.org/docs/syntax-for-models).
MODEL = """
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && (p.obj == r.obj || p.obj == "*") && (p.act == r.act || p.act == "*")
"""
SUBJECT = "user"  # the one subject of a role set's enforcer, linked to each of its roles
MAX_AGE = 1.0  # seconds an Actor object kept across requests trusts its last check
MAX_ROLE_SETS = 1024  # enforcers kept per snapshot before the cache starts afresh

CASBIN_LOGGERS = {"casbin": logging.WARNING, "casbin.policy": logging.WARNING, "casbin.role": logging.WARNING,
                  # denied checks are logged at WARNING: they are normal answers here, not problems
                  "casbin.enforcer": logging.ERROR}


def quiet_casbin() -> None:
    """Keep the policy out of the logs: Casbin prints model, rules and role links at INFO."""
    for name, level in CASBIN_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level < level:
            logger.setLevel(level)


def is_system(actor: Any) -> bool:
    return getattr(actor, "username", None) == SYSTEM_USERNAME


# --- rows read from the tables -------------------------------------------------------------


@dataclass(frozen=True)
class RoleRow:
    id: int
    key: str
    label_zh: str
    label_en: str
    description: str | None
    seeded: bool

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class PolicyRow:
    id: int
    role: str
    resource: str
    action: str
    effect: str
    scope: str | None
    level: str | None

    def casbin_line(self) -> str:
        return f"p, role:{self.role}, {self.resource}, {self.action}, {self.effect}"

    def about(self, resource: str, action: str) -> bool:
        return self.resource in (resource, ANY) and self.action in (action, ANY)


class RowsAdapter(persist.Adapter):
    """A Casbin adapter serving rules already read from the plugin's tables (read-only).

    Changes go through `kehu_permissions.service`, which writes the tables and the audit log in
    one transaction; enforcers are rebuilt from the tables, never saved back.
    """

    def __init__(self, lines: Iterable[str]):
        self.lines = list(lines)

    def load_policy(self, model) -> None:
        for line in self.lines:
            persist.load_policy_line(line, model)

    def save_policy(self, model) -> bool:
        raise NotImplementedError("policies are changed through kehu_permissions.service")

    def add_policy(self, sec, ptype, rule) -> None:
        raise NotImplementedError("policies are changed through kehu_permissions.service")

    def remove_policy(self, sec, ptype, rule) -> None:
        raise NotImplementedError("policies are changed through kehu_permissions.service")


def build_enforcer(roles: Iterable[str], policies: Iterable[PolicyRow]) -> casbin.Enforcer:
    """A Casbin enforcer for a user holding exactly `roles`, with those roles' rules."""
    quiet_casbin()
    roles = sorted(roles)
    lines = [f"g, {SUBJECT}, role:{r}" for r in roles] + [p.casbin_line() for p in policies]
    return casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL), RowsAdapter(lines))


@dataclass
class Snapshot:
    """The plugin's tables and the department tree as of one stamp, with what is derived from them."""

    version: int
    department_rows: tuple[tuple[int, int | None], ...]
    roles: dict[str, RoleRow]
    policies: dict[str, tuple[PolicyRow, ...]]  # by role key
    field_rules: dict[str, dict[str, Access]]  # by role key
    user_roles: dict[int, frozenset[str]]
    department_roles: dict[int, frozenset[str]]
    parents: dict[int, int | None] = field(init=False)
    children: dict[int, list[int]] = field(init=False)
    _enforcers: dict[frozenset[str], casbin.Enforcer] = field(default_factory=dict, init=False)
    _decisions: dict[tuple[frozenset[str], str, str], bool] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.parents = dict(self.department_rows)
        self.children = {}
        for dept, parent in self.department_rows:
            self.children.setdefault(parent, []).append(dept)

    def with_departments(self, department_rows: tuple[tuple[int, int | None], ...]) -> Snapshot:
        """The same rules over a changed department tree (decisions do not depend on it)."""
        new = Snapshot(self.version, department_rows, self.roles, self.policies, self.field_rules,
                       self.user_roles, self.department_roles)
        new._enforcers, new._decisions, new._lock = self._enforcers, self._decisions, self._lock
        return new

    # --- departments

    def ancestors(self, department_id: int | None) -> list[int]:
        """`department_id` and the departments above it, nearest first (a stored loop ends the walk)."""
        out: list[int] = []
        current = department_id
        while current is not None and current in self.parents and current not in out:
            out.append(current)
            current = self.parents[current]
        return out

    def subtree(self, department_id: int | None) -> frozenset[int]:
        """`department_id` and every department below it (empty when there is none)."""
        if department_id is None or department_id not in self.parents:
            return frozenset()
        seen = {department_id}
        todo = [department_id]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return frozenset(seen)

    # --- roles and decisions

    def roles_of(self, user_id: int | None, department_id: int | None) -> dict[str, list[tuple[str, int | None]]]:
        """{role key: [("user", None) | ("department", id), ...]}: the roles and how the user has them."""
        found: dict[str, list[tuple[str, int | None]]] = {}
        for role in self.user_roles.get(user_id, ()) if user_id is not None else ():
            found.setdefault(role, []).append(("user", None))
        for dept in self.ancestors(department_id):
            for role in self.department_roles.get(dept, ()):
                found.setdefault(role, []).append(("department", dept))
        return found

    def rules_of(self, roles: Iterable[str]) -> list[PolicyRow]:
        return [p for r in sorted(roles) for p in self.policies.get(r, ())]

    def enforcer(self, roles: frozenset[str]) -> casbin.Enforcer:
        found = self._enforcers.get(roles)
        if found is None:
            found = build_enforcer(roles, self.rules_of(roles))
            if len(self._enforcers) >= MAX_ROLE_SETS:
                self._enforcers.clear()
            self._enforcers[roles] = found
        return found

    def decide(self, roles: frozenset[str], resource: str, action: str) -> bool:
        """Casbin's answer for a user holding `roles`: explicit allow, deny overrides, default deny."""
        key = (roles, resource, action)
        found = self._decisions.get(key)
        if found is None:
            with self._lock:  # one enforce at a time per snapshot: Casbin objects are not shared-safe
                found = bool(self.enforcer(roles).enforce(SUBJECT, resource, action))
            self._decisions[key] = found
        return found

    def explain(self, roles: frozenset[str], resource: str, action: str) -> tuple[bool, list[str]]:
        """Casbin's `enforce_ex`: the answer and the rule that decided it (empty when none did)."""
        with self._lock:
            allowed, rule = self.enforcer(roles).enforce_ex(SUBJECT, resource, action)
        return bool(allowed), list(rule)


def load_snapshot(session: Session, version: int, department_rows: tuple[tuple[int, int | None], ...]) -> Snapshot:
    """Read every role, rule, field rule and assignment (four queries)."""
    roles = {r.key: RoleRow(r.id, r.key, r.label_zh, r.label_en, r.description, r.seeded)
             for r in session.scalars(select(Role))}
    by_id = {r.id: r.key for r in roles.values()}
    # Rows of a role created after the roles were read (READ COMMITTED) wait for the next stamp.
    policies: dict[str, list[PolicyRow]] = {}
    for p in session.scalars(select(Policy).where(Policy.role_id.in_(by_id)).order_by(Policy.id)):
        key = by_id[p.role_id]
        policies.setdefault(key, []).append(PolicyRow(p.id, key, p.resource, p.action, p.effect, p.scope, p.max_level))
    rules: dict[str, dict[str, Access]] = {}
    for rule in session.scalars(select(FieldRule).where(FieldRule.role_id.in_(by_id))):
        rules.setdefault(by_id[rule.role_id], {})[rule.field] = Access(rule.access)
    user_roles: dict[int, set[str]] = {}
    department_roles: dict[int, set[str]] = {}
    for a in session.scalars(select(Assignment).where(Assignment.role_id.in_(by_id))):
        if a.user_id is not None:
            user_roles.setdefault(a.user_id, set()).add(by_id[a.role_id])
        else:
            department_roles.setdefault(a.department_id, set()).add(by_id[a.role_id])
    return Snapshot(version, department_rows, roles, {k: tuple(v) for k, v in policies.items()}, rules,
                    {k: frozenset(v) for k, v in user_roles.items()},
                    {k: frozenset(v) for k, v in department_roles.items()})


# --- one user's view -----------------------------------------------------------------------


class ActorView:
    """What one user may do, derived from one snapshot (kept per request; holds no Actor object)."""

    def __init__(self, snapshot: Snapshot, actor: Any):
        self.snapshot = snapshot
        self.user_id: int | None = actor.id
        self.username: str = actor.username
        self.department_id: int | None = actor.department_id
        self.sources = snapshot.roles_of(actor.id, actor.department_id)
        self.roles = frozenset(self.sources)
        self.who = Who(actor.id, actor.department_id, snapshot.subtree(actor.department_id))
        self._conditions: dict[str, Any] = {}
        self._fields: tuple[Any, dict[str, Access]] | None = None

    def allowed(self, resource: str, action: str) -> bool:
        return self.snapshot.decide(self.roles, resource, action)

    def rules(self, resource: str, action: str) -> list[PolicyRow]:
        """Every rule of the user's roles about (resource, action), allow and deny, `*` included."""
        return [p for p in self.snapshot.rules_of(self.roles) if p.about(resource, action)]

    def grants(self, action: str) -> list[Grant]:
        """The allow rules reaching customer rows for `action` (none when Casbin denies it)."""
        if not self.allowed("customer", action):
            return []
        return [Grant(p.role, p.scope, p.level) for p in self.rules("customer", action)
                if p.effect == "allow" and p.scope and p.level]

    def condition(self, action: str) -> ColumnElement[bool] | None:
        """The rows of `action`, as one SQL condition (None: all rows).

        For an action Casbin refuses, the rows the user may *read*: a customer they can see then
        answers 403 (core's `authorize` asks `permission_allowed`, which refuses), one they cannot
        see 404 — never "not found" for a customer that is on their screen.
        """
        if action not in self._conditions:
            if action != "read" and not self.allowed("customer", action):
                self._conditions[action] = self.condition("read")
            else:
                self._conditions[action] = condition(self.grants(action), self.who)
        return self._conditions[action]

    def reaches(self, action: str, customer: Any) -> bool:
        return matches(self.grants(action), self.who, customer)

    def customer_roles(self) -> list[str]:
        """The roles that give any access to customers: only their field rules count."""
        return sorted(r for r in self.roles
                      if any(p.effect == "allow" and p.resource in ("customer", ANY) for p in self.snapshot.policies.get(r, ())))

    def field_access(self, app) -> dict[str, Access]:
        """{field key: access} for every field not fully writable (computed once per field registry)."""
        cached = self._fields
        if cached is not None and cached[0] is app.fields:
            return cached[1]
        keys = [f.key for f in app.fields] + contact_keys()
        roles = self.customer_roles()
        result: dict[str, Access] = {}
        for key in keys:
            levels = [role_access(self.snapshot.field_rules.get(r, {}), key, category_of(app, key))[0] for r in roles]
            best = max(levels, key=ACCESS_ORDER.index) if levels else Access.HIDDEN
            if best != Access.WRITE:
                result[key] = best
        self._fields = (app.fields, result)
        return result


def role_access(rules: Mapping[str, Access], key: str, category: str | None) -> tuple[Access, str | None]:
    """One role's access to field `key` and the rule deciding it: the field's own, its category's, `*`, else write."""
    for rule in (key, CATEGORY_PREFIX + category if category else None, ANY):
        if rule is not None and rule in rules:
            return rules[rule], rule
    return Access.WRITE, None


# --- the engine of one app -----------------------------------------------------------------


class Engine:
    def __init__(self, app):
        self.app = app
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._views: dict[int, tuple[weakref.ref, float, ActorView]] = {}

    def current(self) -> Snapshot:
        """The snapshot as of now: the stamp and the department tree are read, the rest only if they moved."""
        with self.app.db.read() as session:
            version = session.scalar(select(Stamp.version).where(Stamp.id == 1)) or 0
            departments = tuple((d, p) for d, p in session.execute(
                select(Department.id, Department.parent_id).order_by(Department.id)))
            snap = self._snapshot
            if snap is not None and snap.version == version:
                if snap.department_rows != departments:
                    snap = self._snapshot = snap.with_departments(departments)
                return snap
            with self._lock:
                snap = load_snapshot(session, version, departments)
                self._snapshot = snap
            return snap

    def invalidate(self) -> None:
        """Forget the snapshot (after a change made through this app): the next check reloads."""
        self._snapshot = None

    def view(self, actor: Any) -> ActorView:
        """The user's view, checked against the stamp once per Actor object (per request)."""
        key = id(actor)
        entry = self._views.get(key)
        known = entry is not None and entry[0]() is actor
        if known and entry[2].snapshot is self._snapshot and time.monotonic() - entry[1] < MAX_AGE:
            return entry[2]
        snap = self.current()
        view = entry[2] if known and entry[2].snapshot is snap else ActorView(snap, actor)
        ref = entry[0] if known else weakref.ref(actor, lambda dead, key=key: self._forget(key, dead))
        self._views[key] = (ref, time.monotonic(), view)
        return view

    def _forget(self, key: int, dead: weakref.ref) -> None:
        entry = self._views.get(key)
        if entry is not None and entry[0] is dead:
            self._views.pop(key, None)


_engines: weakref.WeakKeyDictionary[Any, Engine] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()


def engine(app) -> Engine:
    """The engine of `app` (one per app: apps in one process — tests — keep their own)."""
    found = _engines.get(app)
    if found is None:
        with _engines_lock:
            found = _engines.get(app)
            if found is None:
                found = _engines[app] = Engine(app)
    return found
