"""Settings: where the data lives and which database to use.

Read from the environment (`KEHU_DATA_DIR`, `KEHU_DATABASE_URL`, `KEHU_TIMEZONE`,
`KEHU_SESSION_IDLE_MINUTES`, `KEHU_SESSION_MAX_HOURS`); the default is the embedded setup — a
SQLite file in `./kehu-data` — which needs nothing else installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    timezone: str = "Asia/Shanghai"
    # Signed-in screens: a session ends after this long unused, and this long after sign-in at most.
    session_idle_minutes: int = 30
    session_max_hours: int = 12

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, database_url: str | None = None) -> Settings:
        data = Path(data_dir or os.environ.get("KEHU_DATA_DIR") or "kehu-data").resolve()
        url = database_url or os.environ.get("KEHU_DATABASE_URL") or f"sqlite:///{data / 'kehu.db'}"
        return cls(
            data_dir=data,
            database_url=url,
            timezone=os.environ.get("KEHU_TIMEZONE", "Asia/Shanghai"),
            session_idle_minutes=_positive("KEHU_SESSION_IDLE_MINUTES", 30, "minutes"),
            session_max_hours=_positive("KEHU_SESSION_MAX_HOURS", 12, "hours"),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _positive(name: str, default: int, unit: str) -> int:
    """A whole number of `unit` from the environment; a wrong value stops the start, loudly."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of {unit}, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1 ({unit}), not {value}")
    return value
