"""The acting user that every service and query call takes (SPEC G7: who did it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kehu.models import User

SYSTEM_USERNAME = "system"


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    display_name: str
    department_id: int | None = None
    # Filled by a permissions plugin; core does not interpret roles.
    roles: frozenset[str] = field(default_factory=frozenset)
    # The user's own choices; None means the installation's default (zh; Settings.timezone).
    language: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.display_name, user.department_id,
                   language=user.language, timezone=user.timezone)


def load_actor(session: Session, username: str) -> Actor | None:
    user = session.scalar(select(User).where(User.username == username, User.is_active))
    return Actor.of(user) if user else None


def ensure_system_user(session: Session) -> Actor:
    """The user the CLI and jobs act as when no person is named (written to the change log)."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is None:
        user = User(username=SYSTEM_USERNAME, display_name="系统")
        session.add(user)
        session.flush()
    return Actor.of(user)
