"""Schema management with Alembic: one version branch for the core, one for each plugin.

- The core's revisions live in `kehu/migrations/versions/` on the branch labelled `kehu`; their ids
  are `core_0001`, `core_0002`, ...  A plugin ships its own folder of revisions (the folder is
  `Manifest.migrations`) on a branch labelled with the plugin's name; its first revision has
  `down_revision = None` and `depends_on = "core_0001"` (or whichever core revision it needs), so
  the branches stay independent and the version table holds one row per branch.
- Plugin revisions create and alter only the plugin's own (side) tables, which may point at core
  tables with foreign keys; they never alter core tables.  The core schema stays the core's.
- Enabling a plugin migrates its branch (`upgrade(db, [manifests of the enabled plugins])`, which
  `Kehu()` and `Kehu.set_plugin_enabled` call).  Disabling a plugin runs nothing: its tables, its
  data and its row in the version table stay, and enabling it again carries on from there.  A
  revision in the version table that none of the given folders knows (a disabled or uninstalled
  plugin's) is left alone rather than being an error.
- `upgrade` first compares the version table with the heads it wants and returns at once when
  the database is current, so an app start on a migrated database costs a look at the version
  table.  Otherwise every pending revision of every wanted branch runs in one transaction, on
  PostgreSQL under an advisory lock (see `migrations/env.py`), so processes take turns.
- `depends_on` orders revisions across branches but, unlike Alembic's default bookkeeping, does
  not fold a plugin's row into core's (`_BranchStep`): the version table always says where each
  branch is, even while the folders of disabled plugins are not given.  Core revision ids start
  with `core_`, so a database migrated by a newer kehu is refused rather than re-migrated.
- One migration run at a time per process (Alembic's `context`/`op` are module globals).
- Alembic's INFO logs go wherever the caller's logging configuration sends them; nothing here
  configures logging, so they are silent by default.

A new revision during development: on a scratch database, with Alembic's own commands (their
bookkeeping suits autogenerate's "is the database up to date" check)::

    cfg = migrate.alembic_config(scratch_db, [manifest])  # no manifest for a core revision
    cfg.attributes["target_metadata"] = kehu_tags.models.metadata  # a plugin's own tables
    command.upgrade(cfg, "tags@head")  # or "kehu@head"
    command.revision(cfg, autogenerate=True, head="tags@head", rev_id="tags_0002", message="...")

then read and tidy the generated file; `tests/test_migrations.py` (core) and the plugin's tests
(`check(db, [manifest], [metadata])`) compare the migrated database with the models.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData

from kehu.db import _WRITE, Database
from kehu.models import Base
from kehu.plugins import Manifest

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CORE_VERSIONS = MIGRATIONS_DIR / "versions"
CORE_BRANCH = "kehu"
CORE_REVISION_PREFIX = "core_"
# Key of the transaction-level advisory lock taken on PostgreSQL around migrations ("kehu").
ADVISORY_LOCK_KEY = 0x6B656875


class MigrationError(RuntimeError):
    """The database cannot be brought to the wanted revisions."""


def _branches(plugins: Iterable[Manifest]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(branch labels, version folders): core first, then each plugin that has migrations."""
    labels, folders = [CORE_BRANCH], [str(CORE_VERSIONS)]
    for m in plugins:
        if m.migrations is not None:
            labels.append(m.name)
            folders.append(str(Path(m.migrations).resolve()))
    return tuple(labels), tuple(folders)


@functools.lru_cache(maxsize=32)
def _script(folders: tuple[str, ...]) -> ScriptDirectory:
    """The revision graph of these folders (read once per process; revision files do not change)."""
    return ScriptDirectory(str(MIGRATIONS_DIR), version_locations=list(folders))


def script_directory(plugins: Iterable[Manifest] = ()) -> ScriptDirectory:
    return _script(_branches(plugins)[1])


def alembic_config(db: Database | None = None, plugins: Iterable[Manifest] = ()) -> Config:
    """An Alembic `Config` (no ini file) for `alembic.command` calls, e.g. `revision`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "newline")
    folders = _branches(plugins)[1]
    cfg.set_main_option("version_locations", "\n".join(folders).replace("%", "%%"))
    if db is not None:
        cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def heads(db: Database) -> set[str]:
    """The revisions recorded in the database's version table (empty for a new database)."""
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _known(script: ScriptDirectory, current: Iterable[str]) -> tuple[str, ...]:
    """The current heads these folders know; others belong to plugins not given (disabled)."""
    known = []
    for rev in current:
        try:
            script.get_revision(rev)
        except CommandError:
            if rev.startswith(CORE_REVISION_PREFIX):
                raise MigrationError(
                    f"the database is at core revision {rev!r}, which this kehu does not know:"
                    " it was migrated by a newer version / 数据库由更新版本的 kehu 迁移过"
                ) from None
            continue
        known.append(rev)
    if current and not any(r.startswith(CORE_REVISION_PREFIX) for k in known for r in {k, *_ancestors(script, k)}):
        raise MigrationError(
            f"the version table ({', '.join(sorted(current))}) does not say which core revision the"
            " database is at (was it upgraded with plain Alembic commands?)"
        )
    return tuple(known)


