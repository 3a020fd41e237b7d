"""The vocabulary: known roles, documents and regulation forms, as data.

Three YAML files ship inside the package (`roles.yaml`, `documents.yaml`,
`regulations.yaml`); users extend them with their own file of the same shape:

    roles:
      - canonical: Kepala Sub Bagian
        variants: [Kasubag, Kasubbag]
    regulations:
      - canonical: Peraturan Menteri Dalam Negeri
        kind: Permen
        variants: [Permendagri]
    words: [Perencanaan]      # extra correct words (OCR repair targets)
    unit_words: [Pelaporan]   # words of role headings after the role (units' names)

The user file is read from `$SOP_INGEST_VOCAB` when set, else
`$XDG_CONFIG_HOME/sop-ingest/vocab.yaml` (`~/.config/...` without XDG);
`sop-ingest run --vocab PATH` adds more. Later files win: a user entry with
an existing canonical adds its variants to it, and a variant a user maps to a
different canonical is read the user's way.

`learn()` is what reviewers' corrections feed into (see the ledger contract).
The matcher that uses all this is `ingest.vocab.match`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..errors import IngestError
from ..normalize import parse_legal_basis

KINDS = ("roles", "documents", "regulations")
PACKAGE_FILES = {kind: f"{kind}.yaml" for kind in KINDS}
WORD_LISTS = ("words", "unit_words")
ENV_USER_FILE = "SOP_INGEST_VOCAB"
LEGAL_KINDS = ("UUD", "UU", "Perppu", "PP", "Perpres", "Inpres", "Permen", "Perban",
               "Perda", "Perkada", "Keputusan", "Other")


class VocabError(IngestError):
    """A vocabulary file that cannot be read, or a bad entry for it."""


def key(text: str) -> str:
    """The form variants are compared in: case-folded, spaces collapsed, the
    dots and spaces around "/" and "&" tidied ("Kasubbag." == "KASUBBAG",
    "Staf/ Jabatan" == "Staf / Jabatan")."""
    text = text.replace("/", " / ").replace("&", " & ")
    words = [w.strip(".,:;") for w in text.split()]
    return " ".join(w for w in words if w).casefold()


@dataclass
class Term:
    kind: str
    canonical: str
    variants: list[str] = field(default_factory=list)  # printed forms, canonical included
    legal_kind: str | None = None  # regulations only: the contract's kind
    source: str = ""  # the file it came from, for `vocab list` / `vocab check`


@dataclass
class Vocabulary:
    terms: dict[str, list[Term]] = field(default_factory=lambda: {k: [] for k in KINDS})
    words: set[str] = field(default_factory=set)  # extra correct words (as printed)
    # Words printed in role headings after the role: the units' names. They
    # are correct words too (in `words`), and, with the roles' own words, the
    # closed list a heading's misread word is matched against.
    unit_words: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def add(self, kind: str, canonical: str, variants: Iterable[str],
            legal_kind: str | None = None, source: str = "") -> Term:
        """Add a term, or the variants to the term of the same canonical."""
        for term in self.terms[kind]:
            if key(term.canonical) == key(canonical):
                known = {key(v) for v in term.variants}
                term.variants += [v for v in variants if key(v) not in known]
                term.legal_kind = legal_kind or term.legal_kind
                return term
        term = Term(kind, canonical, [], legal_kind, source)
        self.terms[kind].append(term)
        return self.add(kind, canonical, [canonical, *variants], legal_kind, source)

    def lookup(self, kind: str, text: str) -> Term | None:
        """The term a printed form is a variant of (later files win)."""
        k = key(text)
        for term in reversed(self.terms[kind]):
            if any(key(v) == k for v in reversed(term.variants)):
                return term
        return None

    def variants(self, kind: str) -> dict[str, Term]:
        """Every variant's key -> its term; a key claimed by a later term is
        that term's (user files are read last)."""
        out: dict[str, Term] = {}
        for term in self.terms[kind]:
            for v in term.variants:
                out[key(v)] = term
        return out


# -- reading -------------------------------------------------------------------

