"""Reviewers' corrections -> the user vocabulary, so the next run reads better.

A corrected role heading (`sops[i].roles[j]`) becomes a variant of its
role; a corrected Kelengkapan or Output of a step (document names) becomes
a variant of that document name. Only misreadings are learned: the value as
read and the value as corrected must still be alike (REWRITE_BELOW), since a
reviewer who replaces a value wholesale (the machine read the wrong cell)
has not taught us a spelling of the new one.

`ingest.vocab.learn` writes the user vocabulary file (SOP_INGEST_VOCAB, or
~/.config/sop-ingest/vocab.yaml of the user running the app: point the
nightly ingest at the same file). Without the vocabulary package the
corrections are kept in the audit rows only, and the approval says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from rapidfuzz import fuzz

from ingest.errors import IngestError

KINDS = (
    (re.compile(r"^sops\[\d+\]\.roles\[\d+\]$"), "roles"),
    (re.compile(r"^sops\[\d+\]\.steps\[\d+\]\.(requirements|output)$"), "documents"),
)
REWRITE_BELOW = 60.0  # rapidfuzz ratio (0-100) under which a change is a rewrite


def _learner() -> Callable[..., bool] | None:
    try:
        from ingest.vocab import learn
    except ImportError:
        return None
    return learn


def corrections(history) -> list[tuple[str, str, str]]:
    """(kind, as read, as corrected) for each field's net change."""
    first: dict[str, str | None] = {}
    last: dict[str, str | None] = {}
    for row, _name in history:
        if row.action != "edit":
            continue
        first.setdefault(row.path, json.loads(row.old) if row.old else None)
        last[row.path] = json.loads(row.new) if row.new else None
    out = []
    for path, old in first.items():
        new = last[path]
        kind = next((k for rx, k in KINDS if rx.match(path)), None)
        if kind is None or not isinstance(old, str) or not isinstance(new, str) or old == new:
            continue
        if fuzz.ratio(old.lower(), new.lower()) < REWRITE_BELOW:
            continue
        out.append((kind, old, new))
    return out


def learn_from(history, learn: Callable[..., bool] | None = None) -> tuple[list[str], str | None]:
    """Teach the vocabulary; returns what was new to it, and a note when
    the vocabulary is not available."""
    items = corrections(history)
    learn = learn or _learner()
    if learn is None:
        return [], ("kosakata pengguna belum tersedia di versi ini; koreksi nama tersimpan "
                    "di riwayat perubahan saja") if items else None
    learned = []
    for kind, variant, canonical in items:
        try:
            if learn(kind, variant, canonical):
                learned.append(f"{variant} → {canonical}")
        except (IngestError, OSError) as exc:  # the vocabulary file: unreadable, not writable
            reason = getattr(exc, "reason", None) or str(exc)
            return learned, f"kosakata pengguna tidak bisa ditulis ({reason}); koreksi tersimpan di riwayat"
    return learned, None