def _ancestors(script: ScriptDirectory, rev: str) -> set[str]:
    """Revisions below `rev`, following both down revisions and `depends_on`."""
    seen: set[str] = set()
    todo = list(script.get_revision(rev)._all_down_revisions)
    while todo:
        r = todo.pop()
        if r not in seen:
            seen.add(r)
            todo.extend(script.get_revision(r)._all_down_revisions)
    return seen


def _lowest(script: ScriptDirectory, revs: Iterable[str]) -> tuple[str, ...]:
    """`revs` without those below another of them (Alembic wants no overlap in a range)."""
    revs = set(revs)
    below = set().union(*(_ancestors(script, rev) for rev in revs))
    return tuple(sorted(revs - below))


def _pending(script: ScriptDirectory, labels: Sequence[str], current: Iterable[str]) -> list[Any]:
    """The steps that bring every branch in `labels` to its head, dependencies first."""
    try:
        wanted = _lowest(script, (script.get_revision(f"{label}@head").revision for label in labels))
        return [
            _BranchStep(step.revision_map, step.revision, True)
            for step in script._upgrade_revs(wanted, _lowest(script, _known(script, current)))
        ]
    except CommandError as exc:
        raise MigrationError(f"cannot upgrade {', '.join(labels)} to their heads: {exc}") from exc


class _BranchStep(RevisionStep):
    """An upgrade step that moves only its own branch's row of the version table.

    Alembic's own steps treat `depends_on` like a down revision when they update the version
    table: applying a plugin's first revision would *replace* the `core_0001` row.  A database
    whose plugin is then disabled (its revisions unknown to that run) would no longer say where
    the core is.  Here `depends_on` only orders the steps, and the table keeps one row per branch.
    """

    @property
    def from_revisions(self) -> tuple[str, ...]:
        return self.revision._versioned_down_revisions

    def should_create_branch(self, heads: set[str]) -> bool:
        return not heads.intersection(self.from_revisions)

    def should_merge_branches(self, heads: set[str]) -> bool:
        return len(heads.intersection(self.from_revisions)) > 1

    def merge_branch_idents(self, heads: set[str]) -> tuple[list[str], str, str]:
        merged = sorted(heads.intersection(self.from_revisions))
        return merged[:-1], merged[-1], self.revision.revision

    def update_version_num(self, heads: set[str]) -> tuple[str, str]:
        (down,) = heads.intersection(self.from_revisions)
        return down, self.revision.revision


# Alembic's `context` and `op` are module-level proxies: one migration run per process at a time.
# (Processes take turns through the database: an advisory lock, or SQLite's write lock.)
_RUN_LOCK = threading.Lock()


def upgrade(db: Database, plugins: Iterable[Manifest]) -> None:
    """Bring the core branch and each given plugin's branch to its head; quick when current."""
    labels, folders = _branches(plugins)
    script = _script(folders)
    if not _pending(script, labels, heads(db)):
        return

    def steps(current: tuple[str, ...], _context: MigrationContext) -> list[Any]:
        # Called by env.py after it took the lock: another process may have done the work.
        found = _pending(script, labels, current)
        if found:
            log.info("migrating %s: %s", db.engine.url.render_as_string(), ", ".join(str(s) for s in found))
        return found

    cfg = alembic_config(None, ())
    with _RUN_LOCK, db.engine.connect() as conn:
        # SQLite: BEGIN IMMEDIATE, so a second migrating process waits instead of failing late.
        conn = conn.execution_options(**{_WRITE: True})
        cfg.attributes["connection"] = conn
        with EnvironmentContext(cfg, script, fn=steps):
            script.run_env()


def _describe(diff: Any) -> str:
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(_describe(d) for d in diff)
    op, *args = diff
    if op.startswith("modify_"):
        _schema, table, column, _existing, old, new = args
        return f"{op} {table}.{column}: {old!r} -> {new!r}"
    if op in ("add_column", "remove_column"):
        _schema, table, column = args
        return f"{op} {table}.{column.name}"
    names = []
    for obj in args:
        table = getattr(obj, "table", None)
        name = getattr(obj, "name", None) or repr(obj)
        names.append(f"{name} on {table.name}" if table is not None and hasattr(table, "name") else str(name))
    return f"{op} {' '.join(names)}"


def check(db: Database, plugins: Iterable[Manifest] = (), metadata: Iterable[MetaData] = ()) -> list[str]:
    """Differences between the database and the models; empty when they agree.

    Reports branches (core and the given plugins) not at their head, and schema differences of
    the core tables (plus the tables of any extra `metadata`, e.g. a plugin's) found by Alembic's
    autogenerate comparison.  Other tables (other plugins', the version table) are ignored.
    """
    plugins = list(plugins)
    labels, folders = _branches(plugins)
    problems = [f"not migrated: {step}" for step in _pending(_script(folders), labels, heads(db))]
    models = [Base.metadata, *metadata]
    tables = {t.name for md in models for t in md.tables.values()}

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return type_ != "table" or name in tables

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        diffs = compare_metadata(context, models if len(models) > 1 else models[0])
    return problems + [_describe(d) for d in diffs]
