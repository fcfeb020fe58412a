"""Settings: where the data lives and which database to use.

Read from the environment (`KEHU_DATA_DIR`, `KEHU_DATABASE_URL`, `KEHU_TIMEZONE`); the default
is the embedded setup — a SQLite file in `./kehu-data` — which needs nothing else installed.
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

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, database_url: str | None = None) -> Settings:
        data = Path(data_dir or os.environ.get("KEHU_DATA_DIR") or "kehu-data").resolve()
        url = database_url or os.environ.get("KEHU_DATABASE_URL") or f"sqlite:///{data / 'kehu.db'}"
        return cls(
            data_dir=data,
            database_url=url,
            timezone=os.environ.get("KEHU_TIMEZONE", "Asia/Shanghai"),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
