"""Migrations: core branch matches the models, upgrades are idempotent, keep data, plugin branches."""

from __future__ import annotations

import multiprocessing
import textwrap
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, bindparam, inspect, text

from kehu import migrate
from kehu.config import Settings
from kehu.db import _WRITE, Database
from kehu.models import Base
from kehu.plugins import Manifest

CORE = "core_0001"  # the base of the core branch, which plugin branches depend on
HEAD = "core_0002"  # where the core branch is now


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    yield database
    database.dispose()


def write_branch(folder: Path, label: str, revisions: dict[str, str]) -> Path:
    """A throwaway plugin migration folder: {revision id: body of upgrade()}, chained in order."""
    folder.mkdir(parents=True)
    down = None
    for rev, body in revisions.items():
        depends = repr(CORE) if down is None else "None"
        labels = repr((label,)) if down is None else "None"
        body = textwrap.indent(textwrap.dedent(body).strip(), "    ")
        source = (
            f'"""{rev}"""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels}\ndepends_on = {depends}\n\n\n"
            f"def upgrade():\n{body}\n\n\ndef downgrade():\n    raise NotImplementedError\n"
        )
        (folder / f"{rev}.py").write_text(source)
        down = rev
    return folder


DEMO_NOTE = """
    op.create_table(
        "demo_plugin_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name="fk_demo_plugin_note_customer_id_customer"),
    )
"""


def demo_manifest(tmp_path: Path, **revisions: str) -> Manifest:
    folder = write_branch(tmp_path / "demo_plugin_migrations", "demo_plugin", revisions or {"demo_0001": DEMO_NOTE})
    return Manifest(name="demo_plugin", label_zh="演示", label_en="Demo", migrations=folder)


def insert(conn, sql: str, **params) -> None:
    stmt = text(sql).bindparams(*(bindparam(k, type_=JSON) for k, v in params.items() if isinstance(v, dict | list)))
    conn.execute(stmt, params)


def populate(db: Database) -> dict[str, int]:
    """A department, a user, a customer, a contact and a change-log row, in plain SQL."""
    now = datetime(2024, 5, 6, 7, 8, 9)
    with db.engine.begin() as conn:
        insert(conn, "INSERT INTO department (name) VALUES ('销售部')")
        dept = conn.scalar(text("SELECT id FROM department WHERE name = '销售部'"))
        insert(
            conn,
            "INSERT INTO user_account (username, display_name, department_id, is_active, created_at)"
            " VALUES ('alice', '爱丽丝', :dept, :active, :now)",
            dept=dept, active=True, now=now,
        )
        user = conn.scalar(text("SELECT id FROM user_account WHERE username = 'alice'"))
        insert(
            conn,
            "INSERT INTO customer (code, customer_type, name, credit_code, owner_id, department_id,"
            " demand_tags, confidentiality, status, entry_date, custom, version, created_at, updated_at)"
            " VALUES ('C20240506001', 'enterprise', '上海示例有限公司', '91310000MA1FL8XK3N', :user, :dept,"
            " :tags, 'internal', 'active', :entry, :custom, 3, :now, :now)",
            user=user, dept=dept, tags=["software"], entry=date(2024, 5, 6), custom={"vip": True}, now=now,
        )
        customer = conn.scalar(text("SELECT id FROM customer WHERE code = 'C20240506001'"))
        insert(
            conn,
            "INSERT INTO contact (customer_id, name, mobile, is_primary) VALUES (:c, '王芳', '13800138000', :p)",
            c=customer, p=True,
        )
        insert(
            conn,
            "INSERT INTO change_log (customer_id, at, actor_id, action, field, old, new, reason)"
            " VALUES (:c, :now, :user, 'update', 'grade', :old, :new, '年度复核')",
            c=customer, now=now, user=user, old={"v": "B"}, new={"v": "A"},
        )
    return {"department": dept, "user": user, "customer": customer}


def snapshot(db: Database) -> dict[str, list[tuple]]:
    queries = {
        "department": "SELECT id, name FROM department ORDER BY id",
        "user_account": "SELECT id, username, display_name, department_id FROM user_account"
        " WHERE username = 'alice'",
        "customer": "SELECT id, code, name, credit_code, owner_id, version, entry_date FROM customer ORDER BY id",
        "contact": "SELECT id, customer_id, name, mobile FROM contact ORDER BY id",
        "change_log": "SELECT id, customer_id, actor_id, action, field, reason FROM change_log ORDER BY id",
    }
    with db.engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(text(sql))] for name, sql in queries.items()}


# --- the core branch and the models ------------------------------------------------------------


def test_migrated_schema_matches_the_models(db):
    migrate.upgrade(db, [])
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_name": lambda name, kind, _: name != "alembic_version"},
        )
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.check(db, []) == []
    assert migrate.heads(db) == {HEAD}


def test_check_reports_drift(db):
    migrate.upgrade(db, [])
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_customer_grade"))
    assert migrate.check(db, []) == ["add_index ix_customer_grade on customer"]


