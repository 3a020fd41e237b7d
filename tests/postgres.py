"""A real PostgreSQL server for tests: Debian's binaries, a temp data folder,
a free loopback port; one server per test session, a fresh database per test.

Skipped, with the reason, only where PostgreSQL is not installed
(`make setup` installs it: `postgresql` is in the Makefile's APT_PACKAGES).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

_counter = itertools.count()


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, run it as `postgres`."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL tests need the 'postgres' system user when run as root")
    return ["runuser", "-u", "postgres", "--"], pw.pw_uid, pw.pw_gid


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running server's `postgres` database (user `test`, trust auth)."""
    bindir = _bin_dir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed here (/usr/lib/postgresql/*/bin/initdb "
                    "missing; `apt-get install postgresql` or `make setup` installs it)")
    prefix, uid, gid = _runner()
    tmp = Path(tempfile.mkdtemp(prefix="sop-ingest-pg-"))
    data, sock = tmp / "data", tmp / "sock"
    sock.mkdir()
    if uid is not None:
        for p in (tmp, sock):
            os.chown(p, uid, gid)
    port = _free_port()
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "test",
                        "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c max_connections=50")
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts,
                        "-l", str(tmp / "server.log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        log = (tmp / "server.log").read_text() if (tmp / "server.log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r} {log}") from None
    try:
        yield f"postgresql://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped afterwards."""
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    admin = postgres_server
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    from pipelines import ledger

    ledger.dispose_all()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
