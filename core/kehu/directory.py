"""Users and departments as admins maintain them on the screens (SPEC G1, G7, G9; issue 3).

Users are never deleted, only deactivated: the change log (A10, G7) and customers' owners name
them for good.  Departments nest without cycles and are deleted only when nothing refers to them.
Every refusal is a `ValidationFailed` of field-level `FieldError`s in zh-CN and en, like every
other service of kehu, and every call checks ("configure", "user" | "department") first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kehu import accounts
from kehu.actors import SYSTEM_USERNAME, Actor
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.i18n import N_
from kehu.messages import register_messages
from kehu.models import Customer, Department, User
from kehu.validation import Invalid, normalize_text

NAME_MAX = 100

register_messages({
    "user_system": N_("The system user is kehu's own and cannot be changed or deactivated"),
    "user_self": N_("You cannot deactivate your own account"),
    "department_gone": N_("The chosen department no longer exists"),
    "department_name_taken": N_("There is already a department named \"{value}\""),
    "department_cycle": N_("A department cannot be moved under itself or one of its sub-departments"),
    "department_in_use": N_("The department \"{name}\" still has {users} user(s), {children} sub-department(s) "
                            "and {customers} customer(s); it can be deleted only when empty"),
})


@dataclass(frozen=True)
class UserRow:
    """One line of the users list."""

    id: int
    username: str
    display_name: str
    department_id: int | None
    department: str | None
    is_active: bool
    is_system: bool
    created_at: Any
    has_password: bool  # without one the user cannot sign in on the screens


@dataclass(frozen=True)
class DepartmentNode:
    """A department in tree order: `depth` 0 for top-level ones, with what still refers to it."""

    id: int
    name: str
    parent_id: int | None
    depth: int
    users: int
    children: int


# --- reading ---------------------------------------------------------------------------------


def _users():
    return select(User, Department.name).outerjoin(Department, User.department_id == Department.id)


def list_users(app, actor: Actor) -> list[UserRow]:
    """Every user, active ones first; the system user is listed but marked (it cannot be edited)."""
    app.authorize(actor, "configure", "user")
    with app.db.read() as session:
        rows = session.execute(_users().order_by(User.is_active.desc(), User.username)).all()
    return [_user_row(*row) for row in rows]


def get_user(app, actor: Actor, user_id: int) -> UserRow:
    app.authorize(actor, "configure", "user")
    with app.db.read() as session:
        found = session.execute(_users().where(User.id == user_id)).first()
    if found is None:
        raise NotFound()
    return _user_row(*found)


def _user_row(user: User, department: str | None) -> UserRow:
    return UserRow(
        id=user.id, username=user.username, display_name=user.display_name,
        department_id=user.department_id, department=department, is_active=user.is_active,
        is_system=user.username == SYSTEM_USERNAME, created_at=user.created_at,
        has_password=user.password_hash is not None,
    )


def department_tree(app, actor: Actor) -> list[DepartmentNode]:
    """All departments, each followed by its sub-departments (names sorted within a level)."""
    app.authorize(actor, "configure", "department")
    with app.db.read() as session:
        return _tree(session)


def _tree(session: Session) -> list[DepartmentNode]:
    departments = session.execute(select(Department.id, Department.name, Department.parent_id)).all()
    users = dict(session.execute(
        select(User.department_id, func.count())
        .where(User.department_id.is_not(None))
        .group_by(User.department_id)
    ).all())
    below: dict[int | None, list] = {}
    for d in departments:
        below.setdefault(d.parent_id, []).append(d)
    out: list[DepartmentNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in sorted(below.get(parent, ()), key=lambda d: d.name):
            children = len(below.get(d.id, ()))
            out.append(DepartmentNode(d.id, d.name, d.parent_id, depth, users.get(d.id, 0), children))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def department_options(app) -> list[DepartmentNode]:
    """The tree for a select box (a user's department); the caller has authorized its own action."""
    with app.db.read() as session:
        return _tree(session)


def get_department(app, actor: Actor, department_id: int) -> DepartmentNode:
    for node in department_tree(app, actor):
        if node.id == department_id:
            return node
    raise NotFound()


# --- users -----------------------------------------------------------------------------------


def create_user(app, actor: Actor, data: Mapping[str, Any]) -> int:
    """Add a user: username, display_name, department_id (optional), password (optional).

    Username, display name and password follow sign-in's rules (`kehu.accounts.create_user`, as
    `kehu users add` does).  Without a password the user exists — can own customers — but cannot
    sign in until one is set.
    """
    app.authorize(actor, "configure", "user")
    errors: list[FieldError] = []
    password = data.get("password") or None
    with app.db.write() as session:
        department_id = _department_choice(session, data, errors)
        try:
            user = accounts.create_user(session, str(data.get("username") or ""), data.get("display_name"),
                                        password=password)
        except ValidationFailed as exc:
            errors += exc.errors
        except IntegrityError:  # the same username added by somebody else meanwhile
            errors.append(FieldError("username", "account_username_taken", {"value": data.get("username")}))
        if errors:  # raised inside the transaction: nothing is written
            raise ValidationFailed(errors)
        user.department_id = department_id
        return user.id


def update_user(app, actor: Actor, user_id: int, data: Mapping[str, Any]) -> None:
    """Change a user's display name and department (the username stays: it is how people sign in)."""
    app.authorize(actor, "configure", "user")
    errors: list[FieldError] = []
    display_name = _text(data, "display_name", errors, NAME_MAX)
    with app.db.write() as session:
        user = _editable_user(session, user_id)
        department_id = _department_choice(session, data, errors)
        if errors:
            raise ValidationFailed(errors)
        user.display_name = display_name
        user.department_id = department_id


def set_user_active(app, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (cannot sign in or be chosen as an owner; history keeps naming them) or reactivate."""
    app.authorize(actor, "configure", "user")
    with app.db.write() as session:
        user = _editable_user(session, user_id)
        if not active and user.id == actor.id:
            raise ValidationFailed([FieldError("", "user_self")])
        user.is_active = active
        if not active:  # signed out everywhere at once, not at their next request
            accounts.end_user_sessions(session, user.id)


def set_user_password(app, actor: Actor, user_id: int, password: str) -> None:
    """An admin sets a new password for a user (who should change it after signing in)."""
    app.authorize(actor, "configure", "user")
    with app.db.write() as session:
        user = _editable_user(session, user_id)
        _set_password(session, user, password or "")


def _set_password(session: Session, user: User, password: str) -> None:
    # Hashing and the password rules belong to sign-in (argon2id); its refusals are FieldErrors too.
    accounts.set_password(session, user, password)


def _editable_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    if user.username == SYSTEM_USERNAME:
        raise ValidationFailed([FieldError("", "user_system")])
    return user


# --- departments -----------------------------------------------------------------------------


def create_department(app, actor: Actor, data: Mapping[str, Any]) -> int:
    """Add a department: name, parent_id (optional)."""
    app.authorize(actor, "configure", "department")
    errors: list[FieldError] = []
    name = _text(data, "name", errors, NAME_MAX)
    with app.db.write() as session:
        parent_id = _department_choice(session, data, errors, "parent_id")
        _unique_name(session, name, None, errors)
        if errors:
            raise ValidationFailed(errors)
        department = Department(name=name, parent_id=parent_id)
        session.add(department)
        _flush_name(session, name)
        return department.id


def update_department(app, actor: Actor, department_id: int, data: Mapping[str, Any]) -> None:
    """Rename a department or move it under another one (never under itself or its own subtree)."""
    app.authorize(actor, "configure", "department")
    errors: list[FieldError] = []
    name = _text(data, "name", errors, NAME_MAX)
    with app.db.write() as session:
        department = session.get(Department, department_id, with_for_update=True)
        if department is None:
            raise NotFound()
        parent_id = _department_choice(session, data, errors, "parent_id")
        if parent_id is not None and department_id in _ancestors(session, parent_id):
            errors.append(FieldError("parent_id", "department_cycle"))
        _unique_name(session, name, department_id, errors)
        if errors:
            raise ValidationFailed(errors)
        department.name = name
        department.parent_id = parent_id
        _flush_name(session, name)


def delete_department(app, actor: Actor, department_id: int) -> str:
    """Delete an empty department (no users, sub-departments or customers); returns its name."""
    app.authorize(actor, "configure", "department")
    with app.db.write() as session:
        department = session.get(Department, department_id, with_for_update=True)
        if department is None:
            raise NotFound()
        counts = {
            "users": select(func.count()).select_from(User).where(User.department_id == department_id),
            "children": select(func.count()).select_from(Department).where(Department.parent_id == department_id),
            "customers": select(func.count()).select_from(Customer).where(Customer.department_id == department_id),
        }
        found = {key: session.scalar(query) for key, query in counts.items()}
        if any(found.values()):
            raise ValidationFailed([FieldError("", "department_in_use", {"name": department.name, **found})])
        session.delete(department)
        return department.name


def _ancestors(session: Session, department_id: int) -> set[int]:
    """`department_id` and every department above it (a walk up, guarded against a stored loop)."""
    parents = dict(session.execute(select(Department.id, Department.parent_id)).all())
    seen: set[int] = set()
    current: int | None = department_id
    while current is not None and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return seen


def _unique_name(session: Session, name: str | None, own_id: int | None, errors: list[FieldError]) -> None:
    if not name:
        return
    other = session.scalar(select(Department.id).where(Department.name == name))
    if other is not None and other != own_id:
        errors.append(FieldError("name", "department_name_taken", {"value": name}))


def _flush_name(session: Session, name: str | None) -> None:
    try:
        session.flush()
    except IntegrityError:  # the same name saved by somebody else meanwhile
        raise ValidationFailed([FieldError("name", "department_name_taken", {"value": name})]) from None


# --- input -----------------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str, errors: list[FieldError], max_length: int) -> str | None:
    raw = data.get(key)
    if raw is not None and not isinstance(raw, str):
        errors.append(FieldError(key, "not_text"))
        return None
    try:
        value = normalize_text(raw or "")
    except Invalid as exc:
        errors.append(FieldError(key, exc.rule, exc.params))
        return None
    if not value:
        errors.append(FieldError(key, "required"))
    elif len(value) > max_length:
        errors.append(FieldError(key, "too_long", {"max": max_length}))
    return value or None


def _department_choice(session: Session, data: Mapping[str, Any], errors: list[FieldError],
                       key: str = "department_id") -> int | None:
    """The id of an existing department from a select box ("" for none)."""
    raw = data.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw)
    else:
        errors.append(FieldError(key, "department_gone"))
        return None
    # FOR KEY SHARE on PostgreSQL: the department cannot be deleted before this transaction ends.
    if session.get(Department, value, with_for_update={"key_share": True}) is None:
        errors.append(FieldError(key, "department_gone"))
        return None
    return value
