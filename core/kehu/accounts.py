"""Accounts: who may sign in and how (SPEC G7 needs a real person behind every change).

- Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, RFC 9106 low-memory
  profile) and rehashed at the next sign-in when those parameters change.
- `authenticate` limits failed sign-ins per account (`MAX_FAILURES` in a row lock it for
  `LOCK_MINUTES`) and answers the same `None` for an unknown user, a wrong password and a locked
  account; an unknown user is verified against a dummy hash so that timing tells nothing either.
- Web sessions are server-side rows keyed by the SHA-256 of a random id (the cookie holds the id
  itself); each sign-in starts a new one and deletes the one it replaces.  They end after
  `Settings.session_idle_minutes` unused or `Settings.session_max_hours` after sign-in.
- Personal API tokens (`kehu_...`) are shown once; only their SHA-256 is stored.  Random ids and
  tokens carry 256 bits, so a fast hash is enough; passwords get argon2.

Refused input raises `ValidationFailed` with field-level rules in zh-CN and en, and writes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kehu.config import Settings
from kehu.db import Database
from kehu.errors import FieldError, NotFound, ValidationFailed
from kehu.i18n import LANGUAGES, N_, gettext
from kehu.messages import register_messages
from kehu.models import ApiToken, Department, User, WebSession
from kehu.timeutil import now as utc_now
from kehu.validation import Invalid, normalize_text

HASHER = PasswordHasher()  # argon2id with argon2-cffi's current defaults
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # hashing is deliberately slow; do not let a megabyte "password" make it slower
MAX_FAILURES = 5
LOCK_MINUTES = 15
# last_seen_at / last_used_at are written at most this often: not one write per request.
TOUCH_EVERY = timedelta(minutes=1)
TOKEN_PREFIX = "kehu_"
TOKEN_SHOWN = 12  # characters of a token kept in clear to recognise it in lists
MAX_TOKEN_DAYS = 3650
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

MESSAGES = {
    "account_sign_in_failed": N_(
        "Wrong username or password, or the account is locked for a while after too many failed attempts"),
    "account_password_short": N_("The password must be at least {min} characters long"),
    "account_password_long": N_("The password must be at most {max} characters long"),
    "account_password_username": N_("The password must not contain the username"),
    "account_password_mismatch": N_("The two passwords differ"),
    "account_current_password": N_("The current password is wrong"),
    "account_username_format": N_(
        "A username is 2 to 64 lower-case letters, digits, dots, hyphens or underscores, "
        "starting with a letter or a digit"),
    "account_username_taken": N_("The username \"{value}\" is already taken"),
    "account_language": N_("The language must be zh (中文) or en (English)"),
    "account_timezone": N_("\"{value}\" is not a time zone; choose one such as Asia/Shanghai"),
    "account_token_days": N_("A token lasts from 1 to {max} days, or leave it empty for no end"),
}
register_messages(MESSAGES)

# What the fields of these forms are called (errors name them; msgids for the catalog).
LABELS = {
    "username": N_("Username"),
    "display_name": N_("Display name"),
    "department": N_("Department"),
    "password": N_("Password"),
    "password_again": N_("New password again"),
    "current_password": N_("Current password"),
    "language": N_("Language"),
    "timezone": N_("Time zone"),
    "name": N_("Token name"),
    "expires_days": N_("Valid for (days)"),
}


def label(field: str, lang: str) -> str:
    return gettext(lang, LABELS[field]) if field in LABELS else field


def digest(secret: str) -> str:
    """What is stored of a session id or an API token."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- passwords -------------------------------------------------------------------------------


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def password_errors(password: Any, username: str | None = None, field: str = "password") -> list[FieldError]:
    """The rules a new password breaks (none: it may be used)."""
    if not isinstance(password, str) or not password:
        return [FieldError(field, "required")]
    if len(password) < MIN_PASSWORD:
        return [FieldError(field, "account_password_short", {"min": MIN_PASSWORD})]
    if len(password) > MAX_PASSWORD:
        return [FieldError(field, "account_password_long", {"max": MAX_PASSWORD})]
    if username and len(username) >= 3 and username.lower() in password.lower():
        return [FieldError(field, "account_password_username")]
    return []


def _user(session: Session, user: Any) -> User:
    """A `User` of this session from a User, an Actor or an id."""
    if isinstance(user, User) and user in session:
        return user
    found = session.get(User, user if isinstance(user, int) else user.id)
    if found is None:
        raise NotFound()
    return found


def set_password(session: Session, user: Any, password: str, *, keep_session: str | None = None) -> None:
    """Give `user` (a User, an Actor or an id) a new password; argon2id-hashed.

    Unlocks the account and ends the user's web sessions — all of them, or all but the one whose
    id is `keep_session` (someone changing their own password stays signed in there).
    Raises `ValidationFailed` (field "password") for a password that breaks the rules.
    """
    target = _user(session, user)
    errors = password_errors(password, target.username)
    if errors:
        raise ValidationFailed(errors)
    target.password_hash = HASHER.hash(password)
    target.failed_sign_ins = 0
    target.locked_until = None
    end_user_sessions(session, target.id, keep=keep_session)
    session.flush()


