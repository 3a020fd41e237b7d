"""Accounts, passwords, the login rate limit and CSRF tokens.

Passwords are argon2id hashes (argon2-cffi's defaults). Login attempts are
rows in the database, so the limit holds across restarts and across
several server processes: after LOGIN_LIMIT failed attempts within
LOGIN_WINDOW for one account name, or ADDRESS_LIMIT from one address (an
office behind one router shares it), further attempts are refused until
the window has passed.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipelines.ledger import utcnow

from .models import ROLES, LoginAttempt, Setting, User

LOGIN_LIMIT = 5
ADDRESS_LIMIT = 20
LOGIN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
NAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,64}$")

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs the same time as
# a wrong password (no way to tell which account names exist).
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A plain reason an account cannot be created (said by the CLI)."""


def add_user(session: Session, name: str, password: str, role: str) -> User:
    if not NAME_RE.match(name):
        raise AccountError(f"user name '{name}' is not valid: use 2 to 64 letters, digits, dots, "
                           "underscores or hyphens")
    if role not in ROLES:
        raise AccountError(f"role '{role}' is unknown: choose reviewer or admin")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise AccountError(f"user '{name}' already exists")
    user = User(name=name, password_hash=_hasher.hash(password), role=role, active=True)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def failures(session: Session, name: str, address: str) -> tuple[int, int]:
    """Failed attempts within the window, for this account name and for this address."""
    since = utcnow() - LOGIN_WINDOW

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.at >= since, LoginAttempt.ok.is_(False), *where)) or 0

    return count(LoginAttempt.name == name[:64]), count(LoginAttempt.address == address[:64])


def attempt_login(sessions: sessionmaker, name: str, address: str,
                  password: str) -> tuple[str, int | None]:
    """One login attempt under the rate limit: ("ok", user id), ("bad", None)
    or ("blocked", None).

    The attempt is committed as a failure *before* it is counted and the
    password checked, and marked ok only when the password was right. So
    attempts that arrive together all count against each other: of a burst
    of 30 at once, at most LOGIN_LIMIT get their password checked. (Counting
    first and recording after the check let every request of a burst see
    the same old count: 19 of 30 were checked.) Whoever counts last sees
    the rows of all that were let through before it, since each commits its
    row before counting. A refused attempt takes its row back, so knocking
    on a locked account does not keep it locked.
    """
    with sessions.begin() as db:
        row = LoginAttempt(name=name[:64], address=address[:64], ok=False)
        db.add(row)
        db.flush()
        attempt_id = row.id
    with sessions.begin() as db:
        by_name, by_address = failures(db, name, address)  # this attempt included
        if by_name > LOGIN_LIMIT or by_address > ADDRESS_LIMIT:
            db.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
            return "blocked", None
    with sessions.begin() as db:
        user = authenticate(db, name, password)
        if user is None:
            return "bad", None
        db.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(ok=True))
        return "ok", user.id


def secret_key(session: Session) -> str:
    """The session-signing key: made once, kept in the database so restarts
    (and several server processes) keep everyone logged in."""
    row = session.get(Setting, "session_key")
    if row is None:
        row = Setting(key="session_key", value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)
