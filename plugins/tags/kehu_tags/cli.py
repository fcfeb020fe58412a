"""`kehu tags ...`: review the vocabulary from a terminal (list, create, rename, merge, delete).

Commands act as the system user (as every kehu command does) through `kehu_tags.service`, so
name rules, permissions and history are those of the API.  Errors (a bad name, an unknown tag)
are printed by the `kehu` command in the chosen language (`kehu --lang en tags ...`), exit 2.
"""

from __future__ import annotations

import json

import click

from kehu.cli import pass_app, table
from kehu_tags import service


def _lang() -> str:
    state = click.get_current_context().find_root().obj
    return getattr(state, "lang", "zh")


def _t(zh: str, en: str) -> str:
    return en if _lang() == "en" else zh


reason_option = click.option("--reason", default=None,
                             help="原因（写入客户历史）/ Reason (kept in customers' history).")


@click.group("tags")
def tags_group() -> None:
    """标签：查看、新建、改名、合并、删除 / Tags: list, create, rename, merge, delete."""


@tags_group.command("list")
@click.option("--dimension", default=None, help="只看一个维度，如 区域 / One dimension only, e.g. 区域.")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / Print JSON.")
@pass_app
def list_command(app, dimension: str | None, as_json: bool) -> None:
    """列出标签及使用次数 / List tags with the number of customers carrying each."""
    items = service.list_tags(app, app.system_actor, dimension=dimension)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(_t("还没有标签。", "There are no tags yet."))
        return
    headers = _t("编号 名称 维度 客户数 曾用名 说明", "id name dimension customers formerly description").split()
    rows = [(t["id"], t["name"], t["dimension"], t["usage"], ", ".join(t["aliases"]), t["description"] or "")
            for t in items]
    click.echo(table(headers, rows))


@tags_group.command("create")
@click.argument("name")
@click.option("--description", default=None, help="说明 / Description.")
@pass_app
def create_command(app, name: str, description: str | None) -> None:
    """新建标签，名称为“维度-取值” / Create a tag named "dimension-value"."""
    tag = service.create_tag(app, app.system_actor, {"name": name, "description": description})
    click.echo(_t(f"已新建标签 {tag['id']}：{tag['name']}", f"Created tag {tag['id']}: {tag['name']}"))


@tags_group.command("rename")
@click.argument("tag_id", type=int)
@click.argument("new_name")
@reason_option
@pass_app
def rename_command(app, tag_id: int, new_name: str, reason: str | None) -> None:
    """改名（客户保留该标签，旧名称仍可查到）/ Rename (customers keep it; the old name still finds it)."""
    tag = service.rename_tag(app, app.system_actor, tag_id, new_name, reason=reason)
    click.echo(_t(f"标签 {tag_id} 现名为 {tag['name']}，{tag['usage']} 位客户带有该标签。",
                  f"Tag {tag_id} is now {tag['name']}; {tag['usage']} customer(s) carry it."))


@tags_group.command("merge")
@click.argument("tag_id", type=int)
@click.argument("into_id", type=int)
@reason_option
@pass_app
def merge_command(app, tag_id: int, into_id: int, reason: str | None) -> None:
    """把标签 TAG_ID 合并到 INTO_ID / Merge tag TAG_ID into tag INTO_ID."""
    result = service.merge_tags(app, app.system_actor, tag_id, into_id, reason=reason)
    into = result["into"]
    click.echo(_t(f"已将 {result['merged']} 合并到 {into['name']}（涉及 {result['customers']} 位客户）。",
                  f"Merged {result['merged']} into {into['name']} ({result['customers']} customer(s) affected)."))


@tags_group.command("delete")
@click.argument("tag_id", type=int)
@reason_option
@click.option("--yes", is_flag=True, help="不再确认 / Do not ask for confirmation.")
@pass_app
def delete_command(app, tag_id: int, reason: str | None, yes: bool) -> None:
    """删除标签，客户历史中保留记录 / Delete a tag; customers' history keeps the trace."""
    tag = service.get_tag(app, app.system_actor, tag_id)
    if not yes:
        click.confirm(_t(f"删除标签 {tag['name']}（{tag['usage']} 位客户带有）？",
                         f"Delete tag {tag['name']} ({tag['usage']} customer(s) carry it)?"), abort=True)
    result = service.delete_tag(app, app.system_actor, tag_id, reason=reason)
    click.echo(_t(f"已删除标签 {result['name']}，{result['customers']} 位客户的历史中有记录。",
                  f"Deleted tag {result['name']}; the history of {result['customers']} customer(s) records it."))
