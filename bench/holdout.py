"""Phone photos of SOPs that no photo sample shows: the accuracy check on
documents the pipeline was not developed on.

The committed camscanner samples are three documents in styles A-C, the
same three every stage was tuned and checked on. Here the documents of the
generality test (`tests/test_generality.py`: the generator's fixture and
two SOPs of the decree) are rendered in style D, which no committed sample
uses, and the two decree SOPs in style C too; each is then photographed
the way the camscanner samples are (`samples/generator/scan.py`,
`CAMSCANNER`: same ranges, its own random draws per stem). Everything is
made at run time from the YAML, so nothing here is committed output, and
the golden is the generator's, as for every sample.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import yaml

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DECREE = SAMPLES / "sopdata" / "bkpsdm-paser-keputusan-sop-perencanaan.yaml"
VARIANT = "held-out photos"
# (stem, SOP of the decree or None for the fixture, style)
DOCUMENTS: tuple[tuple[str, str | None, str], ...] = (
    ("fixture-D", None, "D"),
    ("sop07-D", "07/SOP-Sek.II", "D"),
    ("sop08-D", "08/SOP-Sek.II", "D"),
    ("sop07-C", "07/SOP-Sek.II", "C"),
    ("sop08-C", "08/SOP-Sek.II", "C"),
)


def _generator():
    if str(SAMPLES) not in sys.path:
        sys.path.insert(0, str(SAMPLES))
    import generator
    from generator import scan

    return generator, scan


def specs() -> dict[str, dict]:
    """stem -> generator spec (the YAML content) of each held-out document."""
    generator, _ = _generator()
    decree = generator.load(DECREE)
    by_number = {s["printed"]["number"].replace(" ", ""): s for s in decree["sops"]}
    out = {}
    for stem, number, style in DOCUMENTS:
        if number is None:
            spec = copy.deepcopy(generator.load(generator.FIXTURE))
            spec.update(style=style, stem=stem)
        else:
            spec = {"stem": stem, "style": style, "sops": [copy.deepcopy(by_number[number])]}
        out[stem] = spec
    return out


def photos(work: Path, limit: int | None = None) -> list[tuple[Path, Path]]:
    """(CamScanner-style photo PDF, its golden JSON) per held-out document,
    written under `work`."""
    generator, scan = _generator()
    made = work / "holdout" / "born-digital"
    made.mkdir(parents=True, exist_ok=True)
    out = []
    for stem, spec in list(specs().items())[:limit]:
        src = made / f"{stem}.yaml"
        src.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        born = made / f"{stem}.pdf"
        gold, _ = generator.build(src, born)
        golden = made / f"{stem}.json"
        golden.write_text(gold.to_json(), encoding="utf-8")
        photo = work / "holdout" / f"{stem}.pdf"
        scan.make_variant(stem, "camscanner", born, photo, golden)
        out.append((photo, golden))
    return out
