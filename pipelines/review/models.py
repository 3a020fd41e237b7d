"""The review app's tables, on the ledger's declarative Base.

Created by the Alembic revision "0002_review" (pipelines/migrations/versions);
keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pipelines.ledger import Base, UTCDateTime, utcnow

ROLES = ("reviewer", "admin")
# Review states of one ingested document.
WAITING, APPROVED = "waiting", "approved"


class User(Base):
    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Review(Base):
    """The working copy of one ingested document while it is reviewed.

    `original` is the pipeline's JSON as first seen (kept so nothing the
    machine wrote is lost when the approved version replaces it on disk);
    `draft` is the document with the corrections made so far.
    """

    __tablename__ = "review_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    input_file_id: Mapped[int] = mapped_column(ForeignKey("input_files.id"), unique=True)
    input_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=WAITING, index=True)
    agency: Mapped[str | None] = mapped_column(String(1024), nullable=True, index=True)
    title: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    original: Mapped[str] = mapped_column(Text)
    draft: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("review_users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditRow(Base):
    """One change to one field: who, when, where (the field's path in the
    document, e.g. `sops[0].steps[3].duration.text`), old and new (JSON)."""

    __tablename__ = "review_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    input_file_id: Mapped[int] = mapped_column(ForeignKey("input_files.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # edit | add-step | delete-step | approve
    path: Mapped[str] = mapped_column(String(1024))
    old: Mapped[str | None] = mapped_column(Text, nullable=True)
    new: Mapped[str | None] = mapped_column(Text, nullable=True)


class LoginAttempt(Base):
    __tablename__ = "review_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)


class Setting(Base):
    """Small app settings kept in the database (the session signing key)."""

    __tablename__ = "review_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
