"""The `kehu` command: set up, run and administer an installation from a terminal.

    kehu init                          create the data directory and the schema
    kehu serve --demo                  run the web app, with demo data on a new database
    kehu demo --count 500              add demo customers
    kehu plugins list|enable|disable   which modules this installation uses (SPEC H2)
    kehu fields list|add|retire        admin-defined custom fields (SPEC A7)
    kehu migrate                       bring the schema up to date, show its revisions
    kehu export grade=A --format xlsx  export a customer list to CSV / XLSX (SPEC D4)
    kehu users add|passwd|token|list   accounts, passwords, personal API tokens

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

The package: this module holds the `kehu` group (global options, lazy plugin commands, error
reporting) and re-exports the helpers above; `state` the invocation state and `pass_app`;
`output` tables and error lines; one module per command family — `serve` (init, migrate, demo,
serve), `plugins`, `fields`, `export`, `users` — each defining plain click commands that are added to the group
at the end of this module.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from kehu.cli import export, fields, plugins, serve, users  # one module per command family
from kehu.cli.output import fail, field_error_lines, report, table
from kehu.cli.serve import (
    DemoSetup,
    customer_count,
    demo_command,
    docs_path,
    enable_all_plugins,
    init,
    migrate,
    prepare_demo,
    web_app_from_env,
)
from kehu.cli.state import LANGS, State, _state, current_app, current_lang, database_exists, pass_app, safe_url
from kehu.errors import KehuError

__all__ = [  # what plugins and tests import from kehu.cli
    "LANGS", "DemoSetup", "KehuGroup", "State", "cli", "current_app", "current_lang", "customer_count",
    "database_exists", "demo_command", "docs_path", "enable_all_plugins", "fail", "field_error_lines", "init",
    "main", "migrate", "pass_app", "prepare_demo", "safe_url", "table", "web_app_from_env",
]


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
            raise click.exceptions.Exit(report(_state(ctx), exc)) from None
        except Exception as exc:
            from kehu.migrate import MigrationError

            if isinstance(exc, MigrationError):
                raise click.exceptions.Exit(report(_state(ctx), exc)) from None
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


for _command in (init, migrate, demo_command, serve.serve, plugins.plugins, fields.fields, export.export,
                 users.users):
    cli.add_command(_command)
