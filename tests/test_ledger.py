"""The ledger schema on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from pipelines import ledger
from pipelines.ledger import InputFile
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        u = ledger.default_url(tmp_path)
    else:
        u = request.getfixturevalue("postgres_url")
    yield u
    ledger.dispose_all()


def _row(path: str, sha: str, status: str = "new") -> InputFile:
    return InputFile(path=path, sha256=sha, size=10, mtime=1.5, status=status, attempts=0)


def test_upgrade_creates_the_schema_the_models_declare(url: str) -> None:
    ledger.upgrade(url)
    ledger.upgrade(url)  # a second run is a no-op
    with ledger.engine_for(url).connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {
            "input_files", "ledger_locks", "nightly_runs", "alembic_version"}
        # head: the review app's revision comes after the ledger's
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0002_review"
        diffs = compare_metadata(MigrationContext.configure(conn), ledger.Base.metadata)
    assert diffs == []


def test_default_url_is_a_sqlite_file_in_the_out_dir(tmp_path: Path) -> None:
    url = ledger.default_url(tmp_path / "hasil")
    assert url == f"sqlite:///{tmp_path}/hasil/_ledger.sqlite3"
    ledger.upgrade(url)
    assert (tmp_path / "hasil" / "_ledger.sqlite3").is_file()


def test_rows_round_trip_with_aware_utc_times(url: str) -> None:
    ledger.upgrade(url)
    Session = ledger.sessions(url)
    started = datetime(2026, 11, 21, 20, 15, tzinfo=timezone.utc)
    with Session.begin() as s:
        r = _row("a/b.pdf", "a" * 64)
        r.started_at = started
        s.add(r)
    with Session() as s:
        got = s.scalars(select(InputFile)).one()
    assert got.path == "a/b.pdf" and got.status == "new" and got.attempts == 0
    assert got.started_at == started and got.started_at.tzinfo is not None
    assert got.created_at.tzinfo is not None and got.updated_at >= got.created_at


def test_one_live_row_per_content(url: str) -> None:
    ledger.upgrade(url)
    Session = ledger.sessions(url)
    with Session.begin() as s:
        s.add(_row("a.pdf", "b" * 64, "superseded"))
        s.add(_row("a.pdf", "b" * 64, "done"))  # the same content again after an edit back
    with pytest.raises(IntegrityError):
        with Session.begin() as s:
            s.add(_row("copy-of-a.pdf", "b" * 64, "new"))


def test_unknown_status_is_refused(url: str) -> None:
    ledger.upgrade(url)
    with pytest.raises(IntegrityError):
        with ledger.sessions(url).begin() as s:
            s.add(_row("a.pdf", "c" * 64, "running"))


def test_naive_timestamps_are_refused(url: str) -> None:
    ledger.upgrade(url)
    r = _row("a.pdf", "d" * 64)
    r.started_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="timezone-aware"):
        with ledger.sessions(url).begin() as s:
            s.add(r)


def test_downgrade_to_base_and_up_again(url: str) -> None:
    ledger.upgrade(url)
    ledger.downgrade(url, "base")
    with ledger.engine_for(url).connect() as conn:
        assert "input_files" not in inspect(conn).get_table_names()
    ledger.upgrade(url)
    with ledger.engine_for(url).connect() as conn:
        assert "input_files" in inspect(conn).get_table_names()


def test_postgresql_urls_use_psycopg3() -> None:
    eng = ledger.engine_for("postgresql://u@127.0.0.1:1/x")
    assert eng.dialect.driver == "psycopg"


# -- the single-run lease ---------------------------------------------------------

def test_one_holder_at_a_time(url: str) -> None:
    ledger.upgrade(url)
    first = ledger.Lease(url)
    first.acquire()
    try:
        with pytest.raises(ledger.LockBusy, match="another run holds the ledger"):
            ledger.Lease(url).acquire()
        assert first.holder().owner == first.owner
    finally:
        first.release()
    assert first.holder() is None
    with ledger.Lease(url) as second:
        assert second.holder().owner == second.owner


def test_a_dead_holder_on_this_host_is_replaced_at_once(url: str) -> None:
    import subprocess
    import sys

    ledger.upgrade(url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    crashed = ledger.Lease(url, ttl=3600)
    crashed.pid = dead.pid  # as if that process had taken it and been killed
    crashed.acquire()
    crashed._stop.set()  # its heartbeat died with it
    with ledger.Lease(url) as lease:
        assert lease.holder().pid == lease.pid


def test_a_holder_elsewhere_is_replaced_only_when_its_lease_expired(url: str) -> None:
    ledger.upgrade(url)
    other = ledger.Lease(url, ttl=3600)
    other.host = "server-lain"
    other.acquire()
    other._stop.set()
    with pytest.raises(ledger.LockBusy):
        ledger.Lease(url).acquire()
    with ledger.sessions(url).begin() as s:  # an hour later
        s.get(ledger.LedgerLock, "nightly").expires_at = ledger.utcnow() - timedelta(seconds=1)
    with ledger.Lease(url) as lease:
        assert lease.holder().host == lease.host


def test_the_heartbeat_renews_and_notices_a_takeover(url: str) -> None:
    import time

    ledger.upgrade(url)
    lease = ledger.Lease(url, ttl=0.4)
    lease.acquire()
    try:
        first = lease.holder().expires_at
        time.sleep(0.35)
        assert lease.holder().expires_at > first  # renewed by the heartbeat
        with ledger.sessions(url).begin() as s:  # someone took it over
            s.get(ledger.LedgerLock, "nightly").owner = "elsewhere:1:x"
        assert lease.lost.wait(5)
    finally:
        lease.release()
    assert lease.holder().owner == "elsewhere:1:x"  # release leaves the new holder alone


def test_two_processes_upgrading_at_once_on_postgresql(postgres_url: str) -> None:
    import subprocess
    import sys

    import time

    start = time.time() + 10  # all imported by then: they migrate at the same moment
    code = ("import time; from pipelines import ledger; ledger.engine_for({u!r}).connect().close(); "
            "time.sleep(max(0, {t} - time.time())); ledger.upgrade({u!r})").format(u=postgres_url,
                                                                              t=start)
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    with ledger.engine_for(postgres_url).connect() as conn:
        # the head revision: the review tables come after the ledger's
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0002_review"
