"""Tags: tag, customer_tag, tag_alias — the tags plugin's own branch.

Revision ID: tags_0001
Revises:
Create Date: 2026-11-23

The first revision of the `tags` branch: no down revision, depends on the core tables it points
at (`core_0001`).  It creates only the plugin's side tables; core tables are never altered.
Names follow `kehu.models.NAMING_CONVENTION`, as `kehu_tags.models` declares them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tags_0001"
down_revision = None
branch_labels = ("tags",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("dimension", sa.String(50), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tag"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name="fk_tag_created_by_id_user_account"),
        sa.UniqueConstraint("name", name="uq_tag_name"),
    )
    op.create_index("ix_tag_dimension", "tag", ["dimension"])
    op.create_table(
        "customer_tag",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.Column("tagged_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name="pk_customer_tag"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name="fk_customer_tag_customer_id_customer",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], name="fk_customer_tag_tag_id_tag", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tagged_by_id"], ["user_account.id"],
                                name="fk_customer_tag_tagged_by_id_user_account"),
    )
    op.create_index("ix_customer_tag_tag_id", "customer_tag", ["tag_id"])
    op.create_table(
        "tag_alias",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_tag_alias"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], name="fk_tag_alias_tag_id_tag", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name="fk_tag_alias_created_by_id_user_account"),
    )
    op.create_index("ix_tag_alias_tag_id", "tag_alias", ["tag_id"])


def downgrade() -> None:
    op.drop_table("tag_alias")
    op.drop_table("customer_tag")
    op.drop_table("tag")
