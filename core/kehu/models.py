"""Core tables: customers, contacts, users, departments, the change log (SPEC A1–A10, G7).

Plugins never add columns here; they add side tables in their own migration branch.  Time is
stored in UTC (naive in the database, aware in Python) and shown in the viewer's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; kehu stores aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def Json(*, none_as_null: bool = False) -> JSON:
    """JSON on SQLite, JSONB on PostgreSQL (binary, indexable, containment without casts)."""
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))


class User(Base):
    """A person who works in kehu; signs in with a password (kehu.accounts) or an API token."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # argon2id PHC string; NULL = cannot sign in with a password (the system user, token-only users).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Preferences: NULL means the installation's default (Chinese; Settings.timezone).
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Failed sign-ins since the last success; at the limit the account is locked for a while.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()

    department: Mapped[Department | None] = relationship()  # not needed when a user is shown as an owner


class WebSession(Base):
    """A server-side sign-in session of the screens.  Only a SHA-256 hash of the id is stored, so
    a copy of the database does not sign anybody in.  `user_id` is NULL before sign-in (the
    sign-in form's CSRF token and flash messages live here too)."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # Messages for the next page: [[kind, text], ...]; NULL when there are none.
    flashes: Mapped[list[Any] | None] = mapped_column(Json(none_as_null=True))


class ApiToken(Base):
    """A personal API token: the secret is shown once; only its SHA-256 hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the start of the secret, to recognise it in lists
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class Customer(Base):
    """The customer profile (客户档案).  Field meanings live in kehu.core_fields."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_status_id", "status", "id"),
        Index("ix_customer_owner_id", "owner_id"),
        Index("ix_customer_department_id", "department_id"),
        Index("ix_customer_industry", "industry"),
        Index("ix_customer_grade", "grade"),
        Index("ix_customer_last_contact_date", "last_contact_date"),
        Index("ix_customer_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # A1, never changes
    customer_type: Mapped[str] = mapped_column(String(16))  # A2
    # A3 identity
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    # A5 address
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(200))
    # A6 business attributes
    industry: Mapped[str | None] = mapped_column(String(8))
    scale: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    first_cooperation_date: Mapped[date | None] = mapped_column(Date)
    last_contact_date: Mapped[date | None] = mapped_column(Date)
    cumulative_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    business_type: Mapped[str | None] = mapped_column(String(16))
    # JSON lists; an empty list is stored as SQL NULL so that "is empty" is one test.
    demand_tags: Mapped[list[str] | None] = mapped_column(Json(none_as_null=True))
    stage: Mapped[str | None] = mapped_column(String(16))
    confidentiality: Mapped[str] = mapped_column(String(16), default="internal")
    status: Mapped[str] = mapped_column(String(16), default="pending_review")
    entry_date: Mapped[date] = mapped_column(Date)
    # Values of admin-defined custom fields and simple plugin fields (Storage.CUSTOM).
    custom: Mapped[dict[str, Any]] = mapped_column(Json(), default=dict)
    # Optimistic locking: every update must name the version it started from.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    # A8: a profile missing key information must be completed within 24 hours.
    completion_due: Mapped[datetime | None] = mapped_column()

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", order_by="Contact.id", cascade="all, delete-orphan", lazy="selectin"
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")

    # The ORM adds "AND version = :old" to every UPDATE and bumps it: a lost race is detected.
    __mapper_args__ = {"version_id_col": version}


class Contact(Base):
    """A person to reach at the customer (SPEC A4)."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    title: Mapped[str | None] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(11), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    im: Mapped[str | None] = mapped_column(String(100))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class ChangeLog(Base):
    """One row per changed field per save (SPEC A10, G7): who, when, what, old, new, why."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_customer_id_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # create / update / delete / restore / contact_add / contact_update / contact_remove, or a
    # plugin's own action such as tag_merge.
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[Any] = mapped_column(Json(none_as_null=True), nullable=True)
    new: Mapped[Any] = mapped_column(Json(none_as_null=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship(lazy="joined")


class CodeSequence(Base):
    """Per-day counter behind customer codes (A1); bumped atomically with an upsert."""

    __tablename__ = "code_sequence"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CustomField(Base):
    """A field an admin added on a screen or with `kehu fields add` — no code (SPEC A7)."""

    __tablename__ = "custom_field"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    required_for: Mapped[list[str]] = mapped_column(Json(), default=list)
    choices: Mapped[list[Any]] = mapped_column(Json(), default=list)
    validators: Mapped[list[str]] = mapped_column(Json(), default=list)
    max_length: Mapped[int | None] = mapped_column(Integer)
    filterable: Mapped[bool] = mapped_column(Boolean, default=True)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    searchable: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomSubcategory(Base):
    """A second-level category an admin added under one of the five of A7."""

    __tablename__ = "custom_subcategory"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent: Mapped[str] = mapped_column(String(16))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))


class PluginState(Base):
    """Which installed plugins this installation has enabled (disabling keeps their data)."""

    __tablename__ = "plugin_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
