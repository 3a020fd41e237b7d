"""Ledger overhead of the nightly ingest on files it has already seen.

    .venv/bin/python bench/ledger_bench.py [--files 10000] [--db postgresql://...]

Makes N small files in a temp watched folder, records each in the ledger as
`done` (the state after a first run, with each file's real sha256, size and
mtime), then times a complete `nightly` run over the folder: lease, tidy,
scan, compare, report. Targets (issue 5): under 2 ms per already-seen file,
10,000 files in under 20 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

from pipelines import ledger, nightly
from pipelines.ledger import InputFile


def measure(files: int = 10_000, db: str | None = None) -> dict:
    """Two complete nightly runs over `files` already-seen files: seconds and
    milliseconds per file of each."""
    with tempfile.TemporaryDirectory() as tmp:
        watch, out = Path(tmp) / "watch", Path(tmp) / "out"
        old = time.time() - 86400
        rows = []
        for i in range(files):
            rel = f"unit-{i // 500:02d}/sop-{i:05d}.pdf"
            path = watch / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = b"%PDF-1.4\n% bench file " + str(i).encode() + b"\n"
            path.write_bytes(data)
            os.utime(path, (old, old))
            st = path.stat()
            rows.append(dict(path=rel, sha256=hashlib.sha256(data).hexdigest(), size=st.st_size,
                             mtime=st.st_mtime, status="done", attempts=1,
                             output_path=rel[:-4] + ".json", pages=3, sops=1, steps=10,
                             lowest_confidence=0.5 + (i % 50) / 100))
        url = db or ledger.default_url(out)
        ledger.upgrade(url)
        with ledger.sessions(url).begin() as s:
            s.execute(InputFile.__table__.delete())
            now = ledger.utcnow()
            s.execute(InputFile.__table__.insert(), [r | {"created_at": now, "updated_at": now}
                                                     for r in rows])
        opts = nightly.Options(watch=watch, out=out, db=url, workers=2, settle=0)
        runs = []
        for _ in (1, 2):
            start = time.perf_counter()
            report = nightly.Night(opts).run()
            secs = time.perf_counter() - start
            assert report.unchanged == files and not report.came_in
            runs.append({"seconds": secs, "ms_per_file": secs / files * 1000})
    return {"files": files, "db": "PostgreSQL" if db else "SQLite", "runs": runs}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=10_000)
    p.add_argument("--db", help="ledger URL (default: SQLite in the temp output folder)")
    args = p.parse_args()
    r = measure(args.files, args.db)
    print(f"{'run':>4}  {'files':>6}  {'seconds':>8}  {'ms per file':>11}")
    for n, run in enumerate(r["runs"], start=1):
        print(f"{n:>4}  {r['files']:>6}  {run['seconds']:>8.2f}  {run['ms_per_file']:>11.3f}")


if __name__ == "__main__":
    main()
