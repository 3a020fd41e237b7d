"""The review app's commands (`sop-ingest users add`, `sop-ingest review`);
ingest/cli.py only parses the arguments and calls these."""

from __future__ import annotations

import getpass
import ipaddress
import sys
from pathlib import Path
from typing import TextIO

from pipelines import ledger


def read_password(stdin: TextIO = sys.stdin) -> str:
    """Ask twice on a terminal; otherwise the first line of standard input
    (for scripts: `printf '%s\\n' "$PW" | sop-ingest users add ...`)."""
    if stdin.isatty():
        first = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != first:
            raise ValueError("kedua kata sandi tidak sama")
        return first
    return stdin.readline().rstrip("\r\n")


def users_add(db_url: str, name: str, role: str, stdin: TextIO = sys.stdin) -> str:
    """Create an account; returns the message to print. Raises ValueError
    (auth.AccountError) with a plain reason."""
    from . import auth

    password = read_password(stdin)
    ledger.upgrade(db_url)
    with ledger.sessions(db_url).begin() as s:
        auth.add_user(s, name, password, role)
    return f"pengguna '{name}' ({role}) dibuat"


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

    app = create_app(db_url, out_dir, inbox=inbox, threshold=threshold,
                     secure_cookies=not insecure_cookies)
    print(f"aplikasi pemeriksaan: http://{host}:{port}/  (berhenti: Ctrl+C)", file=sys.stderr)
    if not insecure_cookies and not is_loopback(host):
        print("catatan: cookie sesi hanya dikirim lewat HTTPS; pasang di belakang proxy HTTPS, "
              "atau pakai --insecure-cookies di jaringan tertutup", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
