"""Sign-in, sessions, CSRF and flash messages for the screens — contract stub, filled in by the
sign-in work (issue 3).  Screens call only these functions.
"""

from __future__ import annotations

from litestar import Request

CSRF_FIELD = "_csrf"


def csrf_token(request: Request) -> str:
    """The token every form posts back in the hidden `_csrf` field."""
    return str(request.scope.get("kehu.csrf", ""))


def flash(request: Request, kind: str, text: str) -> None:
    """Show `text` (already translated) on the next page; kind is success / info / error."""
    request.scope.setdefault("kehu.flashes", []).append((kind, text))


def take_flashes(request: Request) -> list[tuple[str, str]]:
    """The flash messages waiting for this page (each shown once)."""
    return request.scope.pop("kehu.flashes", [])
