#!/usr/bin/env python3
"""Regenerate the born-digital sample PDFs and their golden JSON.

    python samples/generate.py              # all samples/sopdata/*.yaml
    python samples/generate.py --only STEM  # one of them
    python samples/generate.py --check      # exit 1 if any committed output would change
    python samples/generate.py --fixture OUT.pdf [--golden OUT.json]
                                            # render samples/generator/fixture.yaml
    python samples/generate.py --scans      # scanned variants from the committed born-digital PDFs
    python samples/generate.py --scans --only STEM
    python samples/generate.py --scans --check

--scans writes samples/{scan-pdf,camscanner,fax,upside-down}/<stem>.* and each
folder's _params.json (samples/generator/scan.py; needs numpy, OpenCV,
Pillow, pypdfium2, pikepdf). It reads samples/born-digital, never the YAML.

For each samples/sopdata/<file>.yaml (whose `stem` names the outputs) it
writes samples/born-digital/<stem>.pdf and golden/<stem>.json. Output is
byte-for-byte deterministic for a given reportlab version.

Needs: reportlab, PyYAML, pydantic (via ingest.model). Fonts: Bitstream Vera
(bundled in the reportlab wheel) and DejaVu (vendored in
samples/generator/fonts); no system fonts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

from generator import FIXTURE, SpecError, build, load  # noqa: E402

DATA = ROOT / "samples" / "sopdata"
PDF_DIR = ROOT / "samples" / "born-digital"
GOLDEN_DIR = ROOT / "golden"


def _specs(only: str | None) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(DATA.glob("*.yaml")):
        stem = load(path)["stem"]
        if only in (None, stem, path.stem):
            found.append((path, stem))
    if only and not found:
        raise SystemExit(f"no sample with stem {only!r} in {DATA}")
    return found


def _generate(yaml_path: Path, stem: str, pdf_dir: Path, golden_dir: Path) -> list[str]:
    pdf = pdf_dir / f"{stem}.pdf"
    doc, warnings = build(yaml_path, pdf, f"samples/born-digital/{stem}.pdf")
    (golden_dir / f"{stem}.json").write_text(doc.to_json(), encoding="utf-8")
    return warnings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", metavar="STEM", help="regenerate one sample")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and fail if anything differs")
    ap.add_argument("--fixture", metavar="PDF", help="render the fixture YAML to this path")
    ap.add_argument("--golden", metavar="JSON", help="with --fixture: write its golden JSON here")
    ap.add_argument("--scans", action="store_true",
                    help="(re)generate the scanned variants of the born-digital PDFs instead")
    args = ap.parse_args(argv)

    if args.scans:
        return _scans(args.only, args.check)

    try:
        if args.fixture:
            doc, warnings = build(FIXTURE, args.fixture)
            if args.golden:
                Path(args.golden).write_text(doc.to_json(), encoding="utf-8")
            for w in warnings:
                print(f"warning: {w}", file=sys.stderr)
            print(f"{args.fixture}: {doc.source.pages} pages")
            return 0

        specs = _specs(args.only)
        if not specs:
            print(f"nothing to do: no YAML in {DATA}", file=sys.stderr)
            return 0
        if args.check:
            return _check(specs)
        PDF_DIR.mkdir(parents=True, exist_ok=True)
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        for path, stem in specs:
            for w in _generate(path, stem, PDF_DIR, GOLDEN_DIR):
                print(f"warning: {stem}: {w}", file=sys.stderr)
            print(f"{stem}: samples/born-digital/{stem}.pdf, golden/{stem}.json")
        return 0
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _check(specs) -> int:
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for path, stem in specs:
            _generate(path, stem, tmp, tmp)
            for new, old in ((tmp / f"{stem}.pdf", PDF_DIR / f"{stem}.pdf"),
                             (tmp / f"{stem}.json", GOLDEN_DIR / f"{stem}.json")):
                if not old.exists() or old.read_bytes() != new.read_bytes():
                    stale.append(str(old.relative_to(ROOT)))
    for name in stale:
        print(f"out of date: {name} (run python samples/generate.py)", file=sys.stderr)
    return 1 if stale else 0


def _scans(only: str | None, check: bool) -> int:
    from generator import scan

    if not check:
        for path in scan.generate(ROOT, only):
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
        return 0
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for new in scan.generate(ROOT, only, out_root=tmp):
            variant, name = new.parent.name, new.name
            old = ROOT / "samples" / variant / name
            if not old.exists() or old.read_bytes() != new.read_bytes():
                stale.append(str(old.relative_to(ROOT)))
            params = ROOT / "samples" / variant / scan.PARAMS_FILE
            stem = new.stem
            fresh = json.loads((new.parent / scan.PARAMS_FILE).read_text("utf-8"))["samples"][stem]
            committed = json.loads(params.read_text("utf-8")).get("samples", {}) if params.exists() else {}
            if committed.get(stem) != fresh:
                stale.append(f"{params.relative_to(ROOT)} [{stem}]")
    for name in stale:
        print(f"out of date: {name} (run python samples/generate.py --scans)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
