"""The state one `kehu` invocation shares (settings, language, the app), and what plugin
commands use to reach it: `pass_app`, `current_app()`, `current_lang()`."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from kehu.config import Settings

LANGS = ("zh", "en")


class State:
    """What every command of one invocation shares: settings, language, the app (built lazily)."""

    def __init__(self, settings: Settings, lang: str = "zh"):
        self.settings = settings
        self.lang = lang
        self._app: Any = None
        self.plugin_commands: dict[str, click.Command] | None = None

    @property
    def app(self):
        """The `kehu.app.Kehu` of this invocation; building it creates / migrates the schema."""
        if self._app is None:
            from kehu.app import Kehu

            self._app = Kehu(self.settings)
        return self._app

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


def _state(ctx: click.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        params = root.params
        settings = Settings.from_env(params.get("data_dir"), params.get("database_url"))
        root.obj = State(settings, params.get("lang") or os.environ.get("KEHU_LANG") or "zh")
        root.call_on_close(root.obj.close)
    return root.obj


def current_app():
    """The app of the running `kehu` command (for plugin commands)."""
    return _state(click.get_current_context()).app


def current_lang() -> str:
    """The output language of the running `kehu` command: "zh" (default) or "en"."""
    return _state(click.get_current_context()).lang


def pass_app(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a plugin command's callback to receive the `kehu.app.Kehu` as first argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(current_app(), *args, **kwargs)

    return wrapper


def database_exists(settings: Settings) -> bool:
    """Whether the configured database exists and has a kehu schema (nothing is created)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        return bool(path) and path != ":memory:" and Path(path).is_file() and Path(path).stat().st_size > 0
    from kehu import migrate
    from kehu.db import Database

    try:
        db = Database(settings.database_url)
    except Exception:
        return False
    try:
        return bool(migrate.heads(db))
    except Exception:
        return False
    finally:
        db.dispose()


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)

