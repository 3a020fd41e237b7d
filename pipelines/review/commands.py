"""The review app's commands (`sop-ingest users add`, `sop-ingest review`);
ingest/cli.py only parses the arguments and calls these."""

from __future__ import annotations

import getpass
import ipaddress
import sys
from pathlib import Path
from typing import TextIO

from pipelines import ledger


class DatabaseError(Exception):
    """The ledger database cannot be opened (a plain reason)."""


def open_ledger(db_url: str) -> None:
    """Bring the database to the current schema, or say plainly why not."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        ledger.upgrade(db_url)
    except ArgumentError:
        raise DatabaseError(f"'{db_url}' is not a database URL (for example "
                            "sqlite:///hasil/_ledger.sqlite3 or postgresql://user@host/db)") from None
    except SQLAlchemyError as exc:
        raise DatabaseError(f"the database {db_url} cannot be opened ({exc.orig or exc})") from None


def read_password(stdin: TextIO = sys.stdin) -> str:
    """Ask twice on a terminal; otherwise the first line of standard input
    (for scripts: `printf '%s\\n' "$PW" | sop-ingest users add ...`)."""
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def users_add(db_url: str, name: str, role: str, stdin: TextIO = sys.stdin) -> str:
    """Create an account; returns the message to print. Raises ValueError
    (auth.AccountError) with a plain reason."""
    from . import auth

    password = read_password(stdin)
    open_ledger(db_url)
    with ledger.sessions(db_url).begin() as s:
        auth.add_user(s, name, password, role)
    return f"user '{name}' ({role}) created"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(db_url: str, out_dir: Path, host: str, port: int, inbox: Path | None,
          threshold: float, insecure_cookies: bool) -> None:
    import uvicorn

    from .app import create_app

    open_ledger(db_url)
    app = create_app(db_url, out_dir, inbox=inbox, threshold=threshold,
                     secure_cookies=not insecure_cookies)
    print(f"review app: http://{host}:{port}/  (stop: Ctrl+C)", file=sys.stderr)
    if not insecure_cookies and not is_loopback(host):
        print("note: browsers send the session cookie over HTTPS only: serve the app behind an "
              "HTTPS proxy, or use --insecure-cookies inside a closed network", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
