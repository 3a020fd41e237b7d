"""The `sop-ingest` command: thin argument handling over the pipeline.

    sop-ingest run INPUT... --out DIR      files and folders -> DIR/<stem>.json
    sop-ingest nightly WATCH --out DIR     new and changed files of a shared folder
    sop-ingest validate FILE.json...       check files against the contract
    sop-ingest eval --samples S --golden G score the pipeline against golden
    sop-ingest vocab list|add|check        the vocabulary (ingest/vocab/commands.py)
    sop-ingest review --db URL --out DIR   the reviewers' web app
    sop-ingest users add NAME --role R --db URL   a reviewer's account
    sop-ingest golden add DOC --db URL --out DIR  an approved document -> regression case
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .errors import ExitCode


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines import batch
    from pipelines.progress import Reporter
    from .pipeline import Settings

    out_dir: Path = args.out
    jobs, problems = batch.collect(args.inputs, out_dir)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not jobs:
        print("error: no input files found (looked for .pdf .jpg .jpeg .png .tif .tiff)",
              file=sys.stderr)
        return ExitCode.usage
    from . import vocab

    try:
        vocab.load(args.vocab)  # a bad vocabulary file stops the run before any input is read
    except vocab.VocabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.usage
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return ExitCode.usage
    workers = args.workers or os.cpu_count() or 1
    if args.scheduler:
        try:
            workers = batch.scheduler_workers(args.scheduler)
        except (OSError, TimeoutError) as exc:
            print(f"error: cannot reach the Dask scheduler at {args.scheduler} ({exc})",
                  file=sys.stderr)
            return ExitCode.usage
    mode = "json" if args.json_log else "quiet" if args.quiet else "auto"
    reporter = Reporter(len(jobs), mode)
    try:
        settings = Settings(max_pages=args.max_pages, vocab=tuple(args.vocab))
        summary = batch.run(jobs, settings, debug=args.debug,
                            workers=min(workers, len(jobs) * batch.MAX_PAGES_PER_TASK),
                            scheduler=args.scheduler, events=reporter, resume=args.resume)
    finally:
        reporter.close()
    data = batch.write_summary(out_dir, summary, {"workers": workers,
                                                  "scheduler": args.scheduler})
    reporter.final(data, out_dir)
    failed = summary.failed > 0 or bool(problems)
    return ExitCode.some_failed if failed else ExitCode.ok


def cmd_nightly(args: argparse.Namespace) -> int:
    from pipelines import ledger, nightly
    from .pipeline import Settings

    watch: Path = args.watch_dir
    if not watch.is_dir():
        print(f"error: {watch}: no such folder", file=sys.stderr)
        return ExitCode.usage
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return ExitCode.usage
    opts = nightly.Options(
        watch=watch, out=args.out, db=args.db or ledger.default_url(args.out),
        workers=args.workers or os.cpu_count() or 1, max_attempts=args.max_attempts,
        page_time_limit=args.page_time_limit, settle=args.settle,
        settings=Settings(max_pages=args.max_pages))

    def log(event: str, line: str, **fields) -> None:
        if args.json_log:
            print(json.dumps({"event": event} | fields, ensure_ascii=False), flush=True)
        elif event == "failed":
            print(line, file=sys.stderr, flush=True)
        elif not args.quiet:
            print(line, flush=True)

    try:
        report = nightly.Night(opts, log).run()
    except ledger.LockBusy as exc:
        print(f"error: {exc}; this run stops", file=sys.stderr)
        return ExitCode.some_failed
    except nightly.LeaseLost as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.some_failed
    c = report.counts()
    if args.json_log:
        print(json.dumps({"event": "summary"} | c, ensure_ascii=False))
    elif not args.quiet:
        print(f"{c['read']} files read, {c['failed']} failed, {c['quarantined']} quarantined, "
              f"{c['superseded']} edited, {c['renamed']} renamed, {c['duplicates']} copies, "
              f"{c['refused']} refused, {c['waiting']} waiting, {c['unchanged']} unchanged; "
              f"report in {args.out}/{nightly.REPORTS}/")
    return ExitCode.some_failed if c["failed"] or c["quarantined"] else ExitCode.ok


def cmd_validate(args: argparse.Namespace) -> int:
    import jsonschema

    from .model import shipped_schema_text

    validator = jsonschema.Draft202012Validator(json.loads(shipped_schema_text()))
    bad = 0
    for path in args.files:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"{path}: not readable JSON ({exc})")
            bad += 1
            continue
        errors = [leaf for e in validator.iter_errors(data) for leaf in _leaf_errors(e)]
        errors.sort(key=lambda e: [str(x) for x in e.absolute_path])
        if errors:
            bad += 1
            for e in errors:
                print(f"{path}: {e.json_path}: {e.message}")
        else:
            print(f"{path}: ok")
    return ExitCode.some_failed if bad else ExitCode.ok


def _leaf_errors(error):  # jsonschema.ValidationError -> the errors that name a field
    """Descend into "not valid under any of the given schemas" (nullable
    fields are anyOf[thing, null]) to the error inside the non-null branch,
    so the user is told `...duration.unit`, not just `...duration`."""
    inner = [c for c in (error.context or [])
             if not (c.validator == "type" and c.validator_value == "null")]
    if not inner:
        return [error]
    return [leaf for c in inner for leaf in _leaf_errors(c)]


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluate
    from .pipeline import ingest_file

    pairs = evaluate.find_samples(args.samples, args.golden)
    if args.variant:
        pairs = [p for p in pairs if p[1] in set(args.variant)]
    if not pairs:
        which = f" in variant {', '.join(args.variant)}" if args.variant else ""
        print(f"error: no samples with a golden file under {args.samples}{which}", file=sys.stderr)
        return ExitCode.usage
    report = evaluate.evaluate(
        pairs, lambda p: ingest_file(p, root=Path.cwd()))
    if args.json:
        print(json.dumps(evaluate.report_to_json(report), ensure_ascii=False, indent=2))
    else:
        print(evaluate.format_table(report))
        for row in report.rows():
            for f in row.failures:
                print(f"failed: {f.sample}: {f.error}", file=sys.stderr)
    return ExitCode.ok


def _db_url(args: argparse.Namespace) -> str:
    from pipelines import ledger

    return args.db or ledger.default_url(args.out)


def cmd_review(args: argparse.Namespace) -> int:
    from pipelines.review import commands

    if not args.out.is_dir():
        print(f"error: {args.out}: no such output folder", file=sys.stderr)
        return ExitCode.usage
    try:
        commands.serve(_db_url(args), args.out, args.host, args.port, args.inbox,
                       args.threshold, args.insecure_cookies)
    except commands.DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.usage
    return ExitCode.ok


def cmd_users_add(args: argparse.Namespace) -> int:
    from pipelines.review import commands

    try:
        print(commands.users_add(args.db, args.name, args.role))
    except (ValueError, commands.DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.usage
    return ExitCode.ok


def cmd_golden_add(args: argparse.Namespace) -> int:
    from pipelines import golden

    try:
        for line in golden.add(_db_url(args), args.out, args.doc, args.inbox, args.samples,
                               args.golden, args.variant):
            print(line)
    except golden.GoldenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.some_failed
    return ExitCode.ok


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sop-ingest",
                                description="Turn scanned and digital SOP documents into checked JSON.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="read SOP files and write one JSON file per input")
    r.add_argument("inputs", nargs="+", type=Path, help="files or folders (searched recursively)")
    r.add_argument("--out", type=Path, required=True, help="output folder")
    r.add_argument("--max-pages", type=int, default=1000, help="refuse PDFs longer than this")
    r.add_argument("--quiet", action="store_true", help="print only errors and warnings")
    r.add_argument("--debug", action="store_true", help="show full tracebacks of internal errors")
    r.add_argument("--vocab", type=Path, action="append", default=[], metavar="PATH",
                   help="extra vocabulary file (YAML) on top of the built-in one and the user's")
    r.add_argument("--workers", type=int, default=None,
                   help="worker processes reading pages in parallel (default: the CPU count)")
    r.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster instead (its workers must see the input "
                        "files at the same paths)")
    r.add_argument("--json-log", action="store_true",
                   help="one JSON object per line on stdout instead of text")
    r.add_argument("--resume", action="store_true",
                   help="skip files whose output is already there for the same content")
    r.set_defaults(func=cmd_run)

    n = sub.add_parser("nightly", help="read new and changed files of a shared folder "
                                        "(for cron or a systemd timer)")
    n.add_argument("watch_dir", type=Path, metavar="WATCH_DIR", help="the shared folder to read")
    n.add_argument("--out", type=Path, required=True, help="output folder")
    n.add_argument("--db", metavar="URL", help="ledger database (default: "
                   "sqlite:///OUT/_ledger.sqlite3; or postgresql://user@host/db)")
    n.add_argument("--workers", type=int, default=None,
                   help="files read at once (default: the CPU count)")
    n.add_argument("--max-attempts", type=int, default=3,
                   help="failed files are retried on later runs this many times in all, "
                        "then quarantined")
    n.add_argument("--page-time-limit", type=float, default=300.0, metavar="SECONDS",
                   help="stop a file that takes longer than this per page")
    n.add_argument("--settle", type=float, default=60.0, metavar="SECONDS",
                   help="a file changed more recently than this waits for the next run")
    n.add_argument("--max-pages", type=int, default=1000, help="refuse PDFs longer than this")
    n.add_argument("--quiet", action="store_true", help="print only failures")
    n.add_argument("--json-log", action="store_true", help="one JSON object per line on stdout")
    n.set_defaults(func=cmd_nightly)

    v = sub.add_parser("validate", help="check JSON files against the SOP document schema")
    v.add_argument("files", nargs="+", type=Path)
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("eval", help="score the pipeline on samples against golden JSON")
    e.add_argument("--samples", type=Path, default=Path("samples"))
    e.add_argument("--golden", type=Path, default=Path("golden"))
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("--variant", action="append", default=[],
                   help="only this variant (a folder under --samples, e.g. camscanner); repeatable")
    e.set_defaults(func=cmd_eval)

    from .vocab import commands as vocab_commands

    vocab_commands.add_arguments(sub)

    rv = sub.add_parser("review", help="serve the web app where people check and correct results")
    rv.add_argument("--db", help="ledger database URL (default: sqlite in the output folder)")
    rv.add_argument("--out", type=Path, required=True, help="the ingest output folder")
    rv.add_argument("--inbox", type=Path, help="the folder the nightly ingest watches (to show page images)")
    rv.add_argument("--host", default="127.0.0.1")
    rv.add_argument("--port", type=int, default=8000)
    rv.add_argument("--threshold", type=float, default=0.9, help="highlight values read with less confidence")
    rv.add_argument("--insecure-cookies", action="store_true",
                    help="send the session cookie over plain http (closed networks only)")
    rv.set_defaults(func=cmd_review)

    us = sub.add_parser("users", help="accounts of the review app")
    us_sub = us.add_subparsers(dest="users_command", required=True)
    ua = us_sub.add_parser("add", help="create an account (password from the terminal or stdin)")
    ua.add_argument("name")
    ua.add_argument("--role", choices=["reviewer", "admin"], required=True)
    ua.add_argument("--db", required=True, help="ledger database URL")
    ua.set_defaults(func=cmd_users_add)

    gd = sub.add_parser("golden", help="regression cases from approved documents")
    gd_sub = gd.add_subparsers(dest="golden_command", required=True)
    ga = gd_sub.add_parser("add", help="copy an approved document into golden/ and its source into samples/")
    ga.add_argument("doc", help="the document: its number in the review app, or its input path")
    ga.add_argument("--db", help="ledger database URL (default: sqlite in the output folder)")
    ga.add_argument("--out", type=Path, required=True, help="the ingest output folder")
    ga.add_argument("--inbox", type=Path, help="the folder the nightly ingest watches")
    ga.add_argument("--samples", type=Path, default=Path("samples"))
    ga.add_argument("--golden", type=Path, default=Path("golden"))
    ga.add_argument("--variant", default="reviewed", help="samples/<variant>/ folder for the source")
    ga.set_defaults(func=cmd_golden_add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
