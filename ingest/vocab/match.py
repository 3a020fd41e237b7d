"""The matcher: conservative, explainable repair of OCR misreads against the
vocabulary, and the canonical long form of a role.

A text is changed only where OCR most likely broke a word, tried in this
order:

1. whole phrase (a role heading): the heading, with OCR's look-alike letters
   made equal, scores at least PHRASE_SCORE against one known role and beats
   the runner-up by MARGIN;
2. split word: two neighbours that join into a vocabulary word, one of them
   not a word ("Pelapor an" -> "Pelaporan", "Renstr a" -> "Renstra");
3. token: a token that is not a word (Indonesian dictionary, the shipped
   word list, the vocabulary) and reads as exactly one vocabulary word once
   look-alikes are made equal ("Pemerlntah" -> "Pemerintah", "Nornor" ->
   "Nomor", "LKJlP" -> "LKjIP"): score TOKEN_SCORE on the folded text, and
   no other word within MARGIN;
4. confusion repair: a token that is not a word and that rule 3 leaves,
   when undoing the fewest of OCR's letter confusions (CONFUSIONS, at most
   MAX_CONFUSIONS of them) reaches exactly one word of the dictionary, the
   shipped list or the vocabulary ("taporan" -> "laporan", "hasi!" ->
   "hasil", "Pemenntah" -> "Pemerintah"). Two words as near are a tie, and
   nothing changes. A token with a capital may be a name: it is repaired
   only to a word of the shipped list or the vocabulary, and never when it
   follows a title (NAME_TITLES: "Kabupaten Kutai"). Half of a word printed
   in two ("ditanda tangani") is left as printed.

A "!" or "|" glued to a word is part of its token ("hasi!", "Fungsiona!"),
read as a mark while the rest is a word or is repaired without it, and as a
letter only when that fails.

Why only look-alikes: a printed typo ("Repormasi", "Akutabilitas",
"Undnag-Undang") and an OCR slip that drops a letter look the same, and the
contract keeps printed wording. OCR's own errors are visual; typists' are
not. A correct Indonesian word is never changed: the dictionary is asked
before any replacement. Recorded scores are the plain rapidfuzz ratio
(0-100) between what was read and what replaced it.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
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
ROLE_WORD_MIN = 6  # letters in a heading's token for the one-letter repair (see _role_words)
# Letters whose capital is, in most print, the small letter made taller (j:
# once a fax blurs its dot into the stem, as J in fonts where J descends): a
# fax or a photo loses the height that tells them apart (see take_case).
# k, p, y are left out: their arm or tail tells the cases apart.
CASE_ALIKE = frozenset("cjosuvwxz")

HUNSPELL_ENV = "SOP_INGEST_HUNSPELL"
HUNSPELL_DEFAULT = "/usr/share/hunspell/id_ID"  # Debian's hunspell-id

# A word: letters, maybe digits OCR put in (Pemer1ntah), inner hyphens, and
# a "!" or "|" inside or at the end: OCR's reading of an l or i ("hasi!",
# "Fungsiona! Umum"). Such a token is first read without its last marks, so
# a word followed by "!" or a table rule keeps them (see `check_token`).
_TOKEN_RE = re.compile(r"[^\W\d_][\w!|]*(?:-[\w!|]+)*")
_MARKS = "!|"
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


@dataclass(frozen=True)
class _Affixes:
    """The hunspell dictionary flattened for a quick first test: its stems in
    lower case, and its prefixes and suffixes as {text added: texts stripped}."""

    stems: frozenset[str]
    prefixes: dict[str, set[str]]
    suffixes: dict[str, set[str]]
    longest_prefix: int
    longest_suffix: int


@lru_cache(maxsize=1)
def _affixes() -> _Affixes | None:
    hs = _hunspell()
    if hs is None:
        return None
    pfx: dict[str, set[str]] = {"": {""}}
    sfx: dict[str, set[str]] = {"": {""}}
    for table, out in ((hs.aff.PFX, pfx), (hs.aff.SFX, sfx)):
        for entries in table.values():
            for e in entries:
                out.setdefault(e.add.lower(), set()).add(e.strip.lower())
    return _Affixes(frozenset(w.stem.lower() for w in hs.dic.words), pfx, sfx,
                    max(map(len, pfx)), max(map(len, sfx)))


def _may_be_word(word: str) -> bool:
    """False only when hunspell cannot accept `word`: no prefix and up to two
    suffixes of the dictionary (flags, conditions and case ignored) leave one
    of its stems. A spylls lookup costs about a millisecond and confusion
    repair tries dozens of spellings per token; this test costs some 20
    microseconds and turns nine in ten of them away. It is looser than
    hunspell, never stricter (tests/test_correct_confusions.py checks that
    on the spellings the seeds and golden files give), so what it lets
    through is still looked up."""
    w = word.lower()
    if w in _shipped_words() or len(w) < 2 or "-" in w:
        return True  # one letter, a hyphenated word (hunspell splits it): left to hunspell
    idx = _affixes()
    if idx is None:
        return False
    for n in range(min(len(w), idx.longest_prefix) + 1):
        for strip in idx.prefixes.get(w[:n], ()):
            if _strip_suffixes(strip + w[n:], idx, 2):
                return True
    return False


def _strip_suffixes(w: str, idx: _Affixes, depth: int) -> bool:
    if w in idx.stems:
        return True
    if depth == 0:
        return False
    for n in range(1, min(len(w), idx.longest_suffix) + 1):
        for strip in idx.suffixes.get(w[-n:], ()):
            if _strip_suffixes(w[:-n] + strip, idx, depth - 1):
                return True
    return False


@lru_cache(maxsize=50000)
def _spelling_is_word(word: str) -> bool:
    """A spelling confusion repair made is a word: in the shipped list, or
    in the dictionary in lower case or capitalised (a proper noun). A word
    in capitals is looked up so too, as hunspell reads capitals; spylls'
    own lookup of capitals takes a single letter with an affix for a word
    ("IKU" as i + -ku, "B"), which is harmless when it keeps a token as
    printed but would make a repair."""
    low = word.lower()
    if low in _shipped_words():
        return True
    hs = _hunspell()
    if hs is None or not _may_be_word(low):
        return False
    return bool(hs.lookup(low) or hs.lookup(low.capitalize()))


# -- confusion repair -----------------------------------------------------------
#
# The look-alike folds above only reach vocabulary words. Most words OCR
# breaks on a fax or a phone photo are ordinary Indonesian ("taporan" for
# laporan, "hasi!" for hasil), so a token that is not a word is also tried
# against the dictionary: every spelling reachable by undoing a few of the
# confusions below is looked up, and the token is replaced only when exactly
# one word is reached with the fewest undone confusions.
#
# (read, printed, where) in lower case: OCR read `read` where `printed` was
# printed. `where` is "any" (digits, marks and stems have no case that tells
# them apart), "lower" (the read letters are in lower case: in capitals the
# shapes differ, "RN" is not "M") or "start" (lower case, and the token's
# first letter).
# The set is the one usually given for Tesseract on degraded print, each
# for a reason of shape:
# - one vertical stroke: l, i, 1, | and ! (and I, lower case i here) are a
#   plain stem, or nearly, once a fax or a photo blurs serifs and dots: any
#   of them for l or i.
# - t for l, and for a capital I at the start of a word: a stem crossed by
#   a speck at x-height (fax noise) reads as t. It is the loosest kept (one
#   undoing turns 3% of the seeds' words into another: format/formal,
#   kota/kola), but on their correct text it made no word of a typo or a
#   name, and it is the fax samples' commonest misreading.
# - letters broken apart or run together, both ways (a thin join lost on a
#   light scan, filled in on a dark one): rn/m, cl/d, ri/n, li/h, vv/w, ii/u.
# - e/c both ways: the bar of e lost or filled.
# - digits shaped like letters inside a word: 0 o, 5 s, 8 b.
# Left out, measured on the correct words of the seeds and samples (how
# many one undoing turns into another word; a rule that joins words to
# words also turns printed typos and names into words):
# - a/e, e/a (3% of words: badan/bedan, berita/barita): they made words of
#   the printed typos "Kepagawaian" and "kapada", which the contract keeps.
# - a/o (1.5%): a and o are the commonest letters, so a site in most words.
# - l for t (a lost crossbar; 1.7%): the name "Balangan" becomes batangan.
# - h/b, u/n, f/t, i/r (0.3-1.1%: tahun/tabun, keuangan/kenangan,
#   draf/drat, sampai/sampar): not what these scans do (only "Caparan" for
#   capaian on the fax sample is r for i), so all risk and no gain here.
# A printed typo is a letter a typist changed, not a shape: with this set
# "Repormasi", "Akutabilitas" and "Undnag" reach no word.
CONFUSIONS: tuple[tuple[str, str, str], ...] = (
    *((r, p, "any") for r in "li1|!" for p in "li" if r != p),
    ("t", "l", "lower"), ("t", "I", "start"),
    ("rn", "m", "lower"), ("m", "rn", "lower"), ("cl", "d", "lower"), ("d", "cl", "lower"),
    ("ri", "n", "lower"), ("n", "ri", "lower"), ("li", "h", "lower"), ("h", "li", "lower"),
    ("vv", "w", "lower"), ("w", "vv", "lower"), ("ii", "u", "lower"), ("u", "ii", "lower"),
    ("e", "c", "lower"), ("c", "e", "lower"),
    ("0", "o", "any"), ("5", "s", "any"), ("8", "b", "any"),
)
# Undone at most, in tokens of 4-5 letters, 6-9, 10 and more: a short token
# is near many words, a long one can carry more than one error and stay
# far from all words but one.
MAX_CONFUSIONS = (1, 2, 3)
MAX_SPELLINGS = 300  # spellings tried per token; more and the token is left as read
MAX_REPAIR_LENGTH = 30  # longer "words" are OCR's run-together lines, not words
# Words a name follows ("Kabupaten Kutai Barat", "Bapak Sunardi"). A name is
# in no dictionary, and one that reads as a word with a confusion undone
# ("Kutai" as kulai) must not become it: the capitalised words after these
# are never repaired to dictionary words.
NAME_TITLES = frozenset({"kabupaten", "kab", "kota", "provinsi", "prov", "kecamatan", "kec",
                         "kelurahan", "kel", "desa", "kampung", "dusun", "jalan", "jl",
                         "bapak", "bpk", "ibu", "sdr", "sdri", "saudara", "saudari"})


def _max_confusions(token: str) -> int:
    letters = sum(c.isalpha() for c in token)
    return MAX_CONFUSIONS[0 if letters <= 5 else 1 if letters <= 9 else 2]


def _sites(token: str) -> list[tuple[int, int, str, str]]:
    """Where a confusion could be undone: (start, end, read, printed), in order."""
    low = token.lower()
    if len(low) != len(token):
        return []
    sites = []
    for read, printed, where in CONFUSIONS:
        i = low.find(read)
        while i != -1:
            seen = token[i:i + len(read)]
            if (where == "any" or seen.islower()) and (where != "start" or i == 0):
                sites.append((i, i + len(read), read, printed))
            i = low.find(read, i + 1)
    return sorted(sites)


def _spell(token: str, combo: tuple[tuple[int, int, str, str], ...]) -> str:
    """`token` with the confusions of `combo` undone, in the token's letter
    case: capitals in a word of capitals, a capital first letter kept, and a
    tall stem read at the start (l, 1, |, !) taken for a capital I."""
    spans = {i for s, e, _, _ in combo for i in range(s, e)}
    rest = [c for i, c in enumerate(token) if i not in spans and c.isalpha()]
    capitals = len(rest) > 1 and all(c.isupper() for c in rest)
    out, pos = [], 0
    for start, end, read, printed in combo:
        out.append(token[pos:start])
        if capitals:
            printed = printed.upper()
        elif start == 0 and (token[0].isupper() or (printed == "i" and read in "l1|!")):
            printed = printed[0].upper() + printed[1:]
        out.append(printed)
        pos = end
    out.append(token[pos:])
    return "".join(out)


def _count(n: int) -> str:
    return "one OCR confusion" if n == 1 else f"{n} OCR confusions"


def _describe(combo: tuple[tuple[int, int, str, str], ...]) -> str:
    return ", ".join(f"{r!r} read for {p!r}" for _, _, r, p in combo)


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
        # Known phrases whose case a lone look-alike letter takes (take_case):
        # in a role heading, the roles of two words or more; in any text, every
        # term of three or more (two-word ones, "Kepala seksi", are too often
        # a printed style in running text).
        self._role_phrases = phrase_index(
            (v for t in vocab.terms["roles"] for v in t.variants), 2)
        self._text_phrases = phrase_index(
            (v for terms in vocab.terms.values() for t in terms for v in (t.canonical, *t.variants)), 3)
        role_words = {w.casefold() for t in vocab.terms["roles"] for v in (t.canonical, *t.variants)
                      for w in _TOKEN_RE.findall(v)} | {w.casefold() for w in vocab.unit_words}
        self._role_word_set = frozenset(role_words)
        self._role_words_by_length: dict[int, list[str]] = {}
        for w in sorted(role_words):
            if len(w) >= ROLE_WORD_MIN:
                self._role_words_by_length.setdefault(len(w), []).append(w)
        self._repairs: dict[str, tuple[int, list[tuple[str, str]], int]] = {}

    # ---- words

    def is_word(self, token: str) -> bool:
        """A correct word: in the vocabulary, the shipped list or the
        Indonesian dictionary (each part of a hyphenated word, or the whole
        of one the dictionary lists so: "masing-masing", whose "masing" is
        no word alone)."""
        if token.casefold() in self.targets:
            return True
        parts = [p for p in token.split("-") if p]
        return bool(parts) and (all(_dictionary_word(p) for p in parts)
                                or (len(parts) > 1 and _dictionary_word(token)))

    def candidates(self, token: str, limit: int = 3) -> list[Candidate]:
        """The nearest vocabulary words, best first, one per word."""
        found = process.extract(fold(token), self._long_folded, scorer=fuzz.ratio, limit=limit)
        return [Candidate(self.targets[self._long[i]], score(token, self._long[i]), round(s, 1))
                for _, s, i in found]

    def check_token(self, token: str, before: str | None = None,
                    after: str | None = None, title: str | None = None) -> Decision:
        """What becomes of one token; `before` and `after` are its neighbours
        when one space parts them (a word printed in two is not repaired),
        `title` the word of NAME_TITLES whose name the token is part of.

        A "!" or "|" in a token is read as a mark first, as a letter last:
        "Disposisi|" and "Perhatian!" are a word and a mark, "Kepaia|" is
        repaired and keeps its mark, and only a token that is no word and
        stays unrepaired without its last marks has them read as letters
        ("hasi!" -> "hasil"). A mark inside that no rule reads as a letter
        parts two words ("Kepaia|Badan": table rule between two cells)."""
        stem = token.rstrip(_MARKS)
        if stem and stem != token:
            d = self.check_token(stem, before, after, title)
            if d.changed or self.is_word(stem):
                return Decision(token, d.result + token[len(stem):],
                                f"{d.reason}, then {token[len(stem):]!r}", d.candidates)
        d = self._check(token, before, after, title)
        if d.changed or not any(c in _MARKS for c in stem) or self.is_word(token):
            return d
        pieces = re.split(f"([{re.escape(_MARKS)}]+)", token)
        parts = [self.check_token(p) if i % 2 == 0 and p else None for i, p in enumerate(pieces)]
        changed = [x for x in parts if x is not None and x.changed]
        if not changed:
            return d
        return Decision(token, "".join(x.result if x else p for x, p in zip(parts, pieces)),
                        "; ".join(f"{x.text}: {x.reason}" for x in changed),
                        sorted((c for x in changed for c in x.candidates[:1]), key=lambda c: c.score))

    def _check(self, token: str, before: str | None, after: str | None,
               title: str | None) -> Decision:
        if token.casefold() in self.targets:
            return Decision(token, token, "a vocabulary word")
        letters = sum(c.isalpha() for c in token)
        if len(token) < MIN_TOKEN or letters < 3:
            return Decision(token, token, f"shorter than {MIN_TOKEN} letters: never guessed")
        if self.is_word(token):
            return Decision(token, token, "a correct Indonesian word")
        cands = self.candidates(token)
        if not cands or cands[0].folded < TOKEN_SCORE:
            d = self._confusion_repair(token, cands)
            if d.changed and title:
                return Decision(token, token, f"a name after {title!r} (names are in no "
                                f"dictionary; {d.result} is not taken for it): left as printed",
                                d.candidates)
            if d.changed:
                # "ditanda tangani": a word printed in two halves, the first
                # no word alone ("ditanda" would read as dilanda); print kept.
                for joined in (before and before + token, after and token + after):
                    if joined and self.is_word(joined):
                        return Decision(token, token, f"not a word alone, but {joined} is a word "
                                        "printed in two: left as printed", d.candidates)
            return d
        second = cands[1].folded if len(cands) > 1 else 0.0
        if cands[0].folded - second < MARGIN:
            return Decision(token, token, f"{cands[0].text} ({cands[0].folded:.1f}) does not beat "
                            f"{cands[1].text} ({second:.1f}) by {MARGIN:.0f}", cands)
        to = _match_case(token, cands[0].text)
        return Decision(token, to, f"not a word; reads as {cands[0].text} with OCR look-alike "
                        f"letters, {cands[0].folded - second:.1f} ahead of the next", cands)

    def _confusion_repair(self, token: str, cands: list[Candidate]) -> Decision:
        """The last rule: the one word (dictionary, shipped list or
        vocabulary) reached by undoing the fewest OCR confusions, if there is
        exactly one (see CONFUSIONS)."""
        found = self._repairs.get(token)
        if found is None:
            found = self._repairs[token] = self._reach(token)
            if len(self._repairs) > 50000:  # a bound for long batch runs
                self._repairs.clear()
        n, words, tried = found
        best = f" (nearest vocabulary word {cands[0].text}: {cands[0].folded:.1f})" if cands else ""
        which = ("word of the shipped list or the vocabulary (with a capital it may be a name)"
                 if token[:1].isupper() else "word")
        if not words:
            why = (f"more than {MAX_SPELLINGS} spellings to try" if tried > MAX_SPELLINGS
                   else f"no {which} within {_count(_max_confusions(token))} undone "
                        f"({tried} spellings tried)")
            return Decision(token, token, "not a word, but no vocabulary word reads the same with "
                            f"OCR look-alike letters{best}, and {why}", cands)
        found_cands = [Candidate(w, score(token, w), folded_score(token, w)) for w, _ in words]
        if len(words) > 1:
            names = [w for w, _ in words]
            return Decision(token, token, f"not a word; {', '.join(names[:-1])} and {names[-1]} "
                            f"are each {_count(n)} away: left as read", found_cands)
        word, how = words[0]
        if tried > MAX_SPELLINGS:
            return Decision(token, token, f"not a word; {word} is {_count(n)} away, but more than "
                            f"{MAX_SPELLINGS} spellings would need trying to know it is the only "
                            "one: left as read", found_cands)
        return Decision(token, word, f"not a word; {word} is the only {which} {_count(n)} away "
                        f"({how})", found_cands)

    def _reach(self, token: str) -> tuple[int, list[tuple[str, str]], int]:
        """(confusions undone, [(word, which confusions)] at that count,
        spellings tried). The search stops at the first count that reaches a
        word; past MAX_SPELLINGS it stops (tried > MAX_SPELLINGS)."""
        if len(token) > MAX_REPAIR_LENGTH:
            return 0, [], 0
        sites, tried = _sites(token), 0
        # A word with a capital may be a name, and hunspell's 30,000 stems
        # with their affixes hold rare words a name reads as once a confusion
        # is undone ("Kutai" as kulai, "Katingan" as kalingan): such a token
        # is repaired only to a word of SOPs (the shipped list, the vocabulary).
        domain = token[:1].isupper()
        for n in range(1, _max_confusions(token) + 1):
            words: dict[str, tuple[str, str]] = {}
            for combo in itertools.combinations(sites, n):
                if any(a[1] > b[0] for a, b in zip(combo, combo[1:])):
                    continue  # overlapping: two readings of the same letters
                tried += 1
                if tried > MAX_SPELLINGS:
                    return n, list(words.values()), tried
                spelled = _spell(token, combo)
                if self._spelled_word(spelled, domain):
                    known = self.targets.get(spelled.casefold())
                    word = _match_case(token, known) if known else spelled
                    words.setdefault(word.casefold(), (word, _describe(combo)))
            if words:
                return n, list(words.values()), tried
        return 0, [], tried

    def _spelled_word(self, text: str, domain: bool = False) -> bool:
        """is_word, with the quick test first (most spellings are no word);
        `domain`: only the shipped list and the vocabulary are asked."""
        if text.casefold() in self.targets:
            return True
        parts = [p for p in text.split("-") if p]
        if domain:
            return bool(parts) and all(p.casefold() in self.targets or p.casefold() in _shipped_words()
                                       for p in parts)
        return bool(parts) and (all(_spelling_is_word(p) for p in parts)
                                or (len(parts) > 1 and _spelling_is_word(text)))

    # ---- texts

    def correct_text(self, text: str) -> Fix:
        """Split words joined, then misread tokens replaced, then a lone
        letter's case in a known phrase of three words or more (`take_case`);
        the rest of the text (spacing, punctuation, numbers) untouched."""
        return _with_case(self._correct_words(text), self._text_phrases, False, "known term")

    def _correct_words(self, text: str) -> Fix:
        tokens = list(_TOKEN_RE.finditer(text))
        decisions: list[Decision] = []
        pieces: list[str] = []
        pos, i, low = 0, 0, None
        title: str | None = None  # the NAME_TITLES word whose name is being read
        while i < len(tokens):
            m = tokens[i]
            gap = text[tokens[i - 1].end():m.start()] if i > 0 else ""
            if title is not None and not (gap.strip(" .") == "" and m[0][:1].isupper()):
                title = None
            pieces.append(text[pos:m.start()])
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            joined = self._join(m[0], nxt[0]) if nxt and text[m.end():nxt.start()] == " " else None
            if joined is not None:
                read = f"{m[0]} {nxt[0]}"
                d = Decision(read, joined, "a vocabulary word split in two",
                             [Candidate(joined, score(read, joined), folded_score(read, joined))])
                pos, i, title = nxt.end(), i + 2, None
            else:
                prev = tokens[i - 1] if i > 0 else None
                d = self.check_token(
                    m[0], prev[0] if prev and text[prev.end():m.start()] == " " else None,
                    nxt[0] if nxt and text[m.end():nxt.start()] == " " else None, title)
                if m[0].rstrip(_MARKS).casefold() in NAME_TITLES:
                    title = m[0]
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
        first, then its words (the heading's own repairs, then the ones of
        running text); last, a letter's case against a known role's."""
        return _with_case(self._correct_role(text), self._role_phrases, True, "role")

    def _correct_role(self, text: str) -> Fix:
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
        fix = self.correct_text(text)
        return self._role_words(fix)

    def _role_words(self, fix: Fix) -> Fix:
        """A heading that is a known role and then its unit's name, with one
        word of that name misread: "Staf Perencanaan dan peltporan". Every
        word after the role must be a word of role headings (the roles' own
        and `unit_words`: a closed list) or a joining word, but one, which is
        no word and is one changed letter from exactly one of them; that one
        is repaired. One letter read as another is what OCR does; a letter
        dropped or added, or one vowel for another, is what a typist does
        ("Akutabilitas", "Kepagawaian"), and a printed typo is kept, so only
        a letter changed otherwise counts (see _one_shape_misread). Only in
        such a heading: in running text, or after no known role, one letter
        from a word is too often another word or a name; and not in
        capitals, where one letter parts two abbreviations (BKPSDM)."""
        words = fix.text.split(" ")
        head = self._longest_role(words, 0)
        if head is None:
            return fix
        odd = []
        for i in range(head[0], len(words)):
            w = words[i].strip(".,:;")
            if not w or w.casefold() in _JOINING or w.casefold() in self._role_word_set:
                continue
            odd.append(i)
        if len(odd) != 1:
            return fix
        token = words[odd[0]]
        low_token = token.casefold()
        if (len(token) < ROLE_WORD_MIN or not token.isalpha() or token.isupper()
                or self.is_word(token)):
            return fix
        near = [w for w in self._role_words_by_length.get(len(low_token), ())
                if _one_shape_misread(low_token, w)]
        if len(near) != 1:
            return fix
        to = _match_case(token, self.targets[near[0]])
        c = Candidate(to, score(token, to), folded_score(token, to))
        d = Decision(token, to, f"not a word; in a heading of the role {head[1].canonical} and "
                     f"its unit, {to} is the only word of role headings one letter away", [c])
        words[odd[0]] = to
        low = c.score if fix.score is None else min(fix.score, c.score)
        return Fix(" ".join(words), low, fix.decisions + [d])

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


