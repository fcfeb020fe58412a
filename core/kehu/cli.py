"""The `kehu` command: set up, run and administer an installation from a terminal.

    kehu init                          create the data directory and the schema
    kehu serve --demo                  run the web app, with demo data on a new database
    kehu demo --count 500              add demo customers
    kehu plugins list|enable|disable   which modules this installation uses (SPEC H2)
    kehu fields list|add|retire        admin-defined custom fields (SPEC A7)
    kehu migrate                       bring the schema up to date, show its revisions

Global options (before the command): `--data-dir` (env KEHU_DATA_DIR), `--database-url` (env
KEHU_DATABASE_URL) and `--lang zh|en` (env KEHU_LANG; default zh).  Errors are one clear line
per problem on stderr, never a traceback: exit status 2 for refused input (validation, plugin
dependencies), 1 when the database cannot be reached or migrated.

Plugins add commands with the `register_commands` hook.  They are looked up only when a
command is not a core one (or for `--help`), so `kehu init` and `kehu --help` work without a
database and a broken plugin cannot break the core commands.  A plugin command gets the app
with the `pass_app` decorator (or `current_app()`)::

    import click
    from kehu.cli import pass_app

    @click.command("tags-report")
    @click.option("--top", default=10)
    @pass_app
    def tags_report(app, top):
        ...

    @hookimpl
    def register_commands(app):
        return [tags_report]

`current_lang()` says which language to print in; `table(headers, rows)` lines up columns that
hold Chinese text.  A `kehu.errors.KehuError` raised by a command is printed for the user (in
that language, no traceback) and exits with status 2.
"""

from __future__ import annotations

import functools
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from kehu.config import Settings
from kehu.errors import FieldError, KehuError, NotFound, PluginError, ValidationFailed
from kehu.fields import CATEGORIES, CUSTOMER_TYPES

LANGS = ("zh", "en")


# --- Invocation state ----------------------------------------------------------------------


class State:
    """What every command of one invocation shares: settings, language, the app (built lazily)."""

    def __init__(self, settings: Settings, lang: str = "zh"):
        self.settings = settings
        self.lang = lang
        self._app: Any = None
        self.plugin_commands: dict[str, click.Command] | None = None

    @property
    def app(self):
        """The `kehu.app.Kehu` of this invocation; building it creates / migrates the schema."""
        if self._app is None:
            from kehu.app import Kehu

            self._app = Kehu(self.settings)
        return self._app

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


