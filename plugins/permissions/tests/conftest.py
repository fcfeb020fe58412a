"""Fixtures of the permissions plugin's tests; `make_kehu` comes from `kehu.testing` (a pytest plugin).

Every test taking an app runs twice: on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from perms_helpers import build_org


@pytest.fixture
def app(make_kehu):
    """An app with the permissions plugin enabled (G1 roles seeded, nobody assigned), on a fresh database."""
    return make_kehu(enable=["permissions"])


@pytest.fixture
def org(app):
    """The test organisation of `perms_helpers`: departments, users with their G1 roles, customers."""
    return build_org(app)
