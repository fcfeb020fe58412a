"""Admin screen for plugins (issue 3; SPEC H2): what is installed, enable and disable.

The buttons call `Kehu.set_plugin_enabled`, as `kehu plugins enable|disable` does, so a missing
or disabled dependency, or a plugin still needed by another, is refused with the same message —
shown as an error flash in the reader's language.  The change is stored at once but the running
server keeps the plugins it started with (their routes, templates and hooks are fixed when the
web app is built); the screen says so and shows which plugins wait for a restart.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from kehu.errors import PluginError
from kehu.i18n import N_, gettext
from kehu.web.deps import ActorDep, KehuDep, LangDep
from kehu.web.screens import HANDLERS
from kehu.web.screens.admin import Form, access_links, done, router, single_team
from kehu.web.screens.render import page


def plugin_rows(kehu: Any, lang: str) -> list[dict[str, Any]]:
    installed = kehu.plugins.installed
    rows = []
    for name in sorted(installed):
        info = installed[name]
        described = info.describe(lang)
        rows.append({
            **described,
            # What this process runs (loaded at start) next to what is stored for the next start.
            "running": kehu.pm.get_plugin(name) is not None,
            "depends": [(dep, installed[dep].manifest.label(lang) if dep in installed else dep,
                         dep in installed and installed[dep].enabled) for dep in info.manifest.depends],
        })
    return rows


@get("/", sync_to_thread=True)
def plugins_list(request: Request, kehu: KehuDep, actor: ActorDep, lang: LangDep) -> Response:
    kehu.authorize(actor, "configure", "plugin")
    return page(request, "kehu/admin/plugins.html", actor=actor, lang=lang, plugins=plugin_rows(kehu, lang),
                single_team=single_team(kehu), access_links=access_links(kehu, actor))


def _set(request: Request, kehu: Any, actor: Any, lang: str, name: str, enabled: bool) -> Response:
    kehu.authorize(actor, "configure", "plugin")
    try:
        kehu.set_plugin_enabled(name, enabled)
    except PluginError as exc:  # a dependency missing, disabled, or still needed: say which
        return done(request, "/admin/plugins", exc.message(lang), kind="error")
    info = kehu.plugins.installed[name]
    msgid = (N_("Plugin %(name)s enabled; it takes effect when the server restarts") if enabled else
             N_("Plugin %(name)s disabled, its data kept; it takes effect when the server restarts"))
    return done(request, "/admin/plugins", gettext(lang, msgid) % {"name": info.manifest.label(lang)})


@post("/{name:str}/enable", sync_to_thread=True)
def plugin_enable(request: Request, name: FromPath[str], data: Form, kehu: KehuDep, actor: ActorDep,
                  lang: LangDep) -> Response:
    return _set(request, kehu, actor, lang, name, True)


@post("/{name:str}/disable", sync_to_thread=True)
def plugin_disable(request: Request, name: FromPath[str], data: Form, kehu: KehuDep, actor: ActorDep,
                   lang: LangDep) -> Response:
    return _set(request, kehu, actor, lang, name, False)


HANDLERS.append(router("/admin/plugins", [plugins_list, plugin_enable, plugin_disable]))
