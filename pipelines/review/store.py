"""The review state in the database: the queue, drafts, audit rows, approval.

Everything here takes an open SQLAlchemy session; the web routes and the
CLI (`golden add`) call it. Documents are read from `<out dir>/<output_path>`
of `done` ledger rows; the approved document is written back there.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from pipelines.batch import write_atomic
from pipelines.ledger import InputFile, utcnow

from . import document, feedback
from .document import Change
from .models import APPROVED, WAITING, AuditRow, Review, User
from .pages import SourceRef

log = logging.getLogger(__name__)


class NotFound(LookupError):
    pass


def inside(base: Path, rel: str) -> Path:
    """`base/rel`, refused when the ledger's relative path leads outside
    `base` (an absolute path or `..`): the database is trusted to name
    files only under the folders it is about."""
    base = base.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise NotFound(f"path {rel!r} is outside {base}")
    return path


# -- the queue ---------------------------------------------------------------

def sync(session: Session, out_dir: Path) -> list[str]:
    """A review row for every `done` input that has none yet (the pipeline's
    JSON read once and kept as the original). Returns plain problems."""
    problems = []
    rows = session.scalars(
        select(InputFile).outerjoin(Review, Review.input_file_id == InputFile.id)
        .where(InputFile.status == "done", Review.id.is_(None))).all()
    for row in rows:
        try:
            text = inside(out_dir, row.output_path or "").read_text("utf-8")
            doc = document.validate(json.loads(text))
        except (OSError, NotFound, ValueError) as exc:
            problems.append(f"{row.output_path or row.path}: hasil tidak terbaca ({exc})")
            continue
        first = (doc.get("sops") or [{}])[0].get("identity") or {}
        session.add(Review(input_file_id=row.id, input_sha256=row.sha256, state=WAITING,
                           agency=first.get("agency"), title=first.get("title"),
                           original=text, draft=json.dumps(doc, ensure_ascii=False)))
    session.flush()
    return problems


@dataclass(frozen=True)
class QueueFilter:
    agency: str | None = None
    state: str = WAITING  # waiting | approved | all
    since: date | None = None
    until: date | None = None
    text: str | None = None


def queue(session: Session, f: QueueFilter, limit: int = 500) -> list[tuple[InputFile, Review]]:
    """Documents to review, the least confident first."""
    q = (select(InputFile, Review).join(Review, Review.input_file_id == InputFile.id)
         .where(InputFile.status == "done"))
    if f.state in (WAITING, APPROVED):
        q = q.where(Review.state == f.state)
    if f.agency:
        q = q.where(Review.agency == f.agency)
    if f.since:
        q = q.where(InputFile.finished_at >= datetime.combine(f.since, time(), UTC))
    if f.until:
        q = q.where(InputFile.finished_at
                    < datetime.combine(f.until + timedelta(days=1), time(), UTC))
    if f.text:
        like = f"%{f.text}%"
        q = q.where(Review.title.ilike(like) | InputFile.path.ilike(like))
    q = q.order_by(InputFile.lowest_confidence.is_(None), InputFile.lowest_confidence,
                   InputFile.id).limit(limit)
    return [(a, b) for a, b in session.execute(q).all()]


def agencies(session: Session) -> list[str]:
    return sorted(a for a in session.scalars(
        select(Review.agency).where(Review.agency.is_not(None)).distinct()) if a)


# -- one document ----------------------------------------------------------------

def load(session: Session, input_file_id: int) -> tuple[InputFile, Review]:
    row = session.execute(
        select(InputFile, Review).join(Review, Review.input_file_id == InputFile.id)
        .where(and_(InputFile.id == input_file_id, InputFile.status == "done"))).first()
    if row is None:
        raise NotFound(f"no reviewable document {input_file_id}")
    return row[0], row[1]


def source_ref(row: InputFile, doc: dict, inbox: Path | None) -> SourceRef:
    """Where the source may be: under the inbox (the ledger's path), or where
    the JSON says it was read (absolute, or relative to the working folder)."""
    candidates = []
    if inbox is not None:
        try:
            candidates.append(inside(inbox, row.path))
        except NotFound:
            pass
    named = Path(doc.get("source", {}).get("path", ""))
    if named.parts:
        candidates.append(named if named.is_absolute() else Path.cwd() / named)
    return SourceRef(row.id, row.sha256, tuple(candidates),
                     int(doc.get("source", {}).get("pages") or row.pages or 0))


def version(review: Review) -> str:
    """A fingerprint of the draft (and its state) the form was drawn from."""
    return hashlib.sha256(f"{review.state}\n{review.draft}".encode()).hexdigest()[:32]


def record(session: Session, row: InputFile, user: User, changes: list[Change]) -> None:
    for c in changes:
        session.add(AuditRow(input_file_id=row.id, user_id=user.id, action=c.action,
                             path=c.path, old=c.old_json(), new=c.new_json()))


def save(session: Session, row: InputFile, review: Review, user: User,
         doc: dict, changes: list[Change]) -> None:
    """Keep the edited draft and its audit rows; an approved document that
    is changed again waits for a new approval."""
    if not changes:
        return
    record(session, row, user, changes)
    review.draft = json.dumps(document.unreviewed(doc), ensure_ascii=False)
    first = (doc.get("sops") or [{}])[0].get("identity") or {}
    review.agency, review.title = first.get("agency"), first.get("title")
    review.state = WAITING


def history(session: Session, input_file_id: int) -> list[tuple[AuditRow, str]]:
    q = (select(AuditRow, User.name).join(User, User.id == AuditRow.user_id)
         .where(AuditRow.input_file_id == input_file_id).order_by(AuditRow.id))
    return [(a, n) for a, n in session.execute(q).all()]


def fields_changed(session: Session, input_file_id: int) -> list[str]:
    paths = session.scalars(select(AuditRow.path).where(
        AuditRow.input_file_id == input_file_id, AuditRow.action != "approve")
        .order_by(AuditRow.id)).all()
    return list(dict.fromkeys(paths))


@dataclass
class Approval:
    path: Path
    learned: list[str]
    feedback_note: str | None


def approve(session: Session, row: InputFile, review: Review, user: User,
            out_dir: Path) -> Approval:
    """Write the corrected document (schema 1.1, with its review block) over
    the pipeline's output, atomically; feed corrected names to the vocabulary."""
    doc = json.loads(review.draft)
    when = utcnow().replace(microsecond=0)
    text = document.approved(doc, user.name, when.isoformat().replace("+00:00", "Z"),
                             fields_changed(session, row.id))
    target = inside(out_dir, row.output_path or "")
    write_atomic(target, text)
    review.state, review.approved_by, review.approved_at = APPROVED, user.id, when
    session.add(AuditRow(input_file_id=row.id, user_id=user.id, action="approve",
                         path="$", old=None, new=json.dumps({"file": row.output_path})))
    learned, note = feedback.learn_from(history(session, row.id))
    return Approval(target, learned, note)
