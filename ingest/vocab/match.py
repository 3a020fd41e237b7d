"""The matcher: conservative, explainable repair of OCR misreads against the
vocabulary, and the canonical long form of a role.

A text is changed only where OCR most likely broke a vocabulary word:

1. whole phrase (a role heading): the heading, with OCR's look-alike letters
   made equal, scores at least PHRASE_SCORE against one known role and beats
   the runner-up by MARGIN;
2. split word: two neighbours that join into a vocabulary word, one of them
   not a word ("Pelapor an" -> "Pelaporan", "Renstr a" -> "Renstra");
3. token: a token that is not a word (Indonesian dictionary, the shipped
   word list, the vocabulary) and reads as exactly one vocabulary word once
   look-alikes are made equal ("Pemerlntah" -> "Pemerintah", "Nornor" ->
   "Nomor", "LKJlP" -> "LKjIP"): score TOKEN_SCORE on the folded text, and
   no other word within MARGIN.

Why only look-alikes for tokens: a printed typo ("Repormasi", "Akutabilitas",
"Undnag-Undang") and an OCR slip that drops a letter look the same, and the
contract keeps printed wording. OCR's own errors are visual; typists' are
not. A correct Indonesian word is never changed: the dictionary is asked
before any replacement. Recorded scores are the plain rapidfuzz ratio
(0-100) between what was read and what replaced it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from . import Term, Vocabulary, key

PHRASE_SCORE = 90.0  # a whole heading within one or two misread letters of a known one
TOKEN_SCORE = 100.0  # on folded text: the token is the word once look-alikes are equal
MARGIN = 6.0  # the best candidate must beat the second by this much
MIN_TOKEN = 4  # shorter tokens are abbreviations or noise: never fuzzily matched

HUNSPELL_ENV = "SOP_INGEST_HUNSPELL"
HUNSPELL_DEFAULT = "/usr/share/hunspell/id_ID"  # Debian's hunspell-id

# A word: letters, maybe digits OCR put in (Pemer1ntah), inner hyphens.
_TOKEN_RE = re.compile(r"[^\W\d_][\w]*(?:-[\w]+)*")
# Letters Tesseract confuses on degraded scans, folded to one form.
_CONFUSIONS = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("0", "o"), ("1", "i"), ("l", "i"),
               ("|", "i"), ("!", "i"), ("j", "i"), ("5", "s"), ("c", "e"))


def tokens(text: str) -> list[str]:
    """The words of a text, as the matcher sees them."""
    return _TOKEN_RE.findall(text)


def fold(text: str) -> str:
    """Lower case with OCR's look-alike letters made equal."""
    text = text.casefold()
    for a, b in _CONFUSIONS:
        text = text.replace(a, b)
    return text


def score(a: str, b: str) -> float:
    """How alike the read and the replacing text are (plain ratio, 0-100)."""
    return round(fuzz.ratio(a.casefold(), b.casefold()), 1)


def folded_score(a: str, b: str) -> float:
    return round(fuzz.ratio(fold(a), fold(b)), 1)


# -- what counts as a correct word ------------------------------------------

@lru_cache(maxsize=1)
def _hunspell():
    """The system's Indonesian hunspell dictionary (spylls reads it), or None
    when it is not installed (then the shipped word list stands alone)."""
    base = os.environ.get(HUNSPELL_ENV, HUNSPELL_DEFAULT)
    if not Path(base + ".dic").is_file():
        return None
    from spylls.hunspell import Dictionary

    return Dictionary.from_files(base)


def hunspell_available() -> bool:
    return _hunspell() is not None


