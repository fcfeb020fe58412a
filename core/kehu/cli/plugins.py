"""`kehu plugins list|enable|disable`: which modules this installation uses (SPEC H2)."""

from __future__ import annotations

import click

from kehu.cli.output import table
from kehu.cli.state import _state


@click.group()
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