def change_password(session: Session, user: Any, current: str, new: str, again: str | None = None, *,
                    keep_session: str | None = None) -> None:
    """Someone changing their own password: the current one must be right (all errors at once)."""
    target = _user(session, user)
    errors = []
    if not target.password_hash or not _verify(target.password_hash, current or ""):
        errors.append(FieldError("current_password", "account_current_password"))
    errors += password_errors(new, target.username)
    if again is not None and again != new and not errors:
        errors.append(FieldError("password_again", "account_password_mismatch"))
    if errors:
        raise ValidationFailed(errors)
    set_password(session, target, new, keep_session=keep_session)


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(db: Database, username: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active user with this username and password, or None — for every reason alike.

    Takes the Database rather than a session: argon2 is slow on purpose, so the hash is checked
    between a read and a short write, never while a write transaction (on SQLite: the database's
    write lock) is held.  A wrong password counts towards the account's lockout; the count is
    one atomic UPDATE made before the check, so parallel guesses cannot slip past it.
    """
    now = now or utc_now()
    name = (username or "").strip().lower()
    password = password if isinstance(password, str) else ""
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == name, User.is_active)) if name else None
    if user is None or not user.password_hash or len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), password[:MAX_PASSWORD])  # the same work as for a real account
        return None
    # The attempt is counted before the slow check, atomically: a burst of parallel guesses gets
    # at most MAX_FAILURES checks between two lockouts, whichever of them holds the right password.
    with db.write() as session:
        attempt = session.scalar(
            update(User).where(User.id == user.id, (User.locked_until.is_(None)) | (User.locked_until <= now))
            .values(failed_sign_ins=User.failed_sign_ins + 1).returning(User.failed_sign_ins))
    if attempt is None or attempt > MAX_FAILURES:
        _verify(_dummy_hash(), password)  # locked: even the right password waits, after the same work
        return None
    matches = _verify(user.password_hash, password)
    with db.write() as session:
        if not matches:
            if attempt >= MAX_FAILURES:
                session.execute(update(User).where(User.id == user.id).values(
                    failed_sign_ins=0, locked_until=now + timedelta(minutes=LOCK_MINUTES)))
            return None
        changes: dict[str, Any] = {"failed_sign_ins": 0, "locked_until": None}
        if HASHER.check_needs_rehash(user.password_hash):
            changes["password_hash"] = HASHER.hash(password)
        # Only if the password was not changed meanwhile (a rehash must not bring an old one back).
        session.execute(update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                        .values(**changes))
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utc_now())


# --- users and preferences -----------------------------------------------------------------


def _text(field: str, value: Any, max_length: int, errors: list[FieldError]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(FieldError(field, "required"))
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(field, "not_text"))
        return ""
    try:
        text = normalize_text(value)
    except Invalid as exc:
        errors.append(FieldError(field, exc.rule, exc.params))
        return ""
    if len(text) > max_length:
        errors.append(FieldError(field, "too_long", {"max": max_length}))
    return text


def create_user(session: Session, username: str, display_name: str, *, department: str | None = None,
                password: str | None = None) -> User:
    """A new active user; with `password` they can sign in at once (all errors at once)."""
    errors: list[FieldError] = []
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        errors.append(FieldError("username", "account_username_format"))
    elif session.scalar(select(User.id).where(User.username == name)) is not None:
        errors.append(FieldError("username", "account_username_taken", {"value": name}))
    shown = _text("display_name", display_name, 100, errors)
    dept_id = None
    if department:
        dept_id = session.scalar(select(Department.id).where(Department.name == department.strip()))
        if dept_id is None:
            errors.append(FieldError("department", "unknown_department", {"value": department}))
    if password is not None:
        errors += password_errors(password, name)
    if errors:
        raise ValidationFailed(errors)
    user = User(username=name, display_name=shown, department_id=dept_id, is_active=True,
                password_hash=HASHER.hash(password) if password is not None else None)
    session.add(user)
    session.flush()
    return user


def timezone_names() -> list[str]:
    """Every IANA zone name the server knows, sorted (what a user may choose)."""
    return sorted(available_timezones())


def set_preferences(session: Session, user: Any, *, language: str | None, timezone: str | None) -> User:
    """The user's language ('zh' / 'en') and time zone; None or "" means the installation's default."""
    target = _user(session, user)
    errors = []
    language = (language or "").strip() or None
    timezone = (timezone or "").strip() or None
    if language is not None and language not in LANGUAGES:
        errors.append(FieldError("language", "account_language"))
    if timezone is not None and timezone not in available_timezones():
        errors.append(FieldError("timezone", "account_timezone", {"value": timezone}))
    if errors:
        raise ValidationFailed(errors)
    target.language, target.timezone = language, timezone
    session.flush()
    return target


def set_language(session: Session, user: Any, language: str) -> User:
    """Only the language (the switch in the top bar)."""
    target = _user(session, user)
    return set_preferences(session, target, language=language, timezone=target.timezone)


# --- web sessions ----------------------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def start_session(session: Session, user_id: int | None, *, replaces: str | None = None,
                  flashes: list[Any] | None = None) -> tuple[str, WebSession]:
    """A new web session with a fresh random id (returned once, for the cookie) and CSRF token.

    `replaces` is the id of the session the browser had before (e.g. the one of the sign-in
    form): it is deleted, so an id somebody planted or saw earlier is void after sign-in.
    """
    if replaces:
        end_session(session, replaces)
    raw = new_secret()
    row = WebSession(id_hash=digest(raw), user_id=user_id, csrf_token=new_secret(), flashes=flashes or None)
    session.add(row)
    session.flush()
    return raw, row


def session_expired(row: WebSession, settings: Settings, now: datetime | None = None) -> bool:
    now = now or utc_now()
    return (now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
            or now - row.created_at > timedelta(hours=settings.session_max_hours))


@dataclass(frozen=True)
class Found:
    """A live web session and its user (None before sign-in)."""

    session: WebSession
    user: User | None


def find_session(session: Session, raw: str | None, settings: Settings, now: datetime | None = None) -> Found | None:
    """The live session with this id; None when there is none, it expired or its user is inactive.

    Read-only: `refresh_session` does the (rare) writes.
    """
    if not raw or len(raw) > 200:
        return None
    row = session.scalar(select(WebSession).where(WebSession.id_hash == digest(raw)))
    if row is None or session_expired(row, settings, now):
        return None
    user = None
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
    return Found(row, user)


def needs_touch(row: WebSession, now: datetime | None = None) -> bool:
    return (now or utc_now()) - row.last_seen_at >= TOUCH_EVERY


def touch_session(session: Session, row_id: int, now: datetime | None = None) -> None:
    session.execute(update(WebSession).where(WebSession.id == row_id).values(last_seen_at=now or utc_now()))


def save_flashes(session: Session, row_id: int, flashes: list[Any]) -> None:
    session.execute(update(WebSession).where(WebSession.id == row_id).values(flashes=flashes or None))


def end_session(session: Session, raw: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == digest(raw)))


def end_user_sessions(session: Session, user_id: int, *, keep: str | None = None) -> None:
    condition = [WebSession.user_id == user_id]
    if keep:
        condition.append(WebSession.id_hash != digest(keep))
    session.execute(delete(WebSession).where(*condition))


def prune_sessions(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete expired sessions (signed-in or not); returns how many."""
    now = now or utc_now()
    result = session.execute(delete(WebSession).where(or_(
        WebSession.last_seen_at < now - timedelta(minutes=settings.session_idle_minutes),
        WebSession.created_at < now - timedelta(hours=settings.session_max_hours))))
    return result.rowcount or 0


# --- personal API tokens ---------------------------------------------------------------------


def create_token(session: Session, user: Any, name: str, *, expires_days: int | str | None = None,
                 now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token for `user`: (the secret — shown this once, never stored —, its row)."""
    target = _user(session, user)
    errors: list[FieldError] = []
    shown = _text("name", name, 100, errors)
    days = None
    if expires_days not in (None, ""):
        try:
            days = int(str(expires_days).strip())
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_TOKEN_DAYS:
            errors.append(FieldError("expires_days", "account_token_days", {"max": MAX_TOKEN_DAYS}))
    if errors:
        raise ValidationFailed(errors)
    now = now or utc_now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=target.id, name=shown, token_hash=digest(secret), prefix=secret[:TOKEN_SHOWN],
                   created_at=now, expires_at=now + timedelta(days=days) if days else None)
    session.add(row)
    session.flush()
    return secret, row


def list_tokens(session: Session, user: Any) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (marked)."""
    user_id = user if isinstance(user, int) else user.id
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: Any, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of `user`'s tokens (another user's answers NotFound, as a missing one does)."""
    user_id = user if isinstance(user, int) else user.id
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if row is None:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = now or utc_now()
        session.flush()
    return row


def token_usable(row: ApiToken, now: datetime | None = None) -> bool:
    now = now or utc_now()
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > now)


def find_token(session: Session, secret: str | None, now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """The usable token with this secret and its active user, or None.  Read-only."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    found = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == digest(secret), User.is_active)).first()
    if found is None or not token_usable(found[0], now):
        return None
    return found[0], found[1]


def token_needs_touch(row: ApiToken, now: datetime | None = None) -> bool:
    return row.last_used_at is None or (now or utc_now()) - row.last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token_id: int, now: datetime | None = None) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or utc_now()))
