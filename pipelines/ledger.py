"""The ledger: one database of input files and what became of them.

Shared by the nightly ingest (which writes it) and the review app (which
reads `done` rows and adds its own tables on the same `Base`). SQLite by
default (a file next to the outputs, nothing to start), PostgreSQL when
given a `postgresql://` URL; the schema comes from the Alembic migrations
in `pipelines/migrations/`, run by `upgrade(url)` (no alembic.ini needed).

One `InputFile` row per input *version* (its content, by sha256): a renamed
file keeps its row, an edited one gets a new row and the old one becomes
`superseded`. Times are stored as UTC and read back timezone-aware.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, Engine, Float, Index, Integer,
                        String, Text, create_engine, event, text, update)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = ["Base", "InputFile", "Lease", "LedgerLock", "LockBusy", "NightlyRun", "STATUSES", "LEDGER_NAME",
           "default_url", "downgrade", "engine_for", "sessions", "upgrade", "utcnow"]

LEDGER_NAME = "_ledger.sqlite3"
# Status of an input version:
#   new          seen, settled, not read yet (or interrupted while being read)
#   done         read; output_path holds its JSON
#   failed       the last attempt failed (error says why); retried on a later run
#   quarantined  failed `attempts` times: not retried until someone acts
#   superseded   the file at its path was edited; output moved to _superseded/
STATUSES = ("new", "done", "failed", "quarantined", "superseded")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC (same on SQLite and PostgreSQL),
    returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ledger timestamps must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class InputFile(Base):
    __tablename__ = "input_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))  # relative to the watched folder, posix
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # finished attempts
    error: Mapped[str | None] = mapped_column(Text)
    output_path: Mapped[str | None] = mapped_column(String(1024))  # relative to the out dir
    pages: Mapped[int | None] = mapped_column(Integer)
    sops: Mapped[int | None] = mapped_column(Integer)
    steps: Mapped[int | None] = mapped_column(Integer)
    lowest_confidence: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="ck_input_files_status"),
        Index("ix_input_files_path", "path"),
        Index("ix_input_files_status_conf", "status", "lowest_confidence"),
        # One live row per content: a copy of a known file is not read twice.
        Index("uq_input_files_live_sha256", "sha256", unique=True,
              sqlite_where=text("status != 'superseded'"),
              postgresql_where=text("status != 'superseded'")),
    )

    def __repr__(self) -> str:
        return f"InputFile({self.id}, {self.path!r}, {self.status}, {self.sha256[:12]})"


class LedgerLock(Base):
    """A lease: who runs the nightly ingest now, until when.

    Kept alive by a heartbeat; a holder that died (its pid is gone on this
    host, or its lease expired) is replaced by the next run.
    """

    __tablename__ = "ledger_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200))  # host:pid:token
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NightlyRun(Base):
    """One nightly run: when, where, how it ended, its report's counts (JSON)."""

    __tablename__ = "nightly_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|finished|interrupted
    summary: Mapped[str | None] = mapped_column(Text)  # JSON counts, when finished


# -- engines ----------------------------------------------------------------

def default_url(out_dir: Path) -> str:
    """The SQLite ledger next to the outputs: `<out dir>/_ledger.sqlite3`."""
    return f"sqlite:///{(Path(out_dir).resolve() / LEDGER_NAME).as_posix()}"


