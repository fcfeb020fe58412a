"""Permissions: roles, assignments, policies, field rules, audit log, change stamp — its own branch.

Revision ID: permissions_0001
Revises:
Create Date: 2026-12-01

The first revision of the `permissions` branch: no down revision, depends on the core tables it
points at (`core_0001`: user_account, department).  Only the plugin's side tables are created;
the G1 default roles are seeded by the plugin at its first start (`kehu_permissions.defaults`),
through the same validated, audited service code as every later change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "permissions_0001"
down_revision = None
branch_labels = ("permissions",)
depends_on = "core_0001"


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "permission_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("label_zh", sa.String(100), nullable=False),
        sa.Column("label_en", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("seeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_permission_role"),
        sa.UniqueConstraint("key", name="uq_permission_role_key"),
    )
    op.create_table(
        "permission_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_permission_assignment"),
        sa.ForeignKeyConstraint(["role_id"], ["permission_role.id"],
                                name="fk_permission_assignment_role_id_permission_role", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name="fk_permission_assignment_user_id_user_account", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name="fk_permission_assignment_department_id_department", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name="fk_permission_assignment_created_by_id_user_account"),
        sa.CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)",
                           name="ck_permission_assignment_one_target"),
        sa.UniqueConstraint("role_id", "user_id", name="uq_permission_assignment_role_user"),
        sa.UniqueConstraint("role_id", "department_id", name="uq_permission_assignment_role_department"),
    )
    op.create_index("ix_permission_assignment_user_id", "permission_assignment", ["user_id"])
    op.create_index("ix_permission_assignment_department_id", "permission_assignment", ["department_id"])
    op.create_table(
        "permission_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("effect", sa.String(8), nullable=False),
        sa.Column("scope", sa.String(16), nullable=True),
        sa.Column("max_level", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_permission_policy"),
        sa.ForeignKeyConstraint(["role_id"], ["permission_role.id"],
                                name="fk_permission_policy_role_id_permission_role", ondelete="CASCADE"),
    )
    op.create_index("ix_permission_policy_role_id", "permission_policy", ["role_id"])
    op.create_table(
        "permission_field_rule",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(80), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "field", name="pk_permission_field_rule"),
        sa.ForeignKeyConstraint(["role_id"], ["permission_role.id"],
                                name="fk_permission_field_rule_role_id_permission_role", ondelete="CASCADE"),
    )
    op.create_table(
        "permission_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("role", sa.String(40), nullable=True),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("old", _json(), nullable=True),
        sa.Column("new", _json(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_permission_audit"),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"],
                                name="fk_permission_audit_actor_id_user_account"),
    )
    op.create_index("ix_permission_audit_role", "permission_audit", ["role", "id"])
    op.create_table(
        "permission_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_permission_stamp"),
    )


def downgrade() -> None:
    op.drop_table("permission_stamp")
    op.drop_table("permission_audit")
    op.drop_table("permission_field_rule")
    op.drop_table("permission_policy")
    op.drop_table("permission_assignment")
    op.drop_table("permission_role")
