"""Catalog maintenance: which msgids the sources use, and how the zh_CN catalogs cover them.

    python3 dev.py i18n            # check core and every plugin of the repository
    python3 dev.py i18n --write    # also normalise the .po files: sorted, duplicates merged
    python -m kehu.i18n_tools --root DIR [PACKAGE_DIR ...]

Msgids are extracted with Babel's extraction API: from Python with the keywords `_`, `N_`,
`gettext` and `ngettext` (`kehu.i18n.gettext(lang, msgid)` as well as a translations object's
`.gettext(msgid)`), and from Jinja2 templates (any `templates/` folder of the package) with
`jinja2.ext:babel_extract`.  Each package is checked against its own catalog,
`<package>/locale/zh_CN/LC_MESSAGES/<package>.po`; a plugin does not lean on core's.

Reported per catalog: msgids missing from it, entries without a translation or marked fuzzy,
translations whose `{placeholders}` (or `%(name)s`) differ from the msgid's, msgids listed more
than once, and entries no source uses (a warning only).  The exit status is 1 when anything but
unused entries is found.

`--write` rewrites each catalog sorted by msgid with duplicates merged, keeping the header, the
comments and every translation (a duplicate with two different translations is left for a person
to settle: that catalog is not written).  Others may be appending to a catalog while they work:
write only when nobody is.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import re
import string
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import PoFileError, PoFileParser, escape

LOCALE = "zh_CN"
# Python: kehu.i18n's gettext(lang, msgid) / ngettext(lang, s, p, n) and a translations object's
# gettext(msgid) / ngettext(s, p, n) are told apart by their number of arguments.
PYTHON_KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "gettext": {1: (1,), 2: (2,)},
    "ngettext": {3: (1, 2), 4: (2, 3)},
}
# Templates get `_`, `gettext` and `ngettext` of the reader's translations (kehu.web.screens.render).
TEMPLATE_KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2)}
# As the screens' Environment is set up, so that {% trans %} blocks extract as they render.
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true",
                    "silent": "false"}
TEMPLATE_SUFFIXES = (".html", ".jinja", ".jinja2", ".j2", ".txt", ".xml")
COMMENT_TAGS = ("Translators:",)
# Flags Babel adds by itself when it reads a msgid; not written back.
_AUTO_FLAGS = {"python-format", "python-brace-format"}
# Named %-fields only ("%(name)s", as {% trans %} blocks make): "100% sure" has none.
_PERCENT = re.compile(r"(?<!%)(?:%%)*%\((\w+)\)")
_BRACES = re.compile(r"\{([^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}")

Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass(frozen=True)
class Source:
    """One package whose strings one catalog translates."""

    name: str  # the gettext domain: "kehu", "kehu_tags"
    package: Path
    catalog: Path


@dataclass
class Found:
    """A msgid the sources use, and where."""

    msgid: str
    plural: str | None = None
    context: str | None = None
    locations: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    messages: dict[Key, Found] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # files that could not be read


@dataclass
class Duplicate:
    key: Key
    first: str | tuple[str, ...]  # the translations, as they were met
    second: str | tuple[str, ...]
    line: int

    @property
    def conflicting(self) -> bool:
        return bool(_filled(self.first)) and bool(_filled(self.second)) and self.first != self.second


@dataclass
class CatalogFile:
    path: Path
    catalog: Catalog
    duplicates: list[Duplicate]
    header: str  # the text of the file up to and including the header entry, as written


@dataclass
class Report:
    source: Source
    used: int = 0
    entries: int = 0
    missing: list[Found] = field(default_factory=list)
    untranslated: list[Key] = field(default_factory=list)
    fuzzy: list[Key] = field(default_factory=list)
    placeholders: list[tuple[Key, str]] = field(default_factory=list)  # (key, what differs)
    duplicates: list[Duplicate] = field(default_factory=list)
    unused: list[Key] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated or self.fuzzy or self.placeholders or self.duplicates
                    or self.errors)

    def lines(self, root: Path | None = None) -> list[str]:
        out = [f"{self.source.name} ({_shown(self.source.catalog, root)}): {self.used} msgids in the sources, "
               f"{self.entries} entries in the catalog"]

        def section(title: str, items: Sequence[str]) -> None:
            if items:
                out.append(f"  {title} ({len(items)}):")
                out.extend(f"    {item}" for item in items)

        section("cannot read", self.errors)
        section("missing from the catalog", [
            f"{_quoted((f.context, f.msgid))}  ({', '.join(f'{_shown(Path(p), root)}:{n}' for p, n in f.locations[:3])})"
            for f in self.missing])
        section("no translation", [_quoted(k) for k in self.untranslated])
        section("fuzzy", [_quoted(k) for k in self.fuzzy])
        section("placeholders differ", [f"{_quoted(k)}: {why}" for k, why in self.placeholders])
        section("listed more than once", [
            f"{_quoted(d.key)} (line {d.line}{', two different translations' if d.conflicting else ''})"
            for d in self.duplicates])
        section("unused (warning)", [_quoted(k) for k in self.unused])
        if self.ok and not self.unused:
            out.append("  ok")
        return out


# --- where the sources and catalogs are ------------------------------------------------------


def default_root() -> Path:
    """The repository this module was imported from (core/kehu/…), else the current directory."""
    here = Path(__file__).resolve().parent
    root = here.parents[1]
    return root if (root / "pyproject.toml").is_file() and here == root / "core" / "kehu" else Path.cwd()


def source_for(package: Path, name: str | None = None) -> Source:
    name = name or package.name
    return Source(name, package, package / "locale" / LOCALE / "LC_MESSAGES" / f"{name}.po")


def repo_sources(root: Path) -> list[Source]:
    """Core and each plugin project of the repository (plugins/*, examples/*) with a `kehu` entry point."""
    sources = [source_for(root / "core" / "kehu", "kehu")]
    for project in sorted([*root.glob("plugins/*/pyproject.toml"), *root.glob("examples/*/pyproject.toml")]):
        with project.open("rb") as f:
            meta = tomllib.load(f)
        entry_points = meta.get("project", {}).get("entry-points", {}).get("kehu", {})
        for module in dict.fromkeys(str(v).split(":")[0].split(".")[0] for v in entry_points.values()):
            package = project.parent / module
            if package.is_dir():
                sources.append(source_for(package))
    return sources


# --- extraction --------------------------------------------------------------------------------


def _files(package: Path) -> tuple[list[Path], list[Path]]:
    python, templates = [], []
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package).parts
        if path.suffix == ".py":
            python.append(path)
        elif path.suffix in TEMPLATE_SUFFIXES and "templates" in relative[:-1]:
            templates.append(path)
    return python, templates


def _literals(node: ast.expr) -> list[str | None]:
    """The texts an argument can be: a literal, or both literals of `"Yes" if v else "No"`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        branches = [*_literals(node.body), *_literals(node.orelse)]
        if all(b is not None for b in branches):
            return branches
    return [None]


def extract_python_calls(fileobj: Any, keywords: Iterable[str], comment_tags: Any, options: Any
                         ) -> Iterable[tuple[int, str, list[str | None], list[str]]]:
    """A Babel extraction method reading Python's syntax tree: every call of a keyword, nested too.

    Babel's own "python" method misses a marker nested in another call inside a keyword's
    arguments (`gettext(lang, titles.get(status, N_("Not found")))`) and joins the two texts of
    `gettext(lang, "Yes" if v else "No")` into one; this one does neither.  It sees no comments:
    those ("# Translators: ...") are taken from Babel's method.
    """
    names = set(keywords)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in names or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        for args in itertools.product(*(_literals(a) for a in node.args)):
            yield node.lineno, name, list(args), []


def _python_comments(path: Path) -> dict[Key, list[str]]:
    """Translator comments by msgid, as Babel's "python" method finds them."""
    comments: dict[Key, list[str]] = {}
    with path.open("rb") as f:
        for _, message, found, context in extract("python", f, PYTHON_KEYWORDS, COMMENT_TAGS, {},
                                                  strip_comment_tags=True):
            if found:
                singular = message[0] if isinstance(message, tuple) else message
                comments.setdefault((context, singular), []).extend(found)
    return comments


def extract_messages(package: Path) -> Extraction:
    """Every msgid used by the Python files and templates of `package`."""
    result = Extraction()
    python, templates = _files(package)
    jobs = [(p, extract_python_calls, PYTHON_KEYWORDS, {}) for p in python]
    jobs += [(p, "jinja2.ext:babel_extract", TEMPLATE_KEYWORDS, TEMPLATE_OPTIONS) for p in templates]
    for path, method, keywords, options in jobs:
        try:
            with path.open("rb") as f:
                found = list(extract(method, f, keywords, COMMENT_TAGS, options, strip_comment_tags=True))
        except Exception as exc:  # a template that does not parse, a file that is not UTF-8
            line = getattr(exc, "lineno", None)
            result.errors.append(f"{path}{f':{line}' if line else ''}: {type(exc).__name__}: {exc}")
            continue
        if path.suffix == ".py":
            comments_of = _python_comments(path)
            found = [(n, m, comments_of.get((c, m[0] if isinstance(m, tuple) else m), []), c) for n, m, _, c in found]
        for lineno, message, comments, context in found:
            singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            item = result.messages.setdefault((context, singular), Found(singular, plural, context))
            item.plural = item.plural or plural
            if (str(path), lineno) not in item.locations:
                item.locations.append((str(path), lineno))
            item.comments.extend(c for c in comments if c not in item.comments)
    return result


# --- catalogs ----------------------------------------------------------------------------------


class _Reading(Catalog):
    """A catalog that notes each msgid met again instead of quietly merging it."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.duplicates: list[Duplicate] = []

    def __setitem__(self, id: Any, message: Message) -> None:
        current = self.get(id, message.context) if id else None
        if current is None:
            super().__setitem__(id, message)
            return
        key = (message.context, id[0] if isinstance(id, (list, tuple)) else id)
        self.duplicates.append(Duplicate(key, current.string, message.string, message.lineno or 0))
        # Keep a real translation over an empty or fuzzy one; merge what describes them.
        if _filled(message.string) and not message.fuzzy and (not _filled(current.string) or current.fuzzy):
            current.id, current.string = message.id, message.string
            current.flags = set(message.flags)
        current.locations = list(dict.fromkeys([*current.locations, *message.locations]))
        current.auto_comments = list(dict.fromkeys([*current.auto_comments, *message.auto_comments]))
        current.user_comments = list(dict.fromkeys([*current.user_comments, *message.user_comments]))


_HEADER = re.compile(r'^msgid ""\r?\nmsgstr ""\r?\n(?:".*"\r?\n)*', re.MULTILINE)


def read_catalog(path: Path) -> CatalogFile:
    """A .po file with the msgids it lists twice (Babel's `read_po` would merge them silently)."""
    text = path.read_text(encoding="utf-8")
    catalog = _Reading(locale=None, domain=path.stem)
    parser = PoFileParser(catalog, ignore_obsolete=False, abort_invalid=True)
    parser.parse(text.splitlines(keepends=True))
    match = _HEADER.search(text)
    header = text[: match.end()] if match else ""
    return CatalogFile(path, catalog, catalog.duplicates, header)


def placeholders(text: str) -> tuple[set[str], set[str]]:
    """The `{fields}` and `%(names)s` a message uses ("" for a positional one)."""
    braces: set[str] = set()
    try:
        for _, name, _, _ in string.Formatter().parse(text):
            if name is not None:
                braces.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    except ValueError:  # a lone brace: not a format string; compare what looks like fields
        braces = {m.group(1) for m in _BRACES.finditer(text)}
    percent = {m.group(1) for m in _PERCENT.finditer(text)}
    return braces, percent


def placeholder_problem(msgid: str, translation: str) -> str | None:
    """How the fields of `translation` differ from those of `msgid`, or None when they agree."""
    (want_b, want_p), (got_b, got_p) = placeholders(msgid), placeholders(translation)
    problems = []
    for kind, want, got in (("{}", want_b, got_b), ("%()", want_p, got_p)):
        if missing := want - got:
            problems.append(f"lacks {', '.join(_field(kind, n) for n in sorted(missing))}")
        if extra := got - want:
            problems.append(f"adds {', '.join(_field(kind, n) for n in sorted(extra))}")
    return "; ".join(problems) or None


def _field(kind: str, name: str) -> str:
    return "{" + name + "}" if kind == "{}" else f"%({name})s"


def _filled(string_: str | tuple[str, ...] | None) -> bool:
    if isinstance(string_, (list, tuple)):
        return bool(string_) and all(s.strip() for s in string_)
    return bool(string_ and string_.strip())


def _entries(catalog: Catalog) -> Iterable[Message]:
    return (m for m in catalog if m.id)


def _key(message: Message) -> Key:
    singular = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return (message.context, singular)


# --- checking ----------------------------------------------------------------------------------


def check(source: Source, extraction: Extraction | None = None) -> Report:
    report = Report(source)
    extraction = extraction or extract_messages(source.package)
    report.errors.extend(extraction.errors)
    report.used = len(extraction.messages)
    if not source.catalog.is_file():
        report.errors.append(f"{source.catalog}: no catalog")
        report.missing = sorted(extraction.messages.values(), key=lambda f: f.msgid)
        return report
    try:
        po = read_catalog(source.catalog)
    except (PoFileError, UnicodeDecodeError) as exc:
        report.errors.append(f"{source.catalog}: {exc}")
        return report
    listed: dict[Key, Message] = {_key(m): m for m in _entries(po.catalog)}
    report.entries = len(listed)
    report.duplicates = po.duplicates
    report.missing = sorted((f for k, f in extraction.messages.items() if k not in listed), key=lambda f: f.msgid)
    report.unused = sorted((k for k in listed if k not in extraction.messages), key=lambda k: k[1])
    nplurals = po.catalog.num_plurals
    for key, message in sorted(listed.items(), key=lambda item: item[0][1]):
        if not _filled(message.string):
            report.untranslated.append(key)
            continue
        if message.fuzzy:
            report.fuzzy.append(key)
        if isinstance(message.id, (list, tuple)):
            singular, plural = message.id[0], message.id[1]
            forms = list(message.string)
            for index, form in enumerate(forms):
                expected = plural if nplurals == 1 or index > 0 else singular
                if why := placeholder_problem(expected, form):
                    report.placeholders.append((key, f"msgstr[{index}] {why}"))
        elif why := placeholder_problem(message.id, message.string):
            report.placeholders.append((key, why))
    return report


# --- writing -----------------------------------------------------------------------------------


def _entry(message: Message, obsolete: bool = False) -> str:
    prefix = "#~ " if obsolete else ""
    lines = [f"# {c}".rstrip() for c in message.user_comments]
    lines += [f"#. {c}".rstrip() for c in message.auto_comments]
    if message.locations:
        lines.append("#: " + " ".join(f"{p}:{n}" if n else p for p, n in message.locations))
    flags = sorted(set(message.flags) - _AUTO_FLAGS)
    if flags:
        lines.append("#, " + ", ".join(flags))
    if message.context is not None:
        lines.append(f"{prefix}msgctxt {escape(message.context)}")
    if isinstance(message.id, (list, tuple)):
        lines.append(f"{prefix}msgid {escape(message.id[0])}")
        lines.append(f"{prefix}msgid_plural {escape(message.id[1])}")
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        lines += [f"{prefix}msgstr[{i}] {escape(s or '')}" for i, s in enumerate(strings)]
    else:
        lines.append(f"{prefix}msgid {escape(message.id)}")
        lines.append(f"{prefix}msgstr {escape(message.string or '')}")
    return "\n".join(lines) + "\n"


def _order(message: Message) -> tuple[str, str, str]:
    _, singular = _key(message)
    return (singular.casefold(), singular, message.context or "")


def normalised(po: CatalogFile) -> str:
    """The text of the catalog sorted by msgid, one entry per msgid, header kept as written."""
    header = po.header if po.header.endswith("\n") else po.header + "\n"
    parts = [header]
    parts += ["\n" + _entry(m) for m in sorted(_entries(po.catalog), key=_order)]
    parts += ["\n" + _entry(m, obsolete=True) for m in sorted(po.catalog.obsolete.values(), key=_order)]
    return "".join(parts)


def write(source: Source) -> str:
    """Normalise the catalog of `source` in place; returns what was done."""
    if not source.catalog.is_file():
        return f"{source.catalog}: no catalog, nothing written"
    po = read_catalog(source.catalog)
    if not po.header:
        return f"{source.catalog}: no header entry (msgid \"\"), not written"
    conflicts = [d for d in po.duplicates if d.conflicting]
    if conflicts:
        return (f"{source.catalog}: not written, {len(conflicts)} msgid(s) with two different translations: "
                + "; ".join(_quoted(d.key) for d in conflicts))
    text = normalised(po)
    if text == source.catalog.read_text(encoding="utf-8"):
        return f"{source.catalog}: already normal"
    source.catalog.write_text(text, encoding="utf-8")
    return f"{source.catalog}: written ({len(po.duplicates)} duplicate(s) merged)"


# --- command -----------------------------------------------------------------------------------


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _quoted(key: Key) -> str:
    context, msgid = key
    return (f"[{context}] " if context else "") + escape(msgid)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dev.py i18n",
        description="Check the zh_CN gettext catalogs of kehu and its plugins against the msgids the "
                    "sources use; --write also sorts them and merges duplicates.")
    parser.add_argument("packages", nargs="*", type=Path,
                        help="package folders to check (default: core and every plugin of the repository)")
    parser.add_argument("--root", type=Path, default=None, help="the repository (default: this checkout)")
    parser.add_argument("--write", action="store_true",
                        help="rewrite each catalog sorted by msgid, duplicates merged, translations kept")
    args = parser.parse_args(argv)
    root = (args.root or default_root()).resolve()
    sources = [source_for(p.resolve()) for p in args.packages] if args.packages else repo_sources(root)
    status = 0
    for source in sources:
        if args.write:
            print(write(source))
        report = check(source)
        print("\n".join(report.lines(root)))
        status = status or (0 if report.ok else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
