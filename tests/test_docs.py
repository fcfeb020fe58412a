"""The README shows what the code does: the hook reference and the plugin example are checked."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOKSPECS = ROOT / "core" / "kehu" / "hookspecs.py"
EXAMPLE = ROOT / "examples" / "kehu-hello"


def hook_rows() -> list[str]:
    rows = []
    for node in ast.parse(HOOKSPECS.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            args = ", ".join(a.arg for a in node.args.args)
            first_line = ast.get_docstring(node).splitlines()[0]
            rows.append(f"| `{node.name}({args})` | {first_line} |")
    return rows


def test_hook_reference_matches_hookspecs():
    section = README.split("<!-- hooks:start -->")[1].split("<!-- hooks:end -->")[0]
    documented = [line for line in section.strip().splitlines()[2:]]
    assert documented == hook_rows()


def test_every_hookspec_says_what_to_return():
    for row in hook_rows():
        assert "Return" in row or "return" in row, row


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("block", [b for b in code_blocks("python") + code_blocks("toml") if "examples/kehu-hello" in b])
def test_plugin_excerpts_are_in_the_example(block):
    """Each excerpt in the README appears verbatim in the example plugin the tests install."""
    header, _, body = block.partition("\n")
    path = EXAMPLE / header.split("examples/kehu-hello/")[1].split(" ")[0]
    source = path.read_text(encoding="utf-8")
    for chunk in [c for c in body.split("\n\n\n") if c.strip()]:
        if chunk.startswith("[project]"):
            for line in chunk.strip().splitlines():
                assert line in source, line
        else:
            assert chunk.strip() in source, chunk


def test_quickstart_is_two_commands():
    quickstart = README.split("## Quickstart")[1].split("```bash\n")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in quickstart.strip().splitlines()]
    assert commands == ["python3 dev.py serve --demo", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 dev.py test" in ci


def test_every_hook_is_implemented_somewhere_tested():
    """Each hookspec has an implementation that the suite exercises (core default, plugin or test)."""
    sources = [p.read_text(encoding="utf-8") for p in [
        *ROOT.glob("core/kehu/defaults/*.py"), *ROOT.glob("plugins/*/kehu_*/*.py"),
        *ROOT.glob("examples/*/kehu_*/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("plugins/*/tests/*.py"),
    ]]
    for row in hook_rows():
        name = row.split("`")[1].split("(")[0]
        assert any(f"def {name}(" in s or f"{name}=" in s for s in sources if "hookimpl" in s), name
