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

import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, Engine, Float, Index, Integer,
                        String, Text, create_engine, event, text)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = ["Base", "InputFile", "LedgerLock", "NightlyRun", "STATUSES", "LEDGER_NAME",
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


def _migrate(url: str, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine_for(url).begin() as conn:
        cfg.attributes["connection"] = conn  # env.py uses it: no URL in an ini file
        getattr(command, direction)(cfg, revision)


def dispose_all() -> None:
    """Close every cached engine (tests, and a worker process after fork)."""
    with _engines_lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
