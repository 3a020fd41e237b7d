"""`sop-ingest vocab list|add|check`: the vocabulary for people.

    sop-ingest vocab list [KIND] [--vocab PATH]         what is known, and from which file
    sop-ingest vocab add KIND VARIANT CANONICAL [--vocab PATH]
    sop-ingest vocab check TEXT [--vocab PATH]          what the matcher would do, and why

`ingest/cli.py` only declares the arguments and calls `main(args)`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExitCode
from ..normalize import parse_legal_basis
from . import KINDS, VocabError, learn, load, user_path
from .match import Decision, hunspell_available, matcher, tokens


def add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `vocab` subcommand's parser, for `ingest.cli.build_parser`."""
    v = sub.add_parser("vocab", help="show, extend and try the vocabulary of roles, "
                                     "documents and regulations")
    vs = v.add_subparsers(dest="vocab_command", required=True)
    ls = vs.add_parser("list", help="list known roles, documents and regulation forms")
    ls.add_argument("kind", nargs="?", choices=KINDS)
    ad = vs.add_parser("add", help="teach a new printed variant (written to the user file)")
    ad.add_argument("kind", choices=KINDS)
    ad.add_argument("variant", help='as printed, e.g. "Kasubbag"')
    ad.add_argument("canonical", help='the long form, e.g. "Kepala Sub Bagian"')
    ck = vs.add_parser("check", help="show what the vocabulary would do with a text, and why")
    ck.add_argument("text")
    for p in (ls, ad, ck):
        p.add_argument("--vocab", type=Path, default=None,
                       help=f"user vocabulary file (default: {user_path()})")
    v.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        if args.vocab_command == "add":
            return _add(args)
        vocab = _load(args.vocab)
        if args.vocab_command == "list":
            print(_list(vocab, args.kind))
        else:
            print(check(args.text, vocab))
        return ExitCode.ok
    except VocabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.usage


def _load(path: Path | None):
    # With --vocab the named file stands in for the default user file.
    return load([path], user=False) if path is not None else load()


def _add(args: argparse.Namespace) -> int:
    path = args.vocab or user_path()
    if learn(args.kind, args.variant, args.canonical, path):
        print(f'added to {path}: {args.kind} "{args.variant}" = "{args.canonical}"')
    else:
        print(f'already known: {args.kind} "{args.variant}" = "{args.canonical}" (nothing written)')
    return ExitCode.ok


def _list(vocab, kind: str | None) -> str:
    lines = [f"files read: {', '.join(vocab.files)}"]
    for k in [kind] if kind else KINDS:
        lines.append(f"\n{k} ({len(vocab.terms[k])}):")
        for term in vocab.terms[k]:
            others = [v for v in term.variants if v != term.canonical]
            legal = f" [{term.legal_kind}]" if term.legal_kind else ""
            lines.append(f"  {term.canonical}{legal}" + (f": {', '.join(others)}" if others else ""))
    return "\n".join(lines)


def _decision_line(d: Decision) -> str:
    arrow = f'"{d.text}" -> "{d.result}"' if d.changed else f'"{d.text}" kept'
    return f"  {arrow}: {d.reason}"


def check(text: str, vocab) -> str:
    """A plain report of what the matcher does with `text` as a role heading,
    as running text and as a legal reference, with the reason for each word."""
    m = matcher(vocab)
    out = [f'text: "{text}"']
    if not hunspell_available():
        out.append("note: the Indonesian hunspell dictionary is not installed; only the "
                   "shipped word list guards correct words")
    role = m.correct_role(text)
    out.append(f'\nas a role heading: "{role.text}"' + (
        f" (corrected, score {role.score:.1f})" if role.text != text else " (unchanged)"))
    out += [_decision_line(d) for d in role.decisions]
    canon = m.canonical_role(role.text)
    out.append(f"  canonical form: {canon}" if canon else "  canonical form: none (no known role)")
    fix = m.correct_text(text)
    out.append(f'\nas text (activity, output, lists ...): "{fix.text}"' + (
        f" (corrected, score {fix.score:.1f})" if fix.text != text else " (unchanged)"))
    out.append("  each word:")
    out += ["  " + _decision_line(m.check_token(t)) for t in dict.fromkeys(tokens(text))]
    legal = parse_legal_basis(fix.text)
    kind = legal.kind if legal.kind != "Other" else (m.legal_kind(fix.text) or "Other")
    if kind != "Other" or legal.number:
        out.append(f"\nas a legal reference: kind {kind}, number {legal.number or '-'}, "
                   f"year {legal.year or '-'}")
    return "\n".join(out)
