"""The ledger: input files, the nightly run lock, nightly runs.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-21
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("new", "done", "failed", "quarantined", "superseded")


def upgrade() -> None:
    op.create_table(
        "input_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("output_path", sa.String(1024), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("sops", sa.Integer(), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=True),
        sa.Column("lowest_confidence", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_input_files_status"),
    )
    op.create_index("ix_input_files_path", "input_files", ["path"])
    op.create_index("ix_input_files_status_conf", "input_files", ["status", "lowest_confidence"])
    op.create_index("uq_input_files_live_sha256", "input_files", ["sha256"], unique=True,
                    sqlite_where=sa.text("status != 'superseded'"),
                    postgresql_where=sa.text("status != 'superseded'"))
    op.create_table(
        "ledger_locks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("host", sa.String(200), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "nightly_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("nightly_runs")
    op.drop_table("ledger_locks")
    op.drop_index("uq_input_files_live_sha256", table_name="input_files")
    op.drop_index("ix_input_files_status_conf", table_name="input_files")
    op.drop_index("ix_input_files_path", table_name="input_files")
    op.drop_table("input_files")
