"""The `kehu` command (kehu.cli): init, plugins, fields, demo, migrate, plugin commands, errors."""

from __future__ import annotations

import re
import sys
import textwrap
import uuid
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from kehu import accounts
from kehu import cli as kehu_cli
from kehu import migrate
from kehu.actors import Actor
from kehu.app import Kehu
from kehu.config import Settings
from kehu.db import Database
from kehu.models import Customer

TAGS_INSTALLED = any(ep.name == "tags" for ep in metadata.entry_points(group="kehu"))
PERMISSIONS_INSTALLED = any(ep.name == "permissions" for ep in metadata.entry_points(group="kehu"))
needs_tags = pytest.mark.skipif(not TAGS_INSTALLED, reason="kehu-tags is not installed")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def kehu(settings: Settings):
    """Run `kehu --data-dir … --database-url … ARGS`; returns the click Result."""
    runner = CliRunner()

    def run(*args: str, lang: str | None = None):
        options = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
        if lang:
            options += ["--lang", lang]
        result = runner.invoke(kehu_cli.cli, [*options, *args], prog_name="kehu")
        assert "Traceback" not in result.output, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run


def count_customers(settings: Settings) -> int:
    app = Kehu(settings)
    try:
        with app.db.read() as session:
            return session.scalar(select(func.count()).select_from(Customer))
    finally:
        app.close()


def schema_heads(settings: Settings) -> set[str]:
    db = Database(settings.database_url)
    try:
        return migrate.heads(db)
    finally:
        db.dispose()