def test_check_reports_a_branch_not_at_head(db, tmp_path):
    manifest = demo_manifest(tmp_path)
    migrate.upgrade(db, [])
    problems = migrate.check(db, [manifest])
    assert len(problems) == 1 and problems[0].startswith("not migrated:") and "demo_0001" in problems[0]


def test_core_branch_shape():
    script = migrate.script_directory()
    (base,) = [r for r in script.walk_revisions() if r.down_revision is None]
    assert base.revision == CORE and base.branch_labels == {"kehu"} and not base.dependencies
    assert all(r.revision.startswith(migrate.CORE_REVISION_PREFIX) for r in script.walk_revisions())


# --- idempotence and speed ----------------------------------------------------------------------


def test_upgrade_is_idempotent_and_quick_when_current(db, monkeypatch):
    migrate.upgrade(db, [])
    before = migrate.heads(db)
    tables = set(inspect(db.engine).get_table_names())

    def no_alembic_run(*args, **kwargs):
        raise AssertionError("a current database must not start an Alembic run")

    monkeypatch.setattr(ScriptDirectory, "run_env", no_alembic_run)
    migrate.upgrade(db, [])
    assert migrate.heads(db) == before == {HEAD}
    assert set(inspect(db.engine).get_table_names()) == tables


def test_database_from_a_newer_kehu_is_refused(db):
    migrate.upgrade(db, [])
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'core_9999'"))
    with pytest.raises(migrate.MigrationError, match="core_9999"):
        migrate.upgrade(db, [])


def test_a_version_table_that_hides_the_core_revision_is_refused(db):
    migrate.upgrade(db, [])
    with db.engine.begin() as conn:  # as plain `alembic upgrade` leaves it: core folded into a plugin
        conn.execute(text("UPDATE alembic_version SET version_num = 'gone_plugin_0001'"))
    with pytest.raises(migrate.MigrationError, match="which core revision"):
        migrate.upgrade(db, [])


# --- data survives ------------------------------------------------------------------------------