_VOWELS = frozenset("aeiou")
# Words that join a unit's name ("Perencanaan dan Pelaporan").
_JOINING = frozenset({"dan", "&", "/", "atau", "serta", "di", "ke", "pada", "dari"})


def _one_shape_misread(read: str, word: str) -> bool:
    """`read` (as long as `word`) differs from it in one letter, and not a
    vowel for a vowel: typists swap vowels (a/e, the CONFUSIONS notes), OCR
    swaps shapes."""
    diff = [(a, b) for a, b in zip(read, word) if a != b]
    return len(diff) == 1 and not (diff[0][0] in _VOWELS and diff[0][1] in _VOWELS)


_PUNCT = "()[],.;:/\"'"


def phrase_index(phrases: Iterable[str], min_words: int) -> dict[str, list[list[str]]]:
    """Known phrases of `min_words` words or more, by their first word
    (case-folded): what `take_case` looks up."""
    index: dict[str, list[list[str]]] = {}
    for p in sorted(set(phrases)):
        words = p.split()
        if len(words) >= min_words:
            index.setdefault(words[0].casefold(), []).append(words)
    return index


def take_case(text: str, index: dict[str, list[list[str]]], titled: bool) -> str:
    """`text` with a word's first letter put in the case a known phrase
    prints it, where the rest of that phrase's words in `text` are printed
    exactly as the phrase is, and the letter is one of CASE_ALIKE: "Rencana
    Pembangunan jangka Menengah" -> Jangka. `titled`: also only where the
    text's other words are capitalised (a role heading: "Staf/ jabatan
    Fungsional Umum" -> Jabatan). Text printed in another style (capitals,
    "dan pelaporan") keeps it: only a lone odd letter is OCR's."""
    words = text.split(" ")
    cores = [w.strip(_PUNCT) for w in words]
    for i, first in enumerate(cores):
        for want in index.get(first.casefold(), ()):
            n = len(want)
            got = cores[i:i + n]
            if len(got) < n or [w.casefold() for w in got] != [w.casefold() for w in want]:
                continue
            odd = [j for j, (g, w) in enumerate(zip(got, want)) if g != w]
            if len(odd) != 1 or got[odd[0]][1:] != want[odd[0]][1:] \
                    or got[odd[0]][0].casefold() not in CASE_ALIKE:
                continue
            if titled and not all(not w or w.casefold() in _JOINING or w[0].isupper()
                                  for w in cores[:i] + cores[i + n:]):
                continue
            k = i + odd[0]
            start = words[k].index(cores[k])
            words[k] = words[k][:start] + want[odd[0]] + words[k][start + len(cores[k]):]
            cores[k] = want[odd[0]]
    return " ".join(words)


def _with_case(fix: Fix, index: dict[str, list[list[str]]], titled: bool, what: str) -> Fix:
    cased = take_case(fix.text, index, titled)
    if cased == fix.text:
        return fix
    d = Decision(fix.text, cased, f"a {what}'s words, one with its first letter in the other "
                 "case (c, j, o, s, u, v, w, x, z look alike in both)",
                 [Candidate(cased, score(fix.text, cased), 100.0)])
    low = d.candidates[0].score if fix.score is None else min(fix.score, d.candidates[0].score)
    return Fix(cased, low, fix.decisions + [d])


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
