"""Sign-in: passwords, preferences and lockout on users; web sessions; personal API tokens.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24

Written by hand in core_0001's style (names follow `kehu.models.NAMING_CONVENTION`).  Columns are
added to `user_account` in place (SQLite's ALTER TABLE ADD COLUMN; nothing is copied), all of
them nullable or with a server default, so existing users keep working and have no password
until one is set (`kehu users passwd`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# JSON on SQLite, JSONB on PostgreSQL (kehu.models.Json).
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))

    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("flashes", JSON_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_web_session"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_web_session_user_id_user_account",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("id_hash", name="uq_web_session_id_hash"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_index("ix_web_session_last_seen_at", "web_session", ["last_seen_at"])

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_api_token_user_id_user_account",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])


def downgrade() -> None:
    op.drop_table("api_token")
    op.drop_table("web_session")
    with op.batch_alter_table("user_account") as batch:
        for column in ("locked_until", "failed_sign_ins", "timezone", "language", "password_hash"):
            batch.drop_column(column)
