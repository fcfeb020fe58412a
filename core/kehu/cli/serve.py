"""`kehu init`, `migrate`, `demo` and `serve`: set up, fill and run an installation."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import func, select

from kehu.cli.state import _state, database_exists, safe_url
from kehu.config import Settings
from kehu.errors import PluginError

if TYPE_CHECKING:  # the app is imported where it is built, so `kehu --help` stays quick
    from kehu.app import Kehu

# --- init, migrate -------------------------------------------------------------------------


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """创建数据目录和数据库 / Create the data directory and the database schema."""
    state = _state(ctx)
    existed = database_exists(state.settings)
    app = state.app
    s = state.settings
    click.echo(state.t(f"数据目录：{s.data_dir}", f"Data directory: {s.data_dir}"))
    click.echo(state.t(f"数据库：{safe_url(s.database_url)}", f"Database: {safe_url(s.database_url)}"))
    if existed:
        click.echo(state.t("数据库已存在，结构已是最新。", "The database already existed; its schema is up to date."))
    else:
        click.echo(state.t("已创建数据库。", "Database created."))
    click.echo(state.t("已启用的插件：", "Enabled plugins: ") + (", ".join(app.plugins.order) or "-"))


@click.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """升级数据库结构并显示当前版本 / Bring the schema up to date and show its revisions."""
    from kehu import migrate as migrations

    state = _state(ctx)
    app = state.app
    click.echo(state.t(f"数据库：{safe_url(state.settings.database_url)}",
                       f"Database: {safe_url(state.settings.database_url)}"))
    click.echo(state.t("数据库结构已是最新，当前版本：", "The schema is up to date; current revisions:"))
    for head in sorted(migrations.heads(app.db)):
        click.echo(f"  {head}")


# --- demo, serve ---------------------------------------------------------------------------


class _LazyBar:
    """A click progress bar that appears at the first update (so nothing shows when unused)."""

    def __init__(self, length: int, label: str):
        self.length, self.label = length, label
        self._bar: Any = None

    def update(self, n: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=self.length, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@dataclass
class DemoSetup:
    """What `prepare_demo` did."""

    created: int = 0  # customers generated (0 when the database was kept)
    existing: int = 0  # customers the database already had
    enabled: list[str] = field(default_factory=list)  # plugins enabled now
    refused: dict[str, str] = field(default_factory=dict)  # plugin -> why it could not be enabled
    password: str | None = None  # the demo account's new password (None: the database has no demo account)


def customer_count(app) -> int:
    from kehu.models import Customer

    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def enable_all_plugins(app) -> tuple[list[str], dict[str, str]]:
    """Enable every installed plugin, dependencies first; returns (enabled now, refused: why)."""
    pending = sorted(n for n in app.plugins.installed if n not in app.plugins.order)
    enabled: list[str] = []
    refused: dict[str, str] = {}
    progress = True
    while pending and progress:
        progress = False
        for name in list(pending):
            try:
                app.set_plugin_enabled(name, True)
            except PluginError as exc:
                refused[name] = str(exc)  # both languages: shown in the bilingual banner
                continue
            pending.remove(name)
            refused.pop(name, None)
            enabled.append(name)
            progress = True
    return enabled, refused


def prepare_demo(settings: Settings, count: int, *, seed: int = 0,
                 progress: Callable[[int], None] | None = None) -> DemoSetup:
    """For `serve --demo`: on a database without customers, enable every installed plugin and
    add `count` demo customers and the account `demo`; a database that has customers is kept as
    it is.  The demo account gets a new password each time (`setup.password`, to print)."""
    from kehu import demo
    from kehu.app import Kehu

    app = Kehu(settings)
    try:
        setup = DemoSetup(existing=customer_count(app))
        if setup.existing:
            setup.password = demo.demo_account(app, create=False)  # only where the demo made one
            return setup
        setup.enabled, setup.refused = enable_all_plugins(app)
    finally:
        app.close()
    app = Kehu(settings)  # with the plugins just enabled: their fields, hooks and tables
    try:
        setup.created = demo.generate(app, count, seed=seed, progress=progress)
        setup.password = demo.demo_account(app, create=True)
    finally:
        app.close()
    return setup


@click.command("demo")
@click.option("--count", default=100, show_default=True, type=click.IntRange(min=1),
              help="客户数量 / How many customers.")
@click.option("--seed", type=int, default=None,
              help="随机种子（默认取现有客户数）/ Random seed (default: the number of existing customers).")
@click.pass_context
def demo_command(ctx: click.Context, count: int, seed: int | None) -> None:
    """添加演示客户 / Add demo customers (and the demo departments and users)."""
    from kehu import demo

    state = _state(ctx)
    app = state.app
    if seed is None:
        seed = customer_count(app)
    bar = _LazyBar(count, state.t("正在生成演示客户", "Creating demo customers"))
    try:
        created = demo.generate(app, count, seed=seed, progress=bar.update)
    finally:
        bar.close()
    click.echo(state.t(f"已添加 {created} 位演示客户（种子 {seed}），现共有 {customer_count(app)} 位客户。",
                       f"Added {created} demo customers (seed {seed}); there are now {customer_count(app)}."))


def permission_lines(app: Kehu) -> list[str]:
    """Say so when no plugin restricts anybody: roles in the demo are names only until then."""
    hooks = (app.hook.customer_scope, app.hook.permission_allowed, app.hook.field_access)
    if any(h.get_hookimpls() for h in hooks):
        return []
    return ["  权限 Permissions:   未启用权限插件，所有用户都能查看和修改全部客户（单团队模式）",
            "                      no permissions plugin: every user sees and changes every customer"]


def sign_in_lines(password: str | None, base: str) -> list[str]:
    """How to sign in: the demo account when there is one, else how to make an account."""
    if password is None:
        return ["  登录 Sign in:        kehu users add 用户名 --name 显示名   (then 然后 kehu users token 用户名 --name 用途)"]
    return [
        f"  演示账户 Demo user: demo   密码 password: {password}",
        "                      （每次 serve --demo 都换新密码 / a new password at every serve --demo）",
        "  接口令牌 API token:  在“我的账户”创建，或 / under My account, or: kehu users token demo --name 试用",
        f"                      curl -H 'Authorization: Bearer kehu_…' {base}/api/customers",
    ]


def docs_path(web_app: Any) -> str:
    """Where the web app serves its API documentation (Swagger UI when it has one)."""
    config = getattr(web_app, "openapi_config", None)
    if config is None:
        return "/schema"
    base = (config.path or "/schema").rstrip("/")
    paths = [p for plugin in config.render_plugins for p in getattr(plugin, "paths", ())]
    return f"{base}/swagger" if "/swagger" in paths or not paths else base


def web_app_from_env():
    """uvicorn factory for `kehu serve --reload` (settings come from KEHU_* variables)."""
    from kehu.app import Kehu
    from kehu.web import create_web_app

    return create_web_app(Kehu(Settings.from_env()))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="端口 / Port.")
@click.option("--demo", is_flag=True, help="新数据库时填充演示数据 / Fill a new database with demo data.")
@click.option("--count", default=300, show_default=True, type=click.IntRange(min=1),
              help="演示客户数量 / Demo customers to create.")
@click.option("--reload/--no-reload", default=False, help="代码修改后自动重启 / Restart on code changes.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, demo: bool, count: int, reload: bool) -> None:
    """运行网页和 API 服务 / Run the web app and the JSON API."""
    import uvicorn

    from kehu.app import Kehu
    from kehu.web import create_web_app

    state = _state(ctx)
    settings = state.settings
    if demo:
        bar = _LazyBar(count, "正在生成演示数据 / Creating demo data")
        try:
            setup = prepare_demo(settings, count, progress=bar.update)
        finally:
            bar.close()
        if setup.existing:
            click.echo(f"数据库已有 {setup.existing} 位客户，保留现有数据，不再生成演示数据。\n"
                       f"The database already has {setup.existing} customers; kept as it is, no demo data added.")
        else:
            click.echo(f"已生成 {setup.created} 位演示客户 / Created {setup.created} demo customers.")
            if setup.enabled:
                click.echo(f"已启用插件 / Plugins enabled: {', '.join(setup.enabled)}")
            for name, why in setup.refused.items():
                click.echo(f"未能启用插件 / Could not enable plugin {name}: {why}", err=True)
    state.close()
    app = Kehu(settings)
    web_app = create_web_app(app)
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    docs = docs_path(web_app)
    click.echo("\n".join([
        "",
        "kehu 客户资料管理 / customer records",
        f"  网页 Screens:       {base}/signin",
        f"  接口 API:           {base}/api/customers",
        f"  接口文档 API docs:  {base}{docs}",
        f"  数据目录 Data dir:  {settings.data_dir}",
        f"  数据库 Database:    {safe_url(settings.database_url)}",
        *sign_in_lines(setup.password if demo else None, base),
        *permission_lines(app),
        "  按 Ctrl-C 停止 / Press Ctrl-C to stop.",
        "",
    ]))
    try:
        if reload:
            app.close()
            os.environ["KEHU_DATA_DIR"] = str(settings.data_dir)
            os.environ["KEHU_DATABASE_URL"] = settings.database_url
            uvicorn.run("kehu.cli.serve:web_app_from_env", factory=True, host=host, port=port, reload=True,
                        reload_dirs=[str(Path(__file__).parents[1]), os.getcwd()])
        else:
            uvicorn.run(web_app, host=host, port=port)
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    click.echo("已停止 / Stopped.")

