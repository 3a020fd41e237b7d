"""Alembic migrations of the ledger database; run them with `pipelines.ledger.upgrade(url)`."""