def enabled_plugins(settings: Settings) -> list[str]:
    app = Kehu(settings)
    try:
        return list(app.plugins.order)
    finally:
        app.close()


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Install throwaway plugins the way pip would: a module plus a `kehu` entry point.

    `fake_plugins(name=source)` writes each module and makes `importlib.metadata.entry_points`
    report it in the `kehu` group, so discovery runs exactly as for a real installed plugin.
    """
    folder = tmp_path / "fake_plugins"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    real = metadata.entry_points
    extra: list[metadata.EntryPoint] = []

    def entry_points(**params):
        found = real(**params)
        if params.get("group") == kehu_cli_group():
            return metadata.EntryPoints([*found, *extra])
        return found

    monkeypatch.setattr(metadata, "entry_points", entry_points)

    def install(**sources: str) -> None:
        for name, source in sources.items():
            module = f"kehu_fake_{name}_{uuid.uuid4().hex[:8]}"
            (folder / f"{module}.py").write_text(source, encoding="utf-8")
            monkeypatch.delitem(sys.modules, module, raising=False)
            extra.append(metadata.EntryPoint(name=name, value=module, group="kehu"))

    return install


def kehu_cli_group() -> str:
    from kehu.plugins import ENTRY_POINT_GROUP

    return ENTRY_POINT_GROUP


def manifest_source(name: str, depends: tuple[str, ...] = (), body: str = "") -> str:
    """The source of a plugin module: its manifest plus `body` (more hook implementations)."""
    header = textwrap.dedent(f"""
        import click
        from kehu.cli import pass_app
        from kehu.hookspecs import hookimpl
        from kehu.plugins import Manifest

        @hookimpl
        def register_manifest():
            return Manifest(name={name!r}, label_zh="测试插件", label_en="Test plugin", depends={depends!r})
    """)
    return header + textwrap.dedent(body)


# --- help and init -------------------------------------------------------------------------


def test_help_needs_no_database(kehu, settings):
    result = kehu("--help")
    assert result.exit_code == 0
    for command in ("init", "serve", "demo", "plugins", "fields", "migrate"):
        assert command in result.output
    if settings.is_sqlite:  # checked first: opening the file would create it
        assert not Path(make_url(settings.database_url).database).exists()
    assert not schema_heads(settings)


def test_init_creates_the_schema(kehu, settings):
    result = kehu("init")
    assert result.exit_code == 0, result.output
    assert str(settings.data_dir) in result.output and "已创建数据库" in result.output
    assert settings.data_dir.is_dir()
    assert "core_0002" in schema_heads(settings)
    again = kehu("init", lang="en")
    assert again.exit_code == 0 and "already existed" in again.output


def test_migrate_prints_the_heads(kehu):
    result = kehu("migrate")
    assert result.exit_code == 0, result.output
    assert "core_0002" in result.output


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path):
    result = CliRunner().invoke(kehu_cli.cli, [
        "--data-dir", str(tmp_path), "--database-url", "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "plugins", "list"])
    assert result.exit_code == 1
    assert "127.0.0.1:9" in result.output and "Traceback" not in result.output


# --- plugins -------------------------------------------------------------------------------


@needs_tags
def test_plugins_list_shows_tags(kehu):
    result = kehu("plugins", "list", lang="en")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("tags "))
    assert " no " in f"{row} "
    zh = kehu("plugins", "list")
    assert "已启用" in zh.output and "标签" in zh.output


@needs_tags
def test_enable_disable_round_trip(kehu, settings):
    result = kehu("plugins", "enable", "tags")
    assert result.exit_code == 0, result.output
    assert "tags" in enabled_plugins(settings)
    listed = kehu("plugins", "list", lang="en")
    assert any(line.startswith("tags ") and " yes " in line + " " for line in listed.output.splitlines())
    result = kehu("plugins", "disable", "tags")
    assert result.exit_code == 0, result.output
    assert "tags" not in enabled_plugins(settings)


def test_missing_dependency_is_refused_clearly(kehu, settings, fake_plugins):
    fake_plugins(child=manifest_source("child", depends=("parent",)))
    listed = kehu("plugins", "list", lang="en")
    assert "child" in listed.output and "parent" in listed.output
    result = kehu("plugins", "enable", "child")
    assert result.exit_code == 2
    assert result.stderr.strip() == "插件“child”依赖“parent”，但后者未安装"
    english = kehu("plugins", "enable", "child", lang="en")
    assert english.exit_code == 2
    assert english.stderr.strip() == 'Plugin "child" depends on "parent", which is not installed'
    assert "child" not in enabled_plugins(settings)


def test_unknown_plugin(kehu):
    result = kehu("plugins", "enable", "nope")
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_disabling_a_needed_plugin_is_refused(kehu, settings, fake_plugins):
    fake_plugins(base=manifest_source("base"), top=manifest_source("top", depends=("base",)))
    assert kehu("plugins", "enable", "base").exit_code == 0
    assert kehu("plugins", "enable", "top").exit_code == 0
    result = kehu("plugins", "disable", "base")
    assert result.exit_code == 2
    assert "top" in result.stderr and "依赖" in result.stderr
    assert enabled_plugins(settings) == ["base", "top"]


COMMAND_PLUGIN = '''
    @click.command("field-count")
    @click.option("--category", default=None)
    @pass_app
    def field_count(app, category):
        """Count fields."""
        n = sum(1 for f in app.fields if category in (None, f.category))
        click.echo(f"fields={n}")

    @hookimpl
    def register_commands(app):
        return [field_count]
'''

BROKEN_COMMAND_PLUGIN = '''
    @hookimpl
    def register_commands(app):
        raise RuntimeError("boom")
'''


def test_plugin_commands_are_added_lazily(kehu, fake_plugins):
    fake_plugins(counter=manifest_source("counter", body=COMMAND_PLUGIN))
    assert "field-count" not in kehu("--help").output  # no database yet: core commands only
    assert kehu("plugins", "enable", "counter").exit_code == 0
    assert "field-count" in kehu("--help").output
    result = kehu("field-count", "--category", "basic")
    assert result.exit_code == 0, result.output
    assert "fields=" in result.output and int(result.output.split("fields=")[1]) > 3


def test_a_broken_plugin_does_not_break_core_commands(kehu, fake_plugins):
    fake_plugins(broken=manifest_source("broken", body=BROKEN_COMMAND_PLUGIN))
    assert kehu("plugins", "enable", "broken").exit_code == 0
    result = kehu("--help")
    assert result.exit_code == 0
    assert "init" in result.output and "boom" in result.stderr
    assert kehu("fields", "list").exit_code == 0


# --- fields --------------------------------------------------------------------------------


def test_fields_add_list_retire(kehu):
    result = kehu("fields", "add", "wechat_group", "--label-zh", "微信群", "--label-en", "WeChat group",
                  "--category", "contact", "--listed")
    assert result.exit_code == 0, result.output
    assert "wechat_group" in result.output
    listed = kehu("fields", "list", "--lang", "en")
    row = next(line for line in listed.output.splitlines() if line.startswith("wechat_group "))
    assert "WeChat group" in row and "custom" in row and "Contact information" in row and "list" in row
    assert "customer_type" in listed.output  # core fields too
    zh = kehu("fields", "list")
    assert "微信群" in zh.output and "联系信息" in zh.output
    retired = kehu("fields", "retire", "wechat_group")
    assert retired.exit_code == 0, retired.output
    assert "wechat_group" not in kehu("fields", "list").output
    again = kehu("fields", "retire", "wechat_group")
    assert again.exit_code == 2 and "wechat_group" in again.stderr


def test_fields_add_enum_with_choices(kehu):
    result = kehu("fields", "add", "payment_terms", "--label-zh", "付款方式", "--label-en", "Payment terms",
                  "--type", "enum", "--category", "business", "--choice", "prepaid:预付:Prepaid",
                  "--choice", "monthly:月结:Monthly", "--required-for", "enterprise")
    assert result.exit_code == 0, result.output
    listed = kehu("fields", "list", "--lang", "en")
    row = next(line for line in listed.output.splitlines() if line.startswith("payment_terms "))
    assert "enum" in row and "required(enterprise)" in row


def test_fields_add_reports_every_error_in_the_chosen_language(kehu):
    args = ["fields", "add", "Bad-Key", "--label-en", "Bad", "--type", "enum", "--category", "nowhere"]
    result = kehu(*args, "--lang", "en")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("4 problem(s) found")
    assert any(line.strip().startswith("✗ KEY:") and "lower-case" in line for line in lines)
    assert any("--label-zh:" in line and "Chinese label is required" in line for line in lines)
    assert any("--category:" in line and "nowhere" in line for line in lines)
    assert any("--choice:" in line for line in lines)
    zh = kehu(*args)
    assert zh.exit_code == 2 and "中文名称为必填项" in zh.stderr
    assert "Bad-Key" not in kehu("fields", "list").output  # nothing was written


# --- demo ----------------------------------------------------------------------------------


def test_demo_command_adds_customers(kehu, settings):
    result = kehu("demo", "--count", "50", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "50" in result.output
    assert count_customers(settings) == 50
    more = kehu("demo", "--count", "5")  # default seed: the number of customers so far
    assert more.exit_code == 0, more.output
    assert "种子 50" in more.output and count_customers(settings) == 55


def test_prepare_demo_fills_a_new_database_once(settings):
    setup = kehu_cli.prepare_demo(settings, 20)
    assert setup.created == 20 and setup.existing == 0 and not setup.refused
    installed = {ep.name for ep in metadata.entry_points(group="kehu")}
    assert set(setup.enabled) == installed
    assert set(enabled_plugins(settings)) == installed
    again = kehu_cli.prepare_demo(settings, 20)
    assert again.existing == 20 and again.created == 0
    assert count_customers(settings) == 20
    # The demo account gets a new password at every start; the old one stops working.
    assert setup.password and again.password and again.password != setup.password
    app = Kehu(settings)
    try:
        assert accounts.authenticate(app.db, "demo", again.password) is not None
        assert accounts.authenticate(app.db, "demo", setup.password) is None
    finally:
        app.close()


def test_demo_account_is_never_added_to_a_database_with_real_data(kehu, settings):
    assert kehu("demo", "--count", "3").exit_code == 0  # customers, but no demo account
    setup = kehu_cli.prepare_demo(settings, 5)
    assert setup.existing == 3 and setup.password is None
    db = Database(settings.database_url)
    try:
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM user_account WHERE username = 'demo'")) == 0
    finally:
        db.dispose()


def test_serve_builds_the_web_app(settings):
    from litestar.testing import TestClient

    from kehu.testing import sign_in
    from kehu.web import create_web_app

    setup = kehu_cli.prepare_demo(settings, 5)
    app = Kehu(settings)
    try:
        web_app = create_web_app(app)
        assert kehu_cli.docs_path(web_app) == "/schema/swagger"
        with TestClient(web_app) as client:
            assert client.get("/api/customers").status_code == 401
            sign_in(client, "demo", setup.password)  # what a newcomer does with the printed password
            response = client.get("/api/customers")
            assert response.status_code == 200, response.text
            assert response.json()["total"] == 5
            assert client.get(kehu_cli.docs_path(web_app)).status_code == 200
    finally:
        app.close()


def test_serve_prints_where_and_runs_uvicorn(kehu, settings, monkeypatch):
    import uvicorn
    from litestar import Litestar

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    result = kehu("serve", "--demo", "--count", "3", "--port", "8123")
    assert result.exit_code == 0, result.output
    [(web_app, options)] = calls
    assert isinstance(web_app, Litestar) and options == {"host": "127.0.0.1", "port": 8123}
    for expected in ("http://127.0.0.1:8123/signin", "http://127.0.0.1:8123/api/customers",
                     "http://127.0.0.1:8123/schema/swagger", str(settings.data_dir), "Created 3 demo customers",
                     "Demo user: demo"):
        assert expected in result.output
    # serve --demo enables every installed plugin: single-team mode only without a permissions plugin
    single_team = "no permissions plugin: every user sees and changes every customer"
    assert (single_team in result.output) == (not PERMISSIONS_INSTALLED)
    password = re.search(r"password: (\S+)", result.output).group(1)
    app = Kehu(settings)
    try:
        user = accounts.authenticate(app.db, "demo", password)
        assert user is not None
        demo = Actor.of(user)
        assert app.allowed(demo, "read") and app.allowed(demo, "configure", "field")  # demo is a data admin
    finally:
        app.close()
    assert count_customers(settings) == 3
    again = kehu("serve", "--demo")
    assert again.exit_code == 0 and "already has 3 customers" in again.output
    assert count_customers(settings) == 3
