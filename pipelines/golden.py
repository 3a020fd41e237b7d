"""`sop-ingest golden add DOC`: an approved document becomes a regression case.

The reviewer-approved JSON goes to `golden/<stem>.json` and its source file
to `samples/<variant>/<name>` (default variant "reviewed": real archive
documents checked by people, scored by `sop-ingest eval` as their own
variant beside the generated born-digital and scanned samples).

The golden file is the approved document as the pipeline should have read
it: schema 1.0, without the `review` block (who approved is in the ledger's
audit rows, not part of the answer) and without `evidence` and
`corrections` (where values were read, not what they are; the other golden
files carry neither).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import or_, select

from pipelines import ledger
from pipelines.batch import write_atomic


class GoldenError(Exception):
    """A plain reason the document cannot be added."""


def golden_document(approved: dict, source_path: str) -> str:
    from ingest.model import SopDocument

    doc = {k: v for k, v in approved.items() if k != "review"}
    doc["schema_version"] = "1.0"
    doc["source"] = dict(doc["source"], path=source_path)
    for sop in doc.get("sops", []):
        sop.pop("evidence", None)
        sop.pop("corrections", None)
    return SopDocument.model_validate(doc).to_json()


def add(db_url: str, out_dir: Path, doc: str, inbox: Path | None, samples: Path,
        golden: Path, variant: str) -> list[str]:
    from pipelines.review import pages, store
    from pipelines.review.models import APPROVED, Review

    if not variant or "/" in variant or "\\" in variant or variant.startswith("."):
        raise GoldenError(f"variant '{variant}' must be a plain folder name")
    ledger.upgrade(db_url)
    with ledger.sessions(db_url)() as s:
        cond = [ledger.InputFile.path == doc, ledger.InputFile.output_path == doc]
        if doc.isdigit():
            cond.append(ledger.InputFile.id == int(doc))
        row = s.scalars(select(ledger.InputFile).where(
            ledger.InputFile.status == "done", or_(*cond))).first()
        if row is None:
            raise GoldenError(f"{doc}: no such document in the ledger")
        review = s.scalar(select(Review).where(Review.input_file_id == row.id))
        if review is None or review.state != APPROVED:
            raise GoldenError(f"{row.path}: not approved yet; approve it in the review app first")
        approved_path = store.inside(out_dir, row.output_path or "")
        try:
            approved = json.loads(approved_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise GoldenError(f"{approved_path}: the approved JSON cannot be read ({exc})") from None
        if "review" not in approved:
            raise GoldenError(f"{approved_path}: has no review block; approve it again")
        try:
            source = pages.find_source(store.source_ref(row, approved, inbox))
        except pages.PageUnavailable:
            raise GoldenError(f"{row.path}: the source file is not found (or has changed); "
                              "give the watched folder with --inbox") from None
    name = Path(row.path).name
    stem = Path(name).stem
    target_golden = golden / f"{stem}.json"
    target_sample = samples / variant / name
    # eval pairs samples and golden by stem, across variants: one stem, one answer.
    if target_golden.exists():
        raise GoldenError(f"{target_golden} already exists; rename the source file first")
    if target_sample.exists():
        raise GoldenError(f"{target_sample} already exists")
    text = golden_document(approved, target_sample.as_posix())
    target_sample.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target_sample)
    write_atomic(target_golden, text)
    return [f"golden: {target_golden}", f"sample: {target_sample}"]
