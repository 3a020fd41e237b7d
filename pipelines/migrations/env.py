"""Alembic environment of the ledger.

Run programmatically by `pipelines.ledger.upgrade(url)`, which hands over an
open connection in `config.attributes["connection"]`. From the command line
(`alembic -x url=sqlite:///... upgrade head`, with `script_location` pointing
here) the URL comes from `-x url=`.
"""

from __future__ import annotations

from alembic import context

from pipelines.ledger import Base, engine_for

# Every table on the shared Base must be imported before autogenerate
# compares it; the review app's tables live in pipelines.review.
try:  # pragma: no cover - present once the review app is merged
    import pipelines.review.models  # noqa: F401
except ImportError:
    pass

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations copy the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the ledger URL: alembic -x url=sqlite:///path/_ledger.sqlite3 ...")
    with engine_for(url).begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")
run_migrations_online()
