"""The application object: settings, database, this app's plugin manager and what plugins registered.

`Kehu(settings)` brings the schema up to date (core first, then each enabled plugin's branch),
loads the enabled plugins in dependency order and collects their fields and filters.  Every
service call (`kehu.records`, `kehu.query`) takes the app and the acting user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pluggy
from sqlalchemy import select

from kehu import migrate
from kehu.actors import Actor, ensure_system_user
from kehu.config import Settings
from kehu.db import Database
from kehu.defaults import core_fields, custom_fields, filters, menu
from kehu.errors import Forbidden, PluginError
from kehu.fields import Access, FieldDef, FieldRegistry
from kehu.models import CustomField, CustomSubcategory, PluginState
from kehu.plugins import PluginSet, dependents, discover, load_order, make_plugin_manager

DEFAULT_PLUGINS = [core_fields, custom_fields, filters, menu]


class Kehu:
    def __init__(
        self,
        settings: Settings,
        *,
        extra_plugins: Sequence[Any] = (),
        auto_migrate: bool = True,
    ):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database_url)
        self._extra = list(extra_plugins)
        if auto_migrate:
            migrate.upgrade(self.db, [])
        with self.db.write() as session:
            self.system_actor = ensure_system_user(session)
        self.plugins = self._plugin_set()
        if auto_migrate:
            migrate.upgrade(self.db, [p.manifest for p in self.plugins.enabled])
        self.pm: pluggy.PluginManager = make_plugin_manager(DEFAULT_PLUGINS, self.plugins.enabled)
        self.reload_definitions()
        self.hook.startup(app=self)

    # --- plugins -----------------------------------------------------------------------------

    def _plugin_set(self) -> PluginSet:
        installed = discover(self._extra)
        with self.db.read() as session:
            enabled = {s.name for s in session.scalars(select(PluginState).where(PluginState.enabled))}
        # A plugin uninstalled while enabled is skipped, not fatal: its data stays in its tables.
        enabled &= set(installed)
        order = load_order(installed, enabled)
        for name in order:
            installed[name].enabled = True
        return PluginSet(installed, order)

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.pm.hook

    def set_plugin_enabled(self, name: str, enabled: bool) -> None:
        """Enable or disable an installed plugin; takes effect in apps built after this call.

        Enabling migrates the plugin's tables; disabling keeps them and their data.
        """
        installed = self.plugins.installed
        if name not in installed:
            raise PluginError("plugin_unknown", plugin=name)
        now = set(self.plugins.order)
        if enabled:
            order = load_order(installed, now | {name})  # refuses missing / cyclic dependencies
            migrate.upgrade(self.db, [installed[n].manifest for n in order])
        else:
            needed_by = dependents(installed, now - {name}, name)
            if needed_by:
                raise PluginError("plugin_needed_by", plugin=name, dependents=", ".join(needed_by))
        with self.db.write() as session:
            state = session.get(PluginState, name) or PluginState(name=name, enabled=enabled)
            state.enabled = enabled
            session.add(state)
        self.plugins = self._plugin_set()

    # --- definitions -------------------------------------------------------------------------

    def _definitions_stamp(self) -> int:
        """Changes whenever an admin adds, edits or retires a custom field or adds a subcategory.

        Both tables are small (an installation has tens of rows), so their whole content is
        compared: an edited label or option list is seen as surely as an added field.
        """
        with self.db.read() as session:
            fields = session.execute(select(CustomField.__table__).order_by(CustomField.key)).all()
            subcategories = session.execute(
                select(CustomSubcategory.__table__).order_by(CustomSubcategory.key)
            ).all()
        return hash(repr((fields, subcategories)))

    def refresh_definitions(self) -> None:
        """Reload definitions if another process changed them (two small queries; per request)."""
        if self._definitions_stamp() != self._stamp:
            self.reload_definitions()

    def reload_definitions(self) -> None:
        """(Re)collect fields and filters, e.g. after an admin added a custom field."""
        self._stamp = self._definitions_stamp()
        registry = FieldRegistry()
        for batch in self.hook.register_fields(app=self):
            for f in batch or ():
                registry.add(f)
        for batch in self.hook.register_subcategories(app=self):
            for sub in batch or ():
                registry.subcategories[sub.key] = sub
        self.fields = registry
        # Built aside, then swapped in: requests in other threads never see a half-filled dict.
        filters = {}
        for batch in self.hook.register_filters(app=self):
            for fd in batch or ():
                filters[fd.key] = fd
        self.filters = filters

    # --- permissions (answers come from plugins; none means single-team mode) ----------------

    def allowed(self, actor: Actor, action: str, resource: str = "customer", customer: Any = None) -> bool:
        answers = self.hook.permission_allowed(
            app=self, actor=actor, action=action, resource=resource, customer=customer
        )
        return not any(a is False for a in answers)

    def authorize(self, actor: Actor, action: str, resource: str = "customer", customer: Any = None) -> None:
        if not self.allowed(actor, action, resource, customer):
            raise Forbidden(action=action, resource=resource)

    def scope(self, actor: Actor, action: str = "read") -> list[Any]:
        """SQL conditions on Customer that narrow what `actor` may `action` (ANDed by the caller)."""
        return [c for c in self.hook.customer_scope(app=self, actor=actor, action=action) if c is not None]

    def field_access(self, actor: Actor) -> dict[str, Access]:
        answers: dict[str, list[Access]] = {}
        for result in self.hook.field_access(app=self, actor=actor):
            for key, access in (result or {}).items():
                answers.setdefault(key, []).append(Access(access))
        return {key: Access.strictest(values) for key, values in answers.items()}

    def field(self, key: str) -> FieldDef:
        return self.fields[key]

    def close(self) -> None:
        self.db.dispose()


def make_app(settings: Settings | None = None, **kwargs: Any) -> Kehu:
    return Kehu(settings or Settings.from_env(), **kwargs)
