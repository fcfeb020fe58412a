"""Rendering screens: one Jinja2 environment per web app, autoescaped, translated per request.

Templates live in `core/kehu/web/templates/kehu/` and in each enabled plugin's
`templates/kehu_<name>/` (its manifest's `templates` folder), so names never collide.
Every template gets `_` (gettext in the reader's language), `lang`, `actor`, `csrf_field()`,
`menu`, `flashes` and the date filters; handlers add their own context.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.concurrency import sync_to_thread
from litestar.enums import MediaType
from markupsafe import Markup

from kehu import i18n
from kehu.web import auth
from kehu.web.deps import language_of
from kehu.slots import MenuItem

if TYPE_CHECKING:
    from kehu.actors import Actor
    from kehu.app import Kehu

CORE_TEMPLATES = Path(__file__).parent.parent / "templates"


def make_environment(kehu: Kehu) -> Environment:
    folders = [CORE_TEMPLATES] + [p.manifest.templates for p in kehu.plugins.enabled if p.manifest.templates]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a typo in a template fails its screen test, not silently
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ymd"] = format_date
    return env


def format_date(value: date | datetime | str | None) -> str:
    """Dates are shown YYYY-MM-DD everywhere (SPEC A8)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_time(value: datetime | str | None, zone: str) -> str:
    """A moment as YYYY-MM-DD HH:MM in the reader's time zone (stored times are UTC)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone))
    return value.strftime("%Y-%m-%d %H:%M")


def menu_for(kehu: Kehu, actor: Actor) -> list[MenuItem]:
    items = [item for batch in kehu.hook.register_menu_items(app=kehu) for item in batch or ()]
    visible = [i for i in items if i.permission is None or kehu.allowed(actor, *i.permission)]
    return sorted(visible, key=lambda i: (i.order, i.label))


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    """The HTML response of `template` for this request's reader."""
    kehu: Kehu = request.app.state.kehu
    env: Environment = request.app.state.screens
    lang: str = context.pop("lang", None) or language_of(request)
    actor: Actor | None = context.pop("actor", None) or _user(request)
    zone = (getattr(actor, "timezone", None) or kehu.settings.timezone) if actor else kehu.settings.timezone
    translations = i18n.translations(lang)
    token = auth.csrf_token(request)
    base = {
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "lang": lang,
        "actor": actor,
        "kehu": kehu,
        "request": request,
        "current_path": request.url.path,
        "csrf_token": token,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(auth.CSRF_FIELD, token),
        "menu": menu_for(kehu, actor) if actor else [],
        "flashes": auth.take_flashes(request),
        "when": lambda value: format_time(value, zone),
        "timezone": zone,
    }
    html = env.get_template(template).render({**base, **context})
    return Response(content=html, media_type=MediaType.HTML, status_code=status)


async def off_loop(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run sync work (database, rendering) in a worker thread from an async handler.

    Screen handlers are async because Litestar 2.25 answers 500 when a `sync_to_thread` GET
    shares its path with a POST (GET /customers/new beside POST /customers/new).
    """
    return await sync_to_thread(fn, *args, **kwargs)


def _user(request: Request) -> Actor | None:
    user = request.scope.get("user")
    return user if user is not None and hasattr(user, "username") else None
