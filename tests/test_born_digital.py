"""The born-digital route on the bundled samples, scored against golden.

Targets of the route: overall >= 0.99, and activity text, actors and
next/branches exact. The golden files are the checked answers (see
samples/generate.py); nothing here reads the pipeline's own output back as
truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import evaluate
from ingest.model import SopDocument
from ingest.pipeline import ingest_file

from .conftest import GOLDEN, REPO, SAMPLES

BORN_DIGITAL = sorted((SAMPLES / "born-digital").glob("*.pdf"))


@pytest.fixture(scope="module")
def predictions() -> dict[str, SopDocument]:
    return {p.stem: ingest_file(p, root=REPO) for p in BORN_DIGITAL}


def test_there_are_samples_for_every_golden() -> None:
    assert len(BORN_DIGITAL) >= 4
    assert {p.stem for p in BORN_DIGITAL} == {p.stem for p in GOLDEN.glob("*.json")}


def test_eval_targets(predictions: dict[str, SopDocument]) -> None:
    pairs = [(p, "born-digital", GOLDEN / f"{p.stem}.json") for p in BORN_DIGITAL]
    report = evaluate.evaluate(pairs, lambda p: predictions[p.stem])
    row = report.variants["born-digital"]
    scores = {k: v.score for k, v in row.families.items()}
    assert not row.failures
    assert row.overall >= 0.99, evaluate.format_table(report)
    for family in ("activity_text", "actors", "next_branches", "steps_count", "symbols"):
        assert scores[family] == 1.0, (family, evaluate.format_table(report))


@pytest.mark.parametrize("sample", BORN_DIGITAL, ids=lambda p: p.stem)
def test_document_facts(sample: Path, predictions: dict[str, SopDocument]) -> None:
    pred = predictions[sample.stem]
    gold = SopDocument.model_validate_json((GOLDEN / f"{sample.stem}.json").read_text())
    assert pred.source.route == "text-layer"
    assert pred.source.sha256 == gold.source.sha256
    assert pred.source.pages == gold.source.pages
    assert [s.pages for s in pred.sops] == [s.pages for s in gold.sops]
    assert [s.identity.number for s in pred.sops] == [s.identity.number for s in gold.sops]
    for ps, gs in zip(pred.sops, gold.sops):
        # the step list, in order, with everything the contract scores
        fields = ("no", "activity", "actors", "symbol", "requirements", "duration", "output",
                  "note", "next", "branches")
        assert [s.model_dump(include=set(fields)) for s in ps.steps] == \
               [s.model_dump(include=set(fields)) for s in gs.steps]
        assert ps.roles == gs.roles
        # evidence boxes are fractions of the page, on the SOP's own pages;
        # every identity value read has one (the review page links to it)
        assert ps.evidence
        ident = ps.identity.model_dump(exclude={"approved_by"})
        for key, value in ident.items():
            if value is not None and not key.endswith("_iso"):
                assert f"identity.{key}" in ps.evidence, key
        for key, ev in ps.evidence.items():
            assert ev.page in ps.pages, key
            x0, y0, x1, y1 = ev.bbox
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, key


def test_written_json_is_valid(tmp_path: Path) -> None:
    from .conftest import run_cli

    out = tmp_path / "out"
    proc = run_cli("run", str(SAMPLES / "born-digital"), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    files = sorted(f for f in out.glob("*.json") if not f.name.startswith("_"))
    assert len(files) == len(BORN_DIGITAL)
    proc = run_cli("validate", *map(str, files))
    assert proc.returncode == 0, proc.stdout
    for f in files:
        json.loads(f.read_text())


def test_confidence_is_honest_on_the_text_layer(predictions: dict[str, SopDocument]) -> None:
    """Every field read with confidence >= 0.9 is right (the text layer is
    certain, so everything is), and a wrong field is caught by the measure."""
    total = evaluate.Calibration(0.9)
    for stem, pred in predictions.items():
        gold = SopDocument.model_validate_json((GOLDEN / f"{stem}.json").read_text())
        total = total + evaluate.calibration(pred, gold)
    assert total.confident > 700 and total.precision == 1.0, total.wrong_fields[:10]

    stem = "sekretariat-evaluasi-kinerja-internal"
    pred = predictions[stem].model_copy(deep=True)
    pred.sops[0].steps[2].activity += " x"
    pred.sops[0].steps[5].duration = None
    gold = SopDocument.model_validate_json((GOLDEN / f"{stem}.json").read_text())
    cal = evaluate.calibration(pred, gold)
    assert sorted(cal.wrong_fields) == ["steps[2].activity", "steps[5].duration"]
