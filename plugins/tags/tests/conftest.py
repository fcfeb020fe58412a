"""Fixtures of the tags plugin's tests; `make_kehu` comes from `kehu.testing` (a pytest plugin).

Every test taking an app runs twice: on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def app(make_kehu):
    """An app with the tags plugin enabled, on a fresh database."""
    return make_kehu(enable=["tags"])