def test_populated_database_survives_upgrade(database_url, tmp_path):
    from kehu.app import Kehu

    db = Database(database_url)
    command.upgrade(migrate.alembic_config(db), CORE)  # env.py's own-engine path
    assert migrate.heads(db) == {CORE}
    populate(db)
    before = snapshot(db)

    app = Kehu(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        assert snapshot(app.db) == before
        assert migrate.heads(app.db) >= {HEAD}
        with app.db.read() as session:
            from kehu.models import Customer

            customer = session.get(Customer, before["customer"][0][0])
            assert customer.name == "上海示例有限公司"
            assert customer.custom == {"vip": True} and customer.demand_tags == ["software"]
            assert [c.mobile for c in customer.contacts] == ["13800138000"]
            assert customer.owner.username == "alice" and customer.department.name == "销售部"
    finally:
        app.close()
        db.dispose()


def test_rebuilding_a_referenced_table_keeps_rows_and_foreign_keys(db, tmp_path):
    """A batch ALTER that copies a parent table (how SQLite alters) keeps its children intact."""
    if db.dialect != "sqlite":
        pytest.skip("tables are rebuilt by copy on SQLite only; PostgreSQL alters in place")
    migrate.upgrade(db, [])
    ids = populate(db)
    before = snapshot(db)
    rebuild = """
        with op.batch_alter_table("customer", recreate="always") as batch:
            batch.alter_column("street", existing_type=sa.String(200), existing_nullable=True)
    """
    folder = write_branch(tmp_path / "rebuild", "rebuild_test", {"rebuild_0001": rebuild})
    migrate.upgrade(db, [Manifest(name="rebuild_test", label_zh="重建", label_en="Rebuild", migrations=folder)])
    assert snapshot(db) == before
    assert migrate.check(db, []) == []  # names, indexes and foreign keys survived the copy
    with pytest.raises(Exception, match="(?i)foreign key"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM customer WHERE id = :id"), {"id": ids["customer"]})
    with db.engine.connect() as conn:  # switched back on for the pooled connection
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- plugin branches ----------------------------------------------------------------------------


def test_plugin_branch_is_migrated_and_kept_when_disabled(db, tmp_path):
    manifest = demo_manifest(tmp_path)
    migrate.upgrade(db, [])  # app start with the plugin not yet enabled
    assert "demo_plugin_note" not in inspect(db.engine).get_table_names()

    migrate.upgrade(db, [manifest])  # enabling it
    assert "demo_plugin_note" in inspect(db.engine).get_table_names()
    assert migrate.heads(db) == {HEAD, "demo_0001"}
    fks = inspect(db.engine).get_foreign_keys("demo_plugin_note")
    assert [(fk["referred_table"], fk["referred_columns"]) for fk in fks] == [("customer", ["id"])]
    ids = populate(db)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO demo_plugin_note (customer_id, body) VALUES (:c, '回访')"), {"c": ids["customer"]})
    assert migrate.check(db, [manifest]) == []  # the plugin's table is not the core's business

    migrate.upgrade(db, [])  # plugin disabled: its revision is unknown here and left alone
    assert migrate.heads(db) == {HEAD, "demo_0001"}
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM demo_plugin_note")).scalars().all() == ["回访"]

    migrate.upgrade(db, [manifest])  # enabled again: nothing to do
    assert migrate.heads(db) == {HEAD, "demo_0001"}


def test_core_and_plugin_on_a_fresh_database_in_one_call(db, tmp_path):
    second = """
        with op.batch_alter_table("demo_plugin_note") as batch:
            batch.add_column(sa.Column("pinned", sa.Boolean(), nullable=True))
    """
    manifest = demo_manifest(tmp_path, demo_0001=DEMO_NOTE, demo_0002=second)
    migrate.upgrade(db, [manifest])
    assert migrate.heads(db) == {HEAD, "demo_0002"}
    columns = {c["name"] for c in inspect(db.engine).get_columns("demo_plugin_note")}
    assert columns == {"id", "customer_id", "body", "pinned"}
    assert migrate.check(db, [manifest]) == []


def test_a_second_plugin_is_enabled_while_the_first_is_disabled(db, tmp_path):
    first = demo_manifest(tmp_path)
    other_note = DEMO_NOTE.replace("demo_plugin_note", "other_plugin_note").replace("fk_demo", "fk_other")
    folder = write_branch(tmp_path / "other", "other_plugin", {"other_0001": other_note})
    other = Manifest(name="other_plugin", label_zh="另一个", label_en="Other", migrations=folder)
    migrate.upgrade(db, [first])
    migrate.upgrade(db, [other])
    assert migrate.heads(db) == {HEAD, "demo_0001", "other_0001"}
    assert {"demo_plugin_note", "other_plugin_note"} <= set(inspect(db.engine).get_table_names())
    migrate.upgrade(db, [])
    migrate.upgrade(db, [other, first])
    assert migrate.heads(db) == {HEAD, "demo_0001", "other_0001"}


def test_a_failing_revision_leaves_the_database_as_it_was(db, tmp_path):
    manifest = demo_manifest(tmp_path, demo_0001=textwrap.dedent(DEMO_NOTE) + 'raise RuntimeError("boom")\n')
    with pytest.raises(RuntimeError, match="boom"):
        migrate.upgrade(db, [manifest])  # core and plugin in one transaction: neither is kept
    assert inspect(db.engine).get_table_names() == []
    migrate.upgrade(db, [])
    assert migrate.heads(db) == {HEAD}


def test_a_folder_without_the_plugins_branch_is_a_clear_error(db, tmp_path):
    folder = write_branch(tmp_path / "wrong", "misnamed", {"demo_0001": DEMO_NOTE})
    manifest = Manifest(name="demo_plugin", label_zh="演示", label_en="Demo", migrations=folder)
    with pytest.raises(migrate.MigrationError, match="demo_plugin"):
        migrate.upgrade(db, [manifest])


# --- several server processes -------------------------------------------------------------------


def _server_start(url: str, folder: str, barrier) -> None:
    """What a freshly started server process does (run in a forked child)."""
    database = Database(url)
    barrier.wait(timeout=30)
    migrate.upgrade(database, [Manifest(name="demo_plugin", label_zh="演示", label_en="Demo", migrations=Path(folder))])
    database.dispose()


def test_concurrent_server_processes_on_a_fresh_database(database_url, tmp_path):
    """Several processes start at once on an empty database: all succeed, one migrates."""
    try:
        mp = multiprocessing.get_context("fork")  # children start at once, without re-importing
    except ValueError:
        pytest.skip("needs fork()")
    manifest = demo_manifest(tmp_path)
    barrier = mp.Barrier(2)
    procs = [mp.Process(target=_server_start, args=(database_url, str(manifest.migrations), barrier)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    db = Database(database_url)
    try:
        assert migrate.heads(db) == {HEAD, "demo_0001"}
        assert migrate.check(db, [manifest]) == []
    finally:
        db.dispose()


def test_concurrent_threads_on_a_fresh_database(database_url, tmp_path):
    """Alembic's `context` is a module global: threads of one process take turns too."""
    manifest = demo_manifest(tmp_path)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def server_start() -> None:
        database = Database(database_url)
        try:
            start.wait(timeout=10)
            migrate.upgrade(database, [manifest])
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=server_start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db = Database(database_url)
    try:
        assert migrate.heads(db) == {HEAD, "demo_0001"}
    finally:
        db.dispose()


def test_upgrade_waits_for_another_migrating_process(db):
    """While another connection holds the migration lock, upgrade waits, then does the work."""
    holder = db.engine.connect().execution_options(**{_WRITE: True})  # SQLite: BEGIN IMMEDIATE
    holder.begin()
    if db.dialect == "postgresql":
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": migrate.ADVISORY_LOCK_KEY})
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate.upgrade(db, [])
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(1.0)
    try:
        assert worker.is_alive(), "upgrade did not wait for the lock"
    finally:
        holder.rollback()
        holder.close()
    worker.join(30)
    assert not worker.is_alive() and errors == []
    assert migrate.heads(db) == {HEAD}
