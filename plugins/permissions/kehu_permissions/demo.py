"""The demo organisation's people get the G1 roles their demo role words stand for (`kehu serve --demo`).

Core's demo data (`kehu.demo`) calls the `demo_users_ready` hook with {username: word}; the words
map to the seeded roles below.  Finance has no role in G1, so the demo's finance user has none (and
sees nothing until an admin gives them one).  Never called on a real installation.
"""

from __future__ import annotations

from collections.abc import Mapping

from kehu.errors import ValidationFailed
from kehu_permissions import service

DEMO_ROLES = {"admin": "data_admin", "head": "department_head", "sales": "sales", "support": "support",
              "marketing": "marketing"}
REASON = "演示数据 / demo data"


def assign_demo_roles(app, roles: Mapping[str, str]) -> list[tuple[str, str]]:
    """Assign each user the role of their word, once; returns the (role, username) pairs assigned now."""
    system = app.system_actor
    held = {(a.role, a.username) for a in service.list_assignments(app, system)}
    done = []
    for username, word in roles.items():
        key = DEMO_ROLES.get(word)
        if key is None or (key, username) in held:
            continue
        try:
            service.assign(app, system, key, user=username, reason=REASON)
        except ValidationFailed:  # a role an admin deleted, a deactivated user: leave them be
            continue
        done.append((key, username))
    return done