def user_path() -> Path:
    """Where `learn` and `vocab add` write, and `run` reads, by default."""
    if env := os.environ.get(ENV_USER_FILE):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sop-ingest" / "vocab.yaml"


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VocabError(f"not valid YAML ({exc})", source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise VocabError("a vocabulary file holds a mapping of roles:, documents:, "
                         "regulations:, words: and unit_words:", source)
    unknown = set(data) - {*KINDS, *WORD_LISTS}
    if unknown:
        raise VocabError(f"unknown section(s) {', '.join(sorted(map(str, unknown)))}; "
                         f"known: {', '.join((*KINDS, *WORD_LISTS))}", source)
    return data


def _merge(vocab: Vocabulary, data: dict[str, Any], source: str) -> None:
    for kind in KINDS:
        entries = data.get(kind) or []
        if not isinstance(entries, list):
            raise VocabError(f"'{kind}' must be a list of entries", source)
        for n, entry in enumerate(entries, start=1):
            where = f"{kind} entry {n}"
            if not isinstance(entry, dict) or not isinstance(entry.get("canonical"), str) \
                    or not entry["canonical"].strip():
                raise VocabError(f"{where}: needs a 'canonical' text", source)
            variants = entry.get("variants") or []
            if not isinstance(variants, list) or not all(isinstance(v, (str, int)) for v in variants):
                raise VocabError(f"{where} ({entry['canonical']}): 'variants' must be a list of texts",
                                 source)
            legal = entry.get("kind")
            if legal is not None and legal not in LEGAL_KINDS:
                raise VocabError(f"{where} ({entry['canonical']}): kind '{legal}' is not one of "
                                 f"{', '.join(LEGAL_KINDS)}", source)
            vocab.add(kind, entry["canonical"].strip(), [str(v).strip() for v in variants],
                      legal, source)
    for name in WORD_LISTS:
        words = data.get(name) or []
        if not isinstance(words, list):
            raise VocabError(f"'{name}' must be a list", source)
        vocab.words.update(str(w) for w in words)
        if name == "unit_words":
            vocab.unit_words.update(str(w) for w in words)
    vocab.files.append(source)


def _package_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


def load(extra: Iterable[Path] = (), user: bool = True) -> Vocabulary:
    """The package vocabulary, then the user file (when it exists), then
    `extra` files (which must exist). Raises VocabError naming a bad file."""
    extra = tuple(Path(p) for p in extra)
    paths = [p for p in ([user_path()] if user else []) if p.is_file()] + list(extra)
    stamps = tuple((str(p), _mtime(p)) for p in paths)
    return _load(stamps)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        raise VocabError("vocabulary file not found", path) from None


@lru_cache(maxsize=8)
def _load(stamps: tuple[tuple[str, float], ...]) -> Vocabulary:
    # Cached per set of files and their modification times: the pipeline asks
    # once per input file, and a file changed by `vocab add` is read again.
    vocab = Vocabulary()
    for kind, name in PACKAGE_FILES.items():
        _merge(vocab, _read_yaml(_package_text(name), f"package:{name}"), f"package:{name}")
    for path, _ in stamps:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VocabError(f"cannot be read ({exc.__class__.__name__}: {exc})", path) from None
        _merge(vocab, _read_yaml(text, path), path)
    return vocab


# -- writing -------------------------------------------------------------------

def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ("# sop-ingest user vocabulary (see `sop-ingest vocab list`). Edit freely;\n"
            "# `sop-ingest vocab add` and reviewers' corrections append here.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def learn(kind: str, variant: str, canonical: str, path: Path | None = None) -> bool:
    """Record that `variant` is printed for `canonical` (a reviewer's
    correction, or `vocab add`), in the user vocabulary file at `path`
    (default: `user_path()`). Returns False when that was already known,
    from the package or the user file; True when the file was written."""
    if kind not in KINDS:
        raise VocabError(f"unknown vocabulary kind '{kind}'; use one of {', '.join(KINDS)}")
    variant, canonical = " ".join(variant.split()), " ".join(canonical.split())
    if not variant or not canonical:
        raise VocabError("both the variant and its canonical form must be given")
    path = Path(path) if path is not None else user_path()
    known = load([path] if path.is_file() else [], user=False).lookup(kind, variant)
    if known is not None and key(known.canonical) == key(canonical):
        return False
    data = _read_yaml(path.read_text("utf-8"), str(path)) if path.is_file() else {}
    entries = data.setdefault(kind, []) or []
    data[kind] = entries
    entry = next((e for e in entries if isinstance(e, dict)
                  and key(str(e.get("canonical", ""))) == key(canonical)), None)
    if entry is None:
        # A known canonical keeps its spelling and, for regulations, its kind.
        base = load(user=False).lookup(kind, canonical)
        entry = {"canonical": base.canonical if base else canonical}
        if kind == "regulations":
            # A new form's kind is what its long form says ("Peraturan Menteri ..." -> Permen).
            entry["kind"] = (base.legal_kind if base and base.legal_kind
                             else parse_legal_basis(canonical).kind)
        entries.append(entry)
    entry["variants"] = [*(entry.get("variants") or []), variant]
    _write_atomic(path, data)
    return True


__all__ = ["KINDS", "Term", "Vocabulary", "VocabError", "key", "learn", "load", "user_path"]
