"""The tags plugin's side tables: tag, customer_tag (the links), tag_alias (old names).

They live on the plugin's own `MetaData`, never on core's `Base.metadata`: the core schema stays
the core's, and core code that walks its metadata (migration checks, `create_all` in tools) never
sees a plugin table.  The foreign keys to core tables are given as *Column objects*
(`Customer.__table__.c.id`), not as "customer.id" strings: a string is resolved by table name
inside the one MetaData it belongs to, so it would need a copy or stub of the core table in ours —
and Alembic refuses the same table name in two metadata objects when it compares them.  A Column
reference resolves across metadata objects, renders `REFERENCES customer (id)` on SQLite and
PostgreSQL alike, and lets Alembic's autogenerate compare our tables (with their FKs) against the
database together with core's (`kehu.migrate.check(db, [manifest], [metadata])`).

The links cascade when a customer row is really deleted (a PIPL erasure, SPEC G8): core cannot
know plugin tables, so the database cleans up after it.  Customers are normally only soft-deleted,
and their links stay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kehu.models import NAMING_CONVENTION, Customer, User, UTCDateTime, utcnow

NAME_LENGTH = 50  # two parts of at most 20 characters and the "-", with room to spare


class TagsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


metadata = TagsBase.metadata
CUSTOMER_ID = Customer.__table__.c.id
USER_ID = User.__table__.c.id


class Tag(TagsBase):
    """A tag such as 区域-华东; `dimension` (区域) is stored for grouping and filtering by it."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    dimension: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))


class CustomerTag(TagsBase):
    """A customer carries a tag: since when and who tagged it."""

    __tablename__ = "customer_tag"
    __table_args__ = (Index("ix_customer_tag_tag_id", "tag_id"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey(CUSTOMER_ID, ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    tagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))


class TagAlias(TagsBase):
    """A former name of a tag (renamed, or merged into it): nothing a merge or rename does is lost.

    A saved filter or an edit form opened before the change that still names 区域-华东 finds the
    tag it became, instead of recreating the old one.
    """

    __tablename__ = "tag_alias"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
