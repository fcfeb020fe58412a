"""Time: stored in UTC, shown and reasoned about in the installation's zone (default Asia/Shanghai)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("KEHU_TIMEZONE", "Asia/Shanghai"))


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date where the company works (a customer code's date, "not contacted for N days")."""
    return datetime.now(zone()).date()


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())
