"""`kehu tags ...` through the real `kehu` command (click's CliRunner)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kehu.cli import cli
from tags_helpers import create, entries, tags_of

EAST, STRONG, STRONG2 = "区域-华东", "状态-意向强烈", "状态-强意向"


@pytest.fixture
def kehu_cmd(app, kehu_settings):
    def run(*args: str, lang: str = "zh", input: str | None = None):
        return CliRunner().invoke(cli, ["--data-dir", str(kehu_settings.data_dir), "--database-url",
                                        kehu_settings.database_url, "--lang", lang, "tags", *args], input=input)

    return run


def tag_ids(kehu_cmd) -> dict[str, int]:
    import json

    result = kehu_cmd("list", "--json")
    assert result.exit_code == 0, result.output
    return {t["name"]: t["id"] for t in json.loads(result.output)}


def test_list_create_rename_merge_delete(app, kehu_cmd):
    one = create(app, tags=[EAST, STRONG])
    result = kehu_cmd("list")
    assert result.exit_code == 0, result.output
    assert EAST in result.output and "客户数" in result.output

    result = kehu_cmd("create", "状态－强意向", "--description", "同义")
    assert result.exit_code == 0, result.output
    assert STRONG2 in result.output
    ids = tag_ids(kehu_cmd)

    result = kehu_cmd("rename", str(ids[EAST]), "地区-华东", "--reason", "统一维度", lang="en")
    assert result.exit_code == 0, result.output
    assert "is now 地区-华东" in result.output
    assert entries(app, one.code, "tag_rename")[0].reason == "统一维度"

    result = kehu_cmd("merge", str(ids[STRONG]), str(ids[STRONG2]))
    assert result.exit_code == 0, result.output
    assert tags_of(app, one.code) == sorted(["地区-华东", STRONG2])

    result = kehu_cmd("delete", str(ids[STRONG2]), input="n\n")
    assert result.exit_code != 0  # not confirmed: nothing happens
    assert STRONG2 in tags_of(app, one.code)
    result = kehu_cmd("delete", str(ids[STRONG2]), "--yes", "--reason", "不再使用")
    assert result.exit_code == 0, result.output
    assert tags_of(app, one.code) == ["地区-华东"]
    assert entries(app, one.code, "tag_delete")[0].reason == "不再使用"


def test_refusals_are_one_clear_line_in_the_chosen_language(app, kehu_cmd):
    result = kehu_cmd("create", "客户-重要", lang="en")
    assert result.exit_code == 2
    assert "vague" in result.output and "Traceback" not in result.output
    result = kehu_cmd("rename", "999999", "区域-华南")
    assert result.exit_code == 2
    assert "找不到" in result.output
