"""Plugins: discovery through the `kehu` entry-point group, manifests, dependency order (SPEC H2).

A plugin is a module (usually a package `kehu_<name>`) with `@hookimpl` functions, one of which
is `register_manifest`.  An app builds its own `pluggy.PluginManager` (never a global one),
registers core's default plugins and then the enabled plugins, dependencies first, and calls
`check_pending()` so that a misspelled hook fails at start rather than being silently ignored.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from kehu import hookspecs
from kehu.errors import PluginError

ENTRY_POINT_GROUP = "kehu"


@dataclass(frozen=True)
class Manifest:
    """What a plugin says about itself: returned by its `register_manifest` hook."""

    name: str
    label_zh: str
    label_en: str
    version: str = "0"
    depends: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    # Folder of this plugin's Alembic revisions (its own version branch, labelled `name`).
    migrations: Path | None = None
    # Folder whose subfolder `kehu_<name>/` holds this plugin's Jinja2 templates (screens).
    templates: Path | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass
class PluginInfo:
    """An installed plugin: where it comes from and its manifest."""

    manifest: Manifest
    module: Any
    distribution: str = ""
    enabled: bool = False

    @property
    def name(self) -> str:
        return self.manifest.name

    def describe(self, lang: str = "zh") -> dict[str, Any]:
        m = self.manifest
        return {
            "name": m.name,
            "label": m.label(lang),
            "version": m.version,
            "depends": list(m.depends),
            "description": m.description_en if lang == "en" else m.description_zh,
            "distribution": self.distribution,
            "enabled": self.enabled,
        }


def read_manifest(module: Any, origin: str) -> Manifest:
    impl = getattr(module, "register_manifest", None)
    if impl is None:
        raise PluginError(detail=f"{origin}: has no register_manifest hook")
    manifest = impl()
    if not isinstance(manifest, Manifest):
        raise PluginError(detail=f"{origin}: register_manifest must return a kehu.plugins.Manifest")
    return manifest


def discover(extra: list[Any] = ()) -> dict[str, PluginInfo]:
    """Every installed plugin: entry points of the `kehu` group plus `extra` modules/objects."""
    found: dict[str, PluginInfo] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else ""
        try:
            module = ep.load()
        except Exception as exc:  # a broken install must not stop the others from loading
            raise PluginError(detail=f"{ep.name} ({dist}): cannot be imported: {exc}") from exc
        _add(found, PluginInfo(read_manifest(module, ep.name), module, dist), ep.name)
    for module in extra:
        origin = getattr(module, "__name__", repr(module))
        _add(found, PluginInfo(read_manifest(module, origin), module, "(registered)"), origin)
    return found


def _add(found: dict[str, PluginInfo], info: PluginInfo, origin: str) -> None:
    if info.name in found and found[info.name].module is not info.module:
        raise PluginError(detail=f"two plugins are named {info.name!r} ({origin})")
    found[info.name] = info


def load_order(installed: dict[str, PluginInfo], enabled: set[str]) -> list[str]:
    """Enabled plugins, dependencies first; refuses unknown, missing and cyclic dependencies."""
    graph: dict[str, set[str]] = {}
    pending = sorted(enabled)
    while pending:  # the enabled plugins and everything they need, installed or not
        name = pending.pop()
        if name in graph:
            continue
        if name not in installed:
            raise PluginError("plugin_unknown", plugin=name)
        graph[name] = set(installed[name].manifest.depends)
        for dep in sorted(graph[name]):
            if dep not in installed:
                raise PluginError("plugin_dependency_missing", plugin=name, dependency=dep)
            pending.append(dep)
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " → ".join(exc.args[1])
        raise PluginError("plugin_cycle", cycle=cycle) from exc
    for name in order:
        for dep in sorted(graph[name]):
            if name in enabled and dep not in enabled:
                raise PluginError("plugin_dependency_disabled", plugin=name, dependency=dep)
    return order


def dependents(installed: dict[str, PluginInfo], enabled: set[str], name: str) -> list[str]:
    """Enabled plugins that depend on `name` (so `name` cannot be disabled before them)."""
    return sorted(n for n in enabled if name in installed[n].manifest.depends) if enabled else []


def make_plugin_manager(defaults: list[ModuleType | Any], plugins: list[PluginInfo]) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("kehu")
    pm.add_hookspecs(hookspecs)
    for module in defaults:
        pm.register(module, name=f"kehu.{module.__name__.rsplit('.', 1)[-1]}")
    for info in plugins:
        pm.register(info.module, name=info.name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(detail=str(exc)) from exc
    return pm


@dataclass
class PluginSet:
    """The installed plugins and which of them are enabled, in load order."""

    installed: dict[str, PluginInfo] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> list[PluginInfo]:
        return [self.installed[n] for n in self.order]