def _normalise(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy's default is psycopg2)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """The (cached, per process) SQLAlchemy engine for a ledger URL."""
    url = _normalise(url)
    with _engines_lock:
        eng = _engines.get(url)
        if eng is None:
            eng = _engines[url] = _make_engine(url)
        return eng


def _make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    eng = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(eng, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        # WAL: readers (the review app) never block the nightly writer;
        # synchronous=FULL: a committed state survives a power cut.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return eng


def sessions(url: str) -> sessionmaker:
    """A session factory bound to the ledger at `url`."""
    return sessionmaker(engine_for(url), expire_on_commit=False)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the ledger's schema to `revision` with the shipped Alembic migrations."""
    _migrate(url, "upgrade", revision)


def downgrade(url: str, revision: str) -> None:
    """Take the ledger's schema back to `revision` ("base": no tables)."""
    _migrate(url, "downgrade", revision)


_MIGRATION_LOCK = 0x5051_0001  # pg_advisory_xact_lock key of schema changes


def _migrate(url: str, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine_for(url).begin() as conn:
        if conn.dialect.name == "postgresql":
            # the nightly run and the review app may start together: one
            # migrates, the other waits and then finds nothing to do
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn  # env.py uses it: no URL in an ini file
        getattr(command, direction)(cfg, revision)


def dispose_all() -> None:
    """Close every cached engine (tests, and a worker process after fork)."""
    with _engines_lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


# -- the single-run lock --------------------------------------------------------

class LockBusy(RuntimeError):
    """Another run holds the lease."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class Lease:
    """One holder at a time per ledger and name, in the database itself (so
    it works the same for SQLite and PostgreSQL, and for runs on different
    machines sharing a PostgreSQL ledger).

    The holder renews it every `ttl / 4` seconds from a thread. A holder
    that crashed leaves a lease that is taken over at once when its process
    is gone from this host, and after `ttl` seconds otherwise. Taking it is
    one conditional UPDATE on the owner read before (compare and swap), so
    two runs starting together cannot both win.
    """

    def __init__(self, url: str, name: str = "nightly", ttl: float = 300.0) -> None:
        self.url, self.name, self.ttl = url, name, ttl
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.owner = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:12]}"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def holder(self) -> LedgerLock | None:
        with sessions(self.url)() as s:
            row = s.get(LedgerLock, self.name)
            return row if row is not None and row.owner else None

    def acquire(self) -> None:
        Session = sessions(self.url)
        try:
            with Session.begin() as s:
                if s.get(LedgerLock, self.name) is None:
                    s.add(LedgerLock(name=self.name))
        except IntegrityError:
            pass  # another run made the row at the same moment
        with Session() as s:
            row = s.get(LedgerLock, self.name)
            seen, now = row.owner, utcnow()
            if seen is not None and not self._stale(row, now):
                raise LockBusy(f"another run holds the ledger: started {row.acquired_at:%Y-%m-%d %H:%M} "
                               f"UTC on {row.host} (process {row.pid}); its lease runs until "
                               f"{row.expires_at:%H:%M:%S} UTC unless it renews it")
        cond = LedgerLock.owner.is_(None) if seen is None else LedgerLock.owner == seen
        with engine_for(self.url).begin() as conn:
            won = conn.execute(
                update(LedgerLock).where(LedgerLock.name == self.name, cond).values(
                    owner=self.owner, host=self.host, pid=self.pid, acquired_at=now,
                    expires_at=now + timedelta(seconds=self.ttl))).rowcount == 1
        if not won:
            raise LockBusy("another run took the ledger at the same moment")
        self._thread = threading.Thread(target=self._renew, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _stale(self, row: LedgerLock, now: datetime) -> bool:
        if row.expires_at is not None and row.expires_at < now:
            return True
        return row.host == self.host and row.pid is not None and not _pid_alive(row.pid)

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            try:
                with engine_for(self.url).begin() as conn:
                    n = conn.execute(update(LedgerLock).where(
                        LedgerLock.name == self.name, LedgerLock.owner == self.owner).values(
                        expires_at=utcnow() + timedelta(seconds=self.ttl))).rowcount
            except Exception:  # the database is away for a moment: try again next beat
                continue
            if n != 1:
                self.lost.set()  # taken over (we were frozen past the ttl): stop writing
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with engine_for(self.url).begin() as conn:
            conn.execute(update(LedgerLock).where(
                LedgerLock.name == self.name, LedgerLock.owner == self.owner).values(
                owner=None, host=None, pid=None, acquired_at=None, expires_at=None))

    def __enter__(self) -> "Lease":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