def _state(ctx: click.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        params = root.params
        settings = Settings.from_env(params.get("data_dir"), params.get("database_url"))
        root.obj = State(settings, params.get("lang") or os.environ.get("KEHU_LANG") or "zh")
        root.call_on_close(root.obj.close)
    return root.obj


def current_app():
    """The app of the running `kehu` command (for plugin commands)."""
    return _state(click.get_current_context()).app


def current_lang() -> str:
    """The output language of the running `kehu` command: "zh" (default) or "en"."""
    return _state(click.get_current_context()).lang


def pass_app(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a plugin command's callback to receive the `kehu.app.Kehu` as first argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(current_app(), *args, **kwargs)

    return wrapper


def database_exists(settings: Settings) -> bool:
    """Whether the configured database exists and has a kehu schema (nothing is created)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        return bool(path) and path != ":memory:" and Path(path).is_file() and Path(path).stat().st_size > 0
    from kehu import migrate
    from kehu.db import Database

    try:
        db = Database(settings.database_url)
    except Exception:
        return False
    try:
        return bool(migrate.heads(db))
    except Exception:
        return False
    finally:
        db.dispose()


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- Output helpers ------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table whose columns line up with Chinese text too."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def field_error_lines(errors: Sequence[FieldError], lang: str, labels: dict[str, str] | None = None,
                      names: dict[str, str] | None = None) -> list[str]:
    """One line per field error: `<where>: <message in lang>`."""
    labels, names = labels or {}, names or {}
    return [f"  ✗ {names.get(e.field, e.field) or '-'}: {e.message(lang, labels.get(e.field))}" for e in errors]


def _report(state: State, exc: Exception) -> int:
    """Print an error the way users should see it; returns the exit status."""
    lang = state.lang
    if isinstance(exc, ValidationFailed):
        labels = {}
        if state._app is not None:
            labels = {f.key: f.label(lang) for f in state._app.fields}
        click.echo(exc.message(lang), err=True)
        for line in field_error_lines(exc.errors, lang, labels):
            click.echo(line, err=True)
        return 2
    if isinstance(exc, KehuError):
        click.echo(exc.message(lang), err=True)
        return 2
    from kehu.migrate import MigrationError

    if isinstance(exc, MigrationError):
        click.echo(state.t(f"数据库迁移失败：{exc}", f"Cannot migrate the database: {exc}"), err=True)
        return 1
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        click.echo(state.t(f"数据库 {safe_url(state.settings.database_url)} 出错：{reason}",
                           f"Database problem at {safe_url(state.settings.database_url)}: {reason}"), err=True)
        return 1
    raise exc


# --- The command group ---------------------------------------------------------------------


class KehuGroup(click.Group):
    """Core commands, plus those plugins register (looked up lazily, never fatal)."""

    def _plugins(self, ctx: click.Context) -> dict[str, click.Command]:
        state = _state(ctx)
        if state.plugin_commands is not None:
            return state.plugin_commands
        state.plugin_commands = {}
        if ctx.resilient_parsing or not database_exists(state.settings):
            return state.plugin_commands
        try:
            app = state.app
            for batch in app.hook.register_commands(app=app):
                for command in batch or ():
                    if command.name in self.commands or command.name in state.plugin_commands:
                        click.echo(state.t(f"忽略插件命令“{command.name}”：名称已被占用",
                                           f"Ignoring plugin command {command.name!r}: the name is taken"), err=True)
                        continue
                    state.plugin_commands[command.name] = command
        except Exception as exc:  # a broken plugin must not take the core commands down
            detail = exc.message(state.lang) if isinstance(exc, KehuError) else f"{type(exc).__name__}: {exc}"
            click.echo(state.t(f"插件命令不可用：{detail}", f"Plugin commands unavailable: {detail}"), err=True)
        return state.plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        core = super().list_commands(ctx)
        return core + sorted(set(self._plugins(ctx)) - set(core))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            command = self._plugins(ctx).get(name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (KehuError, SQLAlchemyError) as exc:
            raise click.exceptions.Exit(_report(_state(ctx), exc)) from None
        except Exception as exc:
            from kehu.migrate import MigrationError

            if isinstance(exc, MigrationError):
                raise click.exceptions.Exit(_report(_state(ctx), exc)) from None
            raise


@click.group(cls=KehuGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", envvar="KEHU_DATA_DIR", is_eager=True, type=click.Path(file_okay=False),
              help="数据目录 / Data directory (default ./kehu-data).")
@click.option("--database-url", envvar="KEHU_DATABASE_URL", is_eager=True,
              help="数据库地址 / Database URL (default: SQLite file in the data directory).")
@click.option("--lang", envvar="KEHU_LANG", type=click.Choice(LANGS), default="zh", is_eager=True,
              help="输出语言 / Output language.")
@click.version_option(package_name="kehu")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, database_url: str | None, lang: str) -> None:
    """kehu 客户 — 客户资料管理 / customer records."""
    _state(ctx)


def main() -> None:
    cli(prog_name="kehu")


# --- init, migrate -------------------------------------------------------------------------


@cli.command()
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


@cli.command()
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
                refused[name] = exc.params.get("detail", str(exc))
                continue
            pending.remove(name)
            refused.pop(name, None)
            enabled.append(name)
            progress = True
    return enabled, refused


def prepare_demo(settings: Settings, count: int, *, seed: int = 0,
                 progress: Callable[[int], None] | None = None) -> DemoSetup:
    """For `serve --demo`: on a database without customers, enable every installed plugin and
    add `count` demo customers; a database that has customers is kept as it is."""
    from kehu import demo
    from kehu.app import Kehu

    app = Kehu(settings)
    try:
        setup = DemoSetup(existing=customer_count(app))
        if setup.existing:
            return setup
        setup.enabled, setup.refused = enable_all_plugins(app)
    finally:
        app.close()
    app = Kehu(settings)  # with the plugins just enabled: their fields, hooks and tables
    try:
        setup.created = demo.generate(app, count, seed=seed, progress=progress)
    finally:
        app.close()
    return setup


@cli.command("demo")
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


@cli.command()
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
        f"  接口 API:           {base}/api/customers",
        f"  接口文档 API docs:  {base}{docs}",
        f"  数据目录 Data dir:  {settings.data_dir}",
        f"  数据库 Database:    {safe_url(settings.database_url)}",
        "  演示用户 Demo users: 在请求头中加 / send the header  X-Kehu-User: admin",
        "    （其他用户 / others: zhangwei 销售 sales, liqiang 部门负责人 head, huangting 客服 support）",
        f"    例 e.g.  curl -H 'X-Kehu-User: admin' {base}/api/customers",
        "  按 Ctrl-C 停止 / Press Ctrl-C to stop.",
        "",
    ]))
    try:
        if reload:
            app.close()
            os.environ["KEHU_DATA_DIR"] = str(settings.data_dir)
            os.environ["KEHU_DATABASE_URL"] = settings.database_url
            uvicorn.run("kehu.cli:web_app_from_env", factory=True, host=host, port=port, reload=True,
                        reload_dirs=[str(Path(__file__).parent), os.getcwd()])
        else:
            uvicorn.run(web_app, host=host, port=port)
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    click.echo("已停止 / Stopped.")


# --- plugins -------------------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """查看、启用、停用插件 / List, enable and disable plugins."""


@plugins.command("list")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    """列出已安装的插件 / List installed plugins."""
    state = _state(ctx)
    app = state.app
    yes, no = state.t("是", "yes"), state.t("否", "no")
    rows = []
    for name in sorted(app.plugins.installed):
        d = app.plugins.installed[name].describe(state.lang)
        rows.append((d["name"], d["label"], d["version"], yes if d["enabled"] else no,
                     ", ".join(d["depends"]) or "-"))
    headers = state.t("插件 名称 版本 已启用 依赖", "name label version enabled depends").split()
    if not rows:
        click.echo(state.t("没有安装任何插件。", "No plugins are installed."))
        return
    click.echo(table(headers, rows))


def _set_enabled(ctx: click.Context, name: str, enabled: bool) -> None:
    state = _state(ctx)
    state.app.set_plugin_enabled(name, enabled)
    if enabled:
        click.echo(state.t(f"已启用插件“{name}”（之后启动的服务生效）。",
                           f"Plugin {name!r} enabled (for servers started from now on)."))
    else:
        click.echo(state.t(f"已停用插件“{name}”，其数据保留。",
                           f"Plugin {name!r} disabled; its data is kept."))


@plugins.command("enable")
@click.argument("name")
@click.pass_context
def plugins_enable(ctx: click.Context, name: str) -> None:
    """启用插件 / Enable a plugin (its dependencies must be enabled)."""
    _set_enabled(ctx, name, True)


@plugins.command("disable")
@click.argument("name")
@click.pass_context
def plugins_disable(ctx: click.Context, name: str) -> None:
    """停用插件（保留数据）/ Disable a plugin (its data is kept)."""
    _set_enabled(ctx, name, False)


# --- fields --------------------------------------------------------------------------------

lang_option = click.option("--lang", type=click.Choice(LANGS), default=None,
                           help="输出语言 / Output language (overrides the global --lang).")


def _lang(ctx: click.Context, lang: str | None) -> State:
    state = _state(ctx)
    if lang:
        state.lang = lang
    return state


@cli.group()
def fields() -> None:
    """查看和管理字段 / List fields, add and retire custom fields."""


def _flags(f, state: State) -> str:
    type_names = {"enterprise": ("企业", "enterprise"), "individual": ("个人", "individual"),
                  "institution": ("机构", "institution")}
    flags = []
    if f.required_for:
        kinds = "/".join(state.t(*type_names[t]) for t in CUSTOMER_TYPES if t in f.required_for)
        flags.append(state.t(f"必填({kinds})", f"required({kinds})"))
    for on, zh, en in ((f.readonly, "只读", "readonly"), (f.filterable, "可筛选", "filter"),
                       (f.listed, "列表", "list"), (f.searchable, "可搜索", "search"),
                       (f.key_info, "关键信息", "key-info"), (str(f.sensitivity) != "none", "敏感", "sensitive")):
        if on:
            flags.append(state.t(zh, en))
    return ", ".join(flags)


@fields.command("list")
@lang_option
@click.pass_context
def fields_list(ctx: click.Context, lang: str | None) -> None:
    """列出全部字段 / List every field (core, plugins, custom)."""
    state = _lang(ctx, lang)
    rows = []
    for f in state.app.fields:
        category = CATEGORIES[f.category][1 if state.lang == "en" else 0]
        rows.append((f.key, f.label(state.lang), str(f.type), category, f.plugin, _flags(f, state)))
    headers = state.t("字段 名称 类型 分类 来源 特性", "key label type category plugin flags").split()
    click.echo(table(headers, rows))


ADD_OPTIONS = {  # field of kehu.customfields.add_field -> (option shown, label zh, label en)
    "key": ("KEY", "字段代码", "Key"),
    "label_zh": ("--label-zh", "中文名称", "Chinese label"),
    "label_en": ("--label-en", "英文名称", "English label"),
    "type": ("--type", "类型", "Type"),
    "category": ("--category", "分类", "Category"),
    "subcategory": ("--subcategory", "二级分类", "Subcategory"),
    "required_for": ("--required-for", "必填客户类型", "Required for"),
    "validators": ("--validator", "校验规则", "Validator"),
    "choices": ("--choice", "选项", "Choices"),
}


@fields.command("add")
@click.argument("key")
@click.option("--label-zh", default="", help="中文名称 / Chinese label.")
@click.option("--label-en", default="", help="英文名称 / English label.")
@click.option("--type", "type_", default="text", show_default=True,
              help="text, longtext, integer, decimal, date, datetime, boolean, enum, multi_enum")
@click.option("--category", default="", help="basic | contact | business | interactions | preferences")
@click.option("--subcategory", default=None, help="二级分类 / Second-level category key.")
@click.option("--choice", "choices", multiple=True, metavar="VALUE:中文:English",
              help="选项（可多次）/ A choice (repeatable).")
@click.option("--required-for", multiple=True, metavar="TYPE",
              help="必填的客户类型（可多次）/ Customer type that must fill it (repeatable).")
@click.option("--validator", "validators", multiple=True, help="校验规则，如 mobile / A check, e.g. mobile.")
@click.option("--max-length", type=int, default=None, help="最大长度 / Maximum length.")
@click.option("--listed", is_flag=True, help="在列表中显示 / Show in lists.")
@click.option("--filterable/--no-filterable", default=True, help="可筛选 / Can be filtered on.")
@click.option("--searchable", is_flag=True, help="可搜索 / Searchable.")
@lang_option
@click.pass_context
def fields_add(ctx: click.Context, key: str, label_zh: str, label_en: str, type_: str, category: str,
               subcategory: str | None, choices: tuple[str, ...], required_for: tuple[str, ...],
               validators: tuple[str, ...], max_length: int | None, listed: bool, filterable: bool,
               searchable: bool, lang: str | None) -> None:
    """添加自定义字段 / Add a custom field (no code needed)."""
    from kehu import customfields

    state = _lang(ctx, lang)
    app = state.app
    data = {
        "key": key, "label_zh": label_zh, "label_en": label_en, "type": type_, "category": category,
        "subcategory": subcategory, "choices": list(choices), "required_for": list(required_for),
        "validators": list(validators), "max_length": max_length, "listed": listed,
        "filterable": filterable, "searchable": searchable,
    }
    try:
        f = customfields.add_field(app, app.system_actor, data)
    except ValidationFailed as exc:
        labels = {k: state.t(zh, en) for k, (_, zh, en) in ADD_OPTIONS.items()}
        names = {k: option for k, (option, _, _) in ADD_OPTIONS.items()}
        lines = [exc.message(state.lang), *field_error_lines(exc.errors, state.lang, labels, names)]
        fail("\n".join(lines))
    click.echo(state.t(f"已添加字段 {f.key}（{f.label_zh}），分类：{CATEGORIES[f.category][0]}。",
                       f"Added field {f.key} ({f.label_en}) to {CATEGORIES[f.category][1]}."))


@fields.command("retire")
@click.argument("key")
@lang_option
@click.pass_context
def fields_retire(ctx: click.Context, key: str, lang: str | None) -> None:
    """停用自定义字段（保留已有数据）/ Retire a custom field (values and history stay)."""
    from kehu import customfields

    state = _lang(ctx, lang)
    app = state.app
    try:
        customfields.retire_field(app, app.system_actor, key)
    except NotFound:
        fail(state.t(f"没有名为“{key}”的在用自定义字段（核心和插件字段不能停用）。",
                     f"There is no active custom field {key!r} (core and plugin fields cannot be retired)."))
    click.echo(state.t(f"已停用字段 {key}，已有数据和历史记录保留。",
                       f"Retired field {key}; existing values and history are kept."))


if __name__ == "__main__":  # pragma: no cover
    main()
