"""The permissions plugin's side tables (SPEC G1, G2, G7, H4), on its own `MetaData` like kehu_tags.

- `permission_role`: a role (key, zh/en names, description); the G1 defaults are seeded once.
- `permission_assignment`: a role given to one user, or to one department — which gives it to
  everyone in that department *and in its sub-departments* (a role for 销售中心 reaches 华东销售部).
- `permission_policy`: a role's rules: (resource, action, allow/deny), and for allow rules on
  customer rows the scope (own / department / subtree / all) and the highest confidentiality level.
- `permission_field_rule`: a role's field access (hidden / masked / read / write) per field key,
  contact field (`contacts.mobile`), category (`@basic`) or `*`.
- `permission_audit`: every change to the four tables above: who, when, what, old → new (G7).
- `permission_stamp`: one row whose `version` every change bumps in its transaction; each server
  process compares it once per request and rebuilds its enforcer when it moved.

Foreign keys to core tables are Column objects (see kehu_tags.models for why).  Assignments go
with a deleted department (core deletes only empty ones) or user row (core never deletes users).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kehu.models import NAMING_CONVENTION, Department, Json, User, UTCDateTime, utcnow

KEY_LENGTH = 40
LABEL_LENGTH = 100
DESCRIPTION_LENGTH = 500
FIELD_KEY_LENGTH = 80


class PermissionsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


metadata = PermissionsBase.metadata
USER_ID = User.__table__.c.id
DEPARTMENT_ID = Department.__table__.c.id


class Role(PermissionsBase):
    __tablename__ = "permission_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    label_zh: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    label_en: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_LENGTH))
    # One of the G1 defaults seeded at the first start (as editable as any other role).
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(PermissionsBase):
    """A role given to a user, or to a department (its members and those of its sub-departments)."""

    __tablename__ = "permission_assignment"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="one_target"),
        UniqueConstraint("role_id", "user_id", name="uq_permission_assignment_role_user"),
        UniqueConstraint("role_id", "department_id", name="uq_permission_assignment_role_department"),
        Index("ix_permission_assignment_user_id", "user_id"),
        Index("ix_permission_assignment_department_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("permission_role.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID, ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey(DEPARTMENT_ID, ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))


class Policy(PermissionsBase):
    """One rule of a role: `effect` (allow / deny) `action` on `resource` (`*` = any).

    `scope` and `max_level` are set exactly on allow rules about customer rows
    (`vocabulary.needs_scope`), and empty on every other rule.
    """

    __tablename__ = "permission_policy"
    __table_args__ = (Index("ix_permission_policy_role_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("permission_role.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    effect: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str | None] = mapped_column(String(16))
    max_level: Mapped[str | None] = mapped_column(String(16))


class FieldRule(PermissionsBase):
    __tablename__ = "permission_field_rule"

    role_id: Mapped[int] = mapped_column(ForeignKey("permission_role.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(FIELD_KEY_LENGTH), primary_key=True)
    access: Mapped[str] = mapped_column(String(8))


class AuditEntry(PermissionsBase):
    """One change to roles, assignments, policies or field rules (SPEC G7): who, when, what, old → new.

    `role` is the role's key as text, so the trail outlives a deleted role.  `action` is one of
    seed, role_create, role_update, role_delete, assign, unassign, policies_set, field_rules_set.
    """

    __tablename__ = "permission_audit"
    __table_args__ = (Index("ix_permission_audit_role", "role", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    action: Mapped[str] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    target: Mapped[str | None] = mapped_column(String(200))
    old: Mapped[Any] = mapped_column(Json(none_as_null=True), nullable=True)
    new: Mapped[Any] = mapped_column(Json(none_as_null=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)


class Stamp(PermissionsBase):
    """The change stamp: one row (id 1), `version` bumped by every change, in its transaction.

    Writers update the row first, so concurrent changes take turns and the version grows in
    commit order (a sequence-generated audit id could commit out of order and be missed).
    """

    __tablename__ = "permission_stamp"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
