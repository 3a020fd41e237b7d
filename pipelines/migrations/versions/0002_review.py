"""Review app tables: users, documents under review, audit rows, login
attempts, settings (see pipelines/review/models.py)."""

import sqlalchemy as sa
from alembic import op

revision = "0002_review"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

TZ = sa.DateTime()  # naive UTC, as the ledger's UTCDateTime stores it


def upgrade() -> None:
    op.create_table(
        "review_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "review_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("input_file_id", sa.Integer, sa.ForeignKey("input_files.id"),
                  nullable=False, unique=True),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("agency", sa.String(1024), index=True),
        sa.Column("title", sa.String(1024)),
        sa.Column("original", sa.Text, nullable=False),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("approved_by", sa.Integer, sa.ForeignKey("review_users.id")),
        sa.Column("approved_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("input_file_id", sa.Integer, sa.ForeignKey("input_files.id"),
                  nullable=False, index=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
    )
    op.create_table(
        "review_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, index=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_table(
        "review_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("review_settings", "review_login_attempts", "review_audit",
                  "review_documents", "review_users"):
        op.drop_table(table)
