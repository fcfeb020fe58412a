"""Alembic environment for kehu (driven by `kehu.migrate`; see its docstring for the design).

Usually run programmatically: `kehu.migrate` passes an open connection in
`config.attributes["connection"]`.  Without one (`alembic.command` calls during development, with
`kehu.migrate.alembic_config(db)`), the database URL comes from the `sqlalchemy.url` option or
`KEHU_DATABASE_URL`.  Autogenerate compares `Base.metadata`, or the MetaData (or list of them) in
`config.attributes["target_metadata"]` when writing a plugin's revision, and looks only at the
tables those describe: other branches' tables are never proposed for dropping.

Upgrades with plugin branches belong to `kehu.migrate.upgrade`, which keeps one version-table row
per branch; a plain `alembic.command.upgrade` would fold a plugin's row into core's.

If the connection is not already in a transaction, all pending revisions run in one transaction
here, committed at the end.  On SQLite, foreign keys are switched off around that transaction
(the PRAGMA is a no-op inside one), because batch ALTERs rebuild tables by copy, drop and rename;
`PRAGMA foreign_key_check` must then find nothing before the commit.  On PostgreSQL a
transaction-level advisory lock makes several server processes starting at once take turns: the
second finds the work done (Alembic reads the version table after the lock is taken).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from alembic import context
from sqlalchemy import JSON, Connection, text

from kehu.migrate import ADVISORY_LOCK_KEY
from kehu.models import Base, UTCDateTime

config = context.config
target_metadata = config.attributes.get("target_metadata", Base.metadata)
_target_tables = {
    name for md in (target_metadata if isinstance(target_metadata, list | tuple) else [target_metadata])
    for name in md.tables
}


def _include_name(name: str | None, type_: str, _parent_names) -> bool:
    return type_ != "table" or name in _target_tables


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("KEHU_DATABASE_URL")
    if not url:
        raise RuntimeError("no database: pass a connection, set sqlalchemy.url or KEHU_DATABASE_URL")
    return url


def _render_item(type_: str, obj, autogen_context):
    """Write revisions in plain SQLAlchemy types: UTC datetimes are DATETIME, JSON is JSON (JSONB on PostgreSQL)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, JSON):
        # none_as_null is Python-side behaviour, not DDL
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


def _configure(**kw) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_name=_include_name,
        render_item=_render_item,
        compare_type=True,
        render_as_batch=kw.pop("dialect_name", None) == "sqlite",
        **kw,
    )


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Switch foreign keys off (outside any transaction) and back to what they were after."""
    raw = connection.connection.driver_connection
    was_on = raw.execute("PRAGMA foreign_keys").fetchone()[0]
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if was_on:
            raw.execute("PRAGMA foreign_keys=ON")


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")


def run_with(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    own_transaction = not connection.in_transaction()
    keys_off = _sqlite_foreign_keys_off(connection) if sqlite and own_transaction else nullcontext()
    with keys_off:
        transaction = connection.begin() if own_transaction else nullcontext()
        with transaction:
            _configure(connection=connection, dialect_name=connection.dialect.name)
            with context.begin_transaction():  # a no-op: the transaction is already open
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
                context.run_migrations()
                if sqlite:
                    _check_sqlite_foreign_keys(connection)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    from kehu.db import _WRITE, make_engine

    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            run_with(connection.execution_options(**{_WRITE: True}))  # SQLite: BEGIN IMMEDIATE
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, dialect_name=url.split(":", 1)[0].split("+", 1)[0])
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