@lru_cache(maxsize=1)
def _shipped_words() -> frozenset[str]:
    text = resources.files(__package__).joinpath("words.txt").read_text("utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@lru_cache(maxsize=20000)
def _dictionary_word(word: str) -> bool:
    if word.casefold() in _shipped_words():
        return True
    hs = _hunspell()
    return hs is not None and any(hs.lookup(w) for w in {word, word.lower(), word.capitalize()})


# -- the matcher ----------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    text: str
    score: float  # plain ratio to what was read
    folded: float  # ratio with look-alike letters made equal (what decides)


@dataclass
class Decision:
    """What the matcher did with one token or phrase, and why (for `vocab check`)."""

    text: str
    result: str
    reason: str
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.result != self.text


@dataclass
class Fix:
    """A corrected text: the new value, the lowest score among its changes,
    and every decision taken on the way."""

    text: str
    score: float | None
    decisions: list[Decision]


def _match_case(model: str, word: str) -> str:
    """`word` in the letter case of the printed `model` token."""
    letters = [c for c in model if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if any(c.isupper() for c in word[1:]):
        return word  # LKjIP, CaLK: the vocabulary's own case
    if letters and letters[0].isupper():
        return word[:1].upper() + word[1:]
    return word.lower() if letters and all(c.islower() for c in letters) else word


class Matcher:
    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        targets: dict[str, str] = {}  # casefolded word -> its printed form
        for terms in vocab.terms.values():
            for term in terms:
                for text in (term.canonical, *term.variants):
                    for w in _TOKEN_RE.findall(text):
                        targets.setdefault(w.casefold(), w)
        # sorted: a set's order changes from process to process (string hash
        # seeds), and the first printed form of a word, and the order of
        # equally near candidates, must not (batch workers must agree).
        for w in sorted(vocab.words):
            targets.setdefault(w.casefold(), w)
        self.targets = targets
        self._long = [w for w in targets if len(w) >= MIN_TOKEN]
        self._long_folded = [fold(w) for w in self._long]
        self.role_variants = vocab.variants("roles")

    # ---- words

    def is_word(self, token: str) -> bool:
        """A correct word: in the vocabulary, the shipped list or the
        Indonesian dictionary (each part of a hyphenated word)."""
        if token.casefold() in self.targets:
            return True
        parts = [p for p in token.split("-") if p]
        return bool(parts) and all(_dictionary_word(p) for p in parts)

    def candidates(self, token: str, limit: int = 3) -> list[Candidate]:
        """The nearest vocabulary words, best first, one per word."""
        found = process.extract(fold(token), self._long_folded, scorer=fuzz.ratio, limit=limit)
        return [Candidate(self.targets[self._long[i]], score(token, self._long[i]), round(s, 1))
                for _, s, i in found]

    def check_token(self, token: str) -> Decision:
        if token.casefold() in self.targets:
            return Decision(token, token, "a vocabulary word")
        letters = sum(c.isalpha() for c in token)
        if len(token) < MIN_TOKEN or letters < 3:
            return Decision(token, token, f"shorter than {MIN_TOKEN} letters: never guessed")
        if self.is_word(token):
            return Decision(token, token, "a correct Indonesian word")
        cands = self.candidates(token)
        if not cands or cands[0].folded < TOKEN_SCORE:
            best = f" (nearest {cands[0].text}: {cands[0].folded:.1f})" if cands else ""
            return Decision(token, token, "not a word, but no vocabulary word reads the same with "
                            f"OCR look-alike letters{best}", cands)
        second = cands[1].folded if len(cands) > 1 else 0.0
        if cands[0].folded - second < MARGIN:
            return Decision(token, token, f"{cands[0].text} ({cands[0].folded:.1f}) does not beat "
                            f"{cands[1].text} ({second:.1f}) by {MARGIN:.0f}", cands)
        to = _match_case(token, cands[0].text)
        return Decision(token, to, f"not a word; reads as {cands[0].text} with OCR look-alike "
                        f"letters, {cands[0].folded - second:.1f} ahead of the next", cands)

    # ---- texts

    def correct_text(self, text: str) -> Fix:
        """Split words joined, then misread tokens replaced; the rest of the
        text (spacing, punctuation, numbers) untouched."""
        tokens = list(_TOKEN_RE.finditer(text))
        decisions: list[Decision] = []
        pieces: list[str] = []
        pos, i, low = 0, 0, None
        while i < len(tokens):
            m = tokens[i]
            pieces.append(text[pos:m.start()])
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            joined = self._join(m[0], nxt[0]) if nxt and text[m.end():nxt.start()] == " " else None
            if joined is not None:
                read = f"{m[0]} {nxt[0]}"
                d = Decision(read, joined, "a vocabulary word split in two",
                             [Candidate(joined, score(read, joined), folded_score(read, joined))])
                pos, i = nxt.end(), i + 2
            else:
                d = self.check_token(m[0])
                pos, i = m.end(), i + 1
            pieces.append(d.result)
            if d.changed:
                decisions.append(d)
                s = d.candidates[0].score
                low = s if low is None else min(low, s)
        pieces.append(text[pos:])
        return Fix("".join(pieces), low, decisions)

    def _join(self, a: str, b: str) -> str | None:
        whole = self.targets.get((a + b).casefold())
        if whole is None or len(whole) < MIN_TOKEN or (self.is_word(a) and self.is_word(b)):
            return None
        return _match_case(a, whole)

    def correct_role(self, text: str) -> Fix:
        """A Pelaksana heading: the whole heading against the known roles
        first, then its words."""
        k = key(text)
        if k in self.role_variants:
            return Fix(text, None, [])
        # Only headings of as many words: a whole word more or less is a
        # different role ("Kepala Badan X" is not "Badan X"), not a misread.
        keys = [x for x in self.role_variants if len(x.split()) == len(k.split())]
        found = process.extract(fold(k), [fold(x) for x in keys], scorer=fuzz.ratio, limit=2)
        if found and found[0][1] >= PHRASE_SCORE:
            second = found[1][1] if len(found) > 1 else 0.0
            if found[0][1] - second >= MARGIN:
                term = self.role_variants[keys[found[0][2]]]
                variant = next(v for v in term.variants if key(v) == keys[found[0][2]])
                new = _case_like(text, variant)
                c = Candidate(variant, score(k, key(variant)), round(found[0][1], 1))
                return Fix(new, c.score, [Decision(
                    text, new, f"the role {variant} (score {c.folded:.1f} with look-alike letters, "
                    f"{found[0][1] - second:.1f} ahead of the next)", [c])])
        return self.correct_text(text)

    # ---- canonical forms

    def canonical_role(self, role: str) -> str | None:
        """The role's long form ("Kasubag Perencanaan" -> "Kepala Sub Bagian
        Perencanaan"), or None when it names no known role. Alternatives
        written with "/" ("Staf/ Jabatan Fungsional Umum") are read one by one."""
        parts = [p for p in (x.strip() for x in role.split("/")) if p]
        forms = [self._canonical_part(p) for p in parts]
        if not parts or all(f is None for f in forms):
            return None
        return " / ".join(f if f is not None else _tidy(p) for f, p in zip(forms, parts))

    def _canonical_part(self, text: str) -> str | None:
        words = text.split()
        head = self._longest_role(words, 0)
        if head is None:
            return None
        n, term = head
        out, i = [term.canonical], n
        while i < len(words):
            found = self._longest_role(words, i)
            if found is not None and self._is_abbreviation(words[i:i + found[0]], found[1]):
                out.append(found[1].canonical)
                i += found[0]
            else:
                out.append(_tidy(words[i]))
                i += 1
        return " ".join(out)

    def _longest_role(self, words: list[str], start: int) -> tuple[int, Term] | None:
        for n in range(len(words) - start, 0, -1):
            term = self.role_variants.get(key(" ".join(words[start:start + n])))
            if term is not None:
                return n, term
        return None

    @staticmethod
    def _is_abbreviation(words: list[str], term: Term) -> bool:
        """After the head, only abbreviations are expanded ("subbag." ->
        "Sub Bagian"); full words ("Perencanaan", "Bidang") stay as printed."""
        return key(" ".join(words)) != key(term.canonical)

    def legal_kind(self, text: str) -> str | None:
        """The kind of the regulation whose written form starts `text`."""
        words = text.split()
        regs = self.vocab.variants("regulations")
        for n in range(min(len(words), 12), 0, -1):
            term = regs.get(key(" ".join(words[:n])))
            if term is not None and term.legal_kind:
                return term.legal_kind
        return None


def _tidy(word: str) -> str:
    """A unit word in a canonical form: headings printed in capitals are
    given ordinary case ("PERENCANAAN DAN" -> "Perencanaan dan")."""
    if word.isupper() and len(word) > 1:
        return word.lower() if word.lower() in ("dan", "atau", "di", "ke", "pada") else word.capitalize()
    return word


def _case_like(model: str, text: str) -> str:
    """`text` in the case of the printed `model`, word by word when both have
    as many words, else by the whole heading (all capitals or not)."""
    a, b = model.split(), text.split()
    if len(a) == len(b):
        return " ".join(_match_case(x, y) for x, y in zip(a, b))
    letters = [c for c in model if c.isalpha()]
    return text.upper() if letters and all(c.isupper() for c in letters) else text


def matcher(vocab: Vocabulary) -> Matcher:
    """One matcher per loaded vocabulary (building its index costs a little);
    loaded vocabularies are cached, so their matchers are kept on them."""
    m = vocab.__dict__.get("_matcher")
    if m is None:
        m = vocab.__dict__["_matcher"] = Matcher(vocab)
    return m
