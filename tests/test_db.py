"""The embedded database is set up for safety: WAL, synchronous=FULL, foreign keys, immediate writes."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kehu.app import Kehu
from kehu.config import Settings
from kehu.db import Database
from kehu.models import Contact, Customer


@pytest.fixture
def sqlite_app(tmp_path):
    app = Kehu(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'kehu.db'}"))
    yield app
    app.close()


def test_sqlite_pragmas(sqlite_app):
    with sqlite_app.db.read() as s:
        pragmas = {name: s.execute(text(f"PRAGMA {name}")).scalar() for name in
                   ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30000}


def test_writes_take_the_write_lock_at_begin(sqlite_app):
    """BEGIN IMMEDIATE: a second writer waits at its start, never fails half-way through."""
    path = sqlite_app.db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with sqlite_app.db.write() as s:
        s.execute(select(Customer.id)).all()  # a read inside the write transaction
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again after commit
    other.execute("ROLLBACK")
    with sqlite_app.db.read() as s:  # a read session does not hold the write lock
        s.execute(select(Customer.id)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


def test_foreign_keys_are_enforced(kehu_app):
    with pytest.raises(IntegrityError):
        with kehu_app.db.write() as s:
            s.add(Contact(customer_id=999_999, name="张伟", mobile="13812345678"))


def test_plain_postgresql_url_uses_psycopg():
    db = Database("postgresql://postgres@127.0.0.1:5432/postgres")
    assert db.engine.dialect.driver == "psycopg"
    db.dispose()
