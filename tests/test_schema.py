"""The shipped JSON Schema is the one the model generates, and `validate`
names the wrong field and where it is."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.model import json_schema_text, shipped_schema_text

from .conftest import GOLDEN, run_cli


def test_committed_schema_equals_generated() -> None:
    assert shipped_schema_text() == json_schema_text(), (
        "ingest/schema/sop-document.schema.json is stale: run `make schema`")


def test_validate_accepts_golden() -> None:
    files = sorted(str(p) for p in GOLDEN.glob("*.json"))
    assert files
    proc = run_cli("validate", *files)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count(": ok") == len(files)


def test_validate_names_the_wrong_field(tmp_path: Path) -> None:
    doc = json.loads(sorted(GOLDEN.glob("*.json"))[0].read_text())
    doc["sops"][0]["steps"][1]["duration"] = {"text": "2 jam", "min": 2, "max": 2, "unit": "jam"}
    doc["sops"][0]["identity"]["approved_by"] = {"position": "Kepala", "name": None,
                                                 "rank": None, "nip": "1965 0808"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 1
    assert "$.sops[0].steps[1].duration.unit" in proc.stdout
    assert "$.sops[0].identity.approved_by.nip" in proc.stdout
