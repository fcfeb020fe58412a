"""Errors every entry point turns into the same answer: a field-level message in zh-CN and en.

A rejection carries a rule name and its parameters, not a sentence; `kehu.messages` renders it
in the reader's language, so the API, the CLI and the screens all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kehu.messages import render


@dataclass(frozen=True)
class FieldError:
    field: str  # field key, or "contacts[0].mobile" for a nested value, or "" for the whole record
    rule: str  # key into kehu.messages.MESSAGES
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh", label: str | None = None) -> str:
        return render(self.rule, lang, label=label or self.field, **self.params)


class KehuError(Exception):
    status = 400
    rule = "error"

    def __init__(self, rule: str | None = None, **params: Any):
        if rule is not None:  # a more precise rule than the class's own
            self.rule = rule
        super().__init__(self.rule, params)
        self.params = params

    def message(self, lang: str = "zh") -> str:
        return render(self.rule, lang, **self.params)

    def __str__(self) -> str:  # logs and tracebacks: both languages
        return f"{self.message('en')} / {self.message('zh')}"


class ValidationFailed(KehuError):
    """Input refused; nothing was written."""

    status = 422
    rule = "validation_failed"

    def __init__(self, errors: list[FieldError], rule: str | None = None):
        super().__init__(rule, count=len(errors))
        self.errors = errors


class NotFound(KehuError):
    status = 404
    rule = "not_found"


class Forbidden(KehuError):
    status = 403
    rule = "forbidden"


class StaleVersion(KehuError):
    """Somebody saved the record after the caller loaded it; their change is not overwritten."""

    status = 409
    rule = "stale_version"


class Conflict(KehuError):
    status = 409
    rule = "conflict"


class PluginError(KehuError):
    """A plugin cannot be loaded, enabled or ordered (missing or cyclic dependency, bad hook)."""

    status = 400
    rule = "plugin_error"
