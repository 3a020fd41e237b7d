"""Score predicted SOP documents against golden ones, per field family.

The project's yardstick. Everything here is a pure function over
`SopDocument`s: the caller (the `eval` CLI) runs the pipeline and passes the
predictions in, so this module never imports the pipeline.

Counting model: every family is a `FamilyScore(correct, total)`. Points are
summed, never averaged early, so aggregating over documents is simply adding
the pairs up; a ratio is taken only at the end. A family with total 0 (e.g. a
golden document without legal basis) is "not applicable" and is left out of
every mean instead of counting as a free 1.0.

Decisions where the brief was silent are marked "Decision:" below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .model import Sop, SopDocument, Step

log = logging.getLogger(__name__)

FAMILIES: tuple[str, ...] = (
    "identity",
    "roles",
    "steps_count",
    "activity_text",
    "actors",
    "symbols",
    "durations",
    "requirements_output",
    "next_branches",
    "legal_basis",
    "lists",
)

SAMPLE_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"})

# Name of the report row over every variant.
ALL = "all"

# Minimum rapidfuzz token_sort_ratio for two SOP titles to be "the same SOP".
# Decision: 80 tolerates OCR noise and word order but not a different SOP
# from the same agency (those usually share only half their title words).
TITLE_MATCH_THRESHOLD = 80.0

_IDENTITY_FIELDS = ("agency", "unit", "number", "title", "created", "revised", "effective")
_APPROVER_FIELDS = ("position", "name", "rank", "nip")
_LIST_FIELDS = ("qualifications", "related_sops", "equipment", "warnings", "records")


# --------------------------------------------------------------------------
# Scores


@dataclass(frozen=True)
class FamilyScore:
    correct: float
    total: float

    @property
    def score(self) -> float | None:
        """correct / total, or None when nothing in the golden side applies."""
        if self.total == 0:
            return None
        return self.correct / self.total

    def __add__(self, other: FamilyScore) -> FamilyScore:
        return FamilyScore(self.correct + other.correct, self.total + other.total)


ZERO = FamilyScore(0.0, 0.0)


def _empty_scores() -> dict[str, FamilyScore]:
    return {name: ZERO for name in FAMILIES}


def _add_scores(a: dict[str, FamilyScore], b: dict[str, FamilyScore]) -> dict[str, FamilyScore]:
    return {name: a.get(name, ZERO) + b.get(name, ZERO) for name in FAMILIES}


def overall(scores: dict[str, FamilyScore]) -> float | None:
    """Unweighted mean of the applicable family ratios.

    Each family weighs the same, so the many step-level points cannot drown
    the eleven identity points. None when no family applies.
    """
    ratios = [s.score for s in scores.values() if s.score is not None]
    if not ratios:
        return None
    return sum(ratios) / len(ratios)


# --------------------------------------------------------------------------
# Normalisation and small comparisons


def _ws(text: str | None) -> str | None:
    """Collapse runs of whitespace; keep case (the contract keeps the
    document's case). Decision: "" stays "" and is not equal to None — a
    blank string where the contract asks for null is a producer error."""
    if text is None:
        return None
    return " ".join(text.split())


def _same_text(pred: str | None, gold: str | None) -> bool:
    return _ws(pred) == _ws(gold)


def _point(ok: bool) -> FamilyScore:
    return FamilyScore(1.0 if ok else 0.0, 1.0)


def _positional(pred: list[Any], gold: list[Any], equal: Callable[[Any, Any], bool]) -> FamilyScore:
    """One point per golden position that the prediction matches; every
    position only one side has is an error (total = the longer length)."""
    correct = sum(1 for p, g in zip(pred, gold) if equal(p, g))
    return FamilyScore(float(correct), float(max(len(pred), len(gold))))


# --------------------------------------------------------------------------
# SOP-level families


def _score_identity(pred: Sop, gold: Sop) -> FamilyScore:
    p, g = pred.identity, gold.identity
    total = ZERO
    for name in _IDENTITY_FIELDS:
        total += _point(_same_text(getattr(p, name), getattr(g, name)))
    # A missing approved_by block reads as all four of its fields null.
    for name in _APPROVER_FIELDS:
        pv = getattr(p.approved_by, name) if p.approved_by else None
        gv = getattr(g.approved_by, name) if g.approved_by else None
        total += _point(_same_text(pv, gv))
    return total


def _score_roles(pred: Sop, gold: Sop) -> FamilyScore:
    return _positional(pred.roles, gold.roles, _same_text)


def _score_steps_count(pred: Sop, gold: Sop) -> FamilyScore:
    return _point(len(pred.steps) == len(gold.steps))


def _score_legal_basis(pred: Sop, gold: Sop) -> FamilyScore:
    """Four points per item (text, kind, number, year), aligned by position;
    an item only one side has loses all four."""
    correct = 0
    for p, g in zip(pred.legal_basis, gold.legal_basis):
        correct += _same_text(p.text, g.text)
        correct += p.kind == g.kind
        correct += _same_text(p.number, g.number)
        correct += p.year == g.year
    items = max(len(pred.legal_basis), len(gold.legal_basis))
    return FamilyScore(float(correct), 4.0 * items)


def _score_lists(pred: Sop, gold: Sop) -> FamilyScore:
    total = ZERO
    for name in _LIST_FIELDS:
        total += _positional(getattr(pred, name), getattr(gold, name), _same_text)
    return total


# --------------------------------------------------------------------------
# Step-level families: each scorer compares one aligned pair of steps.


def _cer_points(pred: Step, gold: Step) -> FamilyScore:
    p, g = _ws(pred.activity) or "", _ws(gold.activity) or ""
    if not g:
        # Decision: an empty golden activity is matched only by an empty one
        # (CER is undefined with a zero denominator).
        return _point(not p)
    cer = Levenshtein.distance(p, g) / len(g)
    return FamilyScore(max(0.0, 1.0 - cer), 1.0)


def _actor_points(pred: Step, gold: Step) -> FamilyScore:
    return _point({_ws(a) for a in pred.actors} == {_ws(a) for a in gold.actors})


def _symbol_points(pred: Step, gold: Step) -> FamilyScore:
    return _point(pred.symbol == gold.symbol)


def _duration_key(step: Step) -> tuple[Any, ...] | None:
    d = step.duration
    if d is None:
        return None
    return (_ws(d.text), d.min, d.max, d.unit)


def _duration_points(pred: Step, gold: Step) -> FamilyScore:
    return _point(_duration_key(pred) == _duration_key(gold))


def _req_output_points(pred: Step, gold: Step) -> FamilyScore:
    return (
        _point(_same_text(pred.requirements, gold.requirements))
        + _point(_same_text(pred.output, gold.output))
        + _point(_same_text(pred.note, gold.note))
    )


def _branch_key(step: Step) -> tuple[int, int] | None:
    return (step.branches.yes, step.branches.no) if step.branches else None


def _next_points(pred: Step, gold: Step) -> FamilyScore:
    return _point(set(pred.next) == set(gold.next) and _branch_key(pred) == _branch_key(gold))


_STEP_SCORERS: dict[str, Callable[[Step, Step], FamilyScore]] = {
    "activity_text": _cer_points,
    "actors": _actor_points,
    "symbols": _symbol_points,
    "durations": _duration_points,
    "requirements_output": _req_output_points,
    "next_branches": _next_points,
}


def _align_steps(pred: Sop, gold: Sop) -> list[tuple[Step | None, Step]]:
    """Golden steps paired with the predicted step of the same `no`.

    Decision: if the prediction repeats a number, its first step is used; the
    repeat still shows up as an error in steps_count.
    """
    by_no: dict[int, Step] = {}
    for step in pred.steps:
        by_no.setdefault(step.no, step)
    return [(by_no.get(g.no), g) for g in gold.steps]


def _score_steps(pred: Sop, gold: Sop) -> dict[str, FamilyScore]:
    scores = {name: ZERO for name in _STEP_SCORERS}
    for p, g in _align_steps(pred, gold):
        for name, scorer in _STEP_SCORERS.items():
            if p is None:
                # A missing step scores 0 on the points the golden step holds.
                scores[name] += FamilyScore(0.0, scorer(g, g).total)
            else:
                scores[name] += scorer(p, g)
    return scores


def score_sop(pred: Sop, gold: Sop) -> dict[str, FamilyScore]:
    """Every family for one aligned pair of SOPs."""
    scores = {
        "identity": _score_identity(pred, gold),
        "roles": _score_roles(pred, gold),
        "steps_count": _score_steps_count(pred, gold),
        "legal_basis": _score_legal_basis(pred, gold),
        "lists": _score_lists(pred, gold),
    }
    scores.update(_score_steps(pred, gold))
    return {name: scores[name] for name in FAMILIES}


def _all_wrong(gold: Sop) -> dict[str, FamilyScore]:
    """An unmatched golden SOP: every point it holds is lost. Its totals are
    those of the SOP scored against itself."""
    return {name: FamilyScore(0.0, s.total) for name, s in score_sop(gold, gold).items()}


# --------------------------------------------------------------------------
# SOP alignment


def _norm_number(number: str | None) -> str | None:
    if number is None:
        return None
    key = "".join(number.split()).lower()
    return key or None


def _norm_title(title: str | None) -> str | None:
    key = _ws(title)
    return key.lower() if key else None


def align_sops(pred: list[Sop], gold: list[Sop]) -> tuple[list[tuple[Sop | None, Sop]], list[Sop]]:
    """Pair each golden SOP with at most one predicted SOP.

    Three passes, each only over what earlier passes left: equal normalised
    identity.number; then title similarity (best pairs first, at least
    TITLE_MATCH_THRESHOLD); then document order. Returns the pairs in golden
    order (None for an unmatched golden SOP) and the unmatched predicted SOPs.
    """
    match: dict[int, int] = {}  # golden index -> predicted index
    free = set(range(len(pred)))

    for gi, g in enumerate(gold):
        key = _norm_number(g.identity.number)
        if key is None:
            continue
        for pi in sorted(free):
            if _norm_number(pred[pi].identity.number) == key:
                match[gi] = pi
                free.discard(pi)
                break

    candidates = []
    for gi, g in enumerate(gold):
        gt = _norm_title(g.identity.title)
        if gi in match or gt is None:
            continue
        for pi in free:
            pt = _norm_title(pred[pi].identity.title)
            if pt is None:
                continue
            ratio = fuzz.token_sort_ratio(pt, gt)
            if ratio >= TITLE_MATCH_THRESHOLD:
                candidates.append((-ratio, gi, pi))
    for _, gi, pi in sorted(candidates):
        if gi not in match and pi in free:
            match[gi] = pi
            free.discard(pi)

    rest = iter(sorted(free))
    for gi in range(len(gold)):
        if gi not in match:
            pi = next(rest, None)
            if pi is None:
                break
            match[gi] = pi
            free.discard(pi)

    pairs = [(pred[match[gi]] if gi in match else None, g) for gi, g in enumerate(gold)]
    extras = [pred[pi] for pi in sorted(free)]
    return pairs, extras


def score_document(pred: SopDocument, gold: SopDocument) -> dict[str, FamilyScore]:
    """Every family for one document, summed over its aligned SOPs."""
    pairs, extras = align_sops(pred.sops, gold.sops)
    scores = _empty_scores()
    for p, g in pairs:
        scores = _add_scores(scores, score_sop(p, g) if p is not None else _all_wrong(g))
    for extra in extras:
        # Decision: an extra SOP costs at least one point even when it has
        # no steps, so inventing an empty SOP is never free.
        scores["steps_count"] += FamilyScore(0.0, float(max(1, len(extra.steps))))
    return scores


# --------------------------------------------------------------------------
# Results and aggregation


@dataclass
class DocResult:
    sample: str
    variant: str
    stem: str
    scores: dict[str, FamilyScore]
    error: str | None = None

    @property
    def overall(self) -> float | None:
        return overall(self.scores)


def failed_result(sample: str, variant: str, stem: str, error: str) -> DocResult:
    """An ingest failure: every family 0 out of 1, so a crash weighs like a
    document that got nothing right, whatever its size."""
    scores = {name: FamilyScore(0.0, 1.0) for name in FAMILIES}
    return DocResult(sample, variant, stem, scores, error)


@dataclass
class VariantRow:
    variant: str
    families: dict[str, FamilyScore]
    documents: int
    failures: list[DocResult] = field(default_factory=list)

    @property
    def overall(self) -> float | None:
        # Mean over the summed families (not a mean of per-document overalls),
        # consistent with the per-family columns of the same row.
        return overall(self.families)


@dataclass
class Report:
    variants: dict[str, VariantRow]  # sorted by variant name
    all: VariantRow
    results: list[DocResult]

    def rows(self) -> list[VariantRow]:
        return [*self.variants.values(), self.all]


def _row(variant: str, results: list[DocResult]) -> VariantRow:
    families = _empty_scores()
    for r in results:
        families = _add_scores(families, r.scores)
    failures = [r for r in results if r.error is not None]
    return VariantRow(variant, families, len(results), failures)


def aggregate(results: list[DocResult]) -> Report:
    """Per variant and over everything: families are summed point by point
    across documents (sum correct / sum total), never a mean of means."""
    by_variant: dict[str, list[DocResult]] = {}
    for r in results:
        by_variant.setdefault(r.variant, []).append(r)
    variants = {v: _row(v, by_variant[v]) for v in sorted(by_variant)}
    return Report(variants, _row(ALL, list(results)), list(results))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_table(report: Report) -> str:
    """Plain-text table: one row per variant then `all`; columns are the
    document and failure counts, one per family, and overall."""
    header = ["variant", "docs", "failed", *FAMILIES, "overall"]
    lines = []
    for row in report.rows():
        lines.append([
            row.variant,
            str(row.documents),
            str(len(row.failures)),
            *(_fmt(row.families[name].score) for name in FAMILIES),
            _fmt(row.overall),
        ])
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(header)]

    def render(cells: list[str]) -> str:
        # Variant name left-aligned, numbers right-aligned.
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:]))
        return "  ".join([first, *rest]).rstrip()

    out = [render(header), render(["-" * w for w in widths])]
    out.extend(render(line) for line in lines)
    return "\n".join(out) + "\n"


def _scores_json(scores: dict[str, FamilyScore]) -> dict[str, Any]:
    return {
        name: {"correct": s.correct, "total": s.total, "score": s.score}
        for name, s in ((n, scores[n]) for n in FAMILIES)
    }


def _row_json(row: VariantRow) -> dict[str, Any]:
    return {
        "documents": row.documents,
        "failures": [{"sample": r.sample, "error": r.error} for r in row.failures],
        "families": _scores_json(row.families),
        "overall": row.overall,
    }


def report_to_json(report: Report) -> dict[str, Any]:
    """The report for `--json`: the table's rows plus every document's scores."""
    return {
        "families": list(FAMILIES),
        "variants": {v: _row_json(row) for v, row in report.variants.items()},
        "all": _row_json(report.all),
        "documents": [
            {
                "sample": r.sample,
                "variant": r.variant,
                "stem": r.stem,
                "error": r.error,
                "families": _scores_json(r.scores),
                "overall": r.overall,
            }
            for r in report.results
        ],
    }


# --------------------------------------------------------------------------
# Samples and the evaluation run


def _sample_files(samples_dir: Path) -> Iterator[tuple[Path, str]]:
    """(path, variant) of every sample file under samples/<variant>/...

    Decision: a sample lying directly in samples/ has no variant and is
    skipped with a warning; extensions match case-insensitively.
    """
    for path in sorted(samples_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SAMPLE_EXTENSIONS:
            continue
        parts = path.relative_to(samples_dir).parts
        if len(parts) < 2:
            log.warning("sample %s is not inside a variant directory; skipped", path)
            continue
        yield path, parts[0]


def find_samples(samples_dir: Path, golden_dir: Path) -> list[tuple[Path, str, Path]]:
    """(sample path, variant, golden path) for every sample whose stem has
    golden/<stem>.json, sorted by sample path. Samples without golden are
    logged as warnings and left out; `samples_without_golden` lists them."""
    pairs = []
    for path, variant in _sample_files(Path(samples_dir)):
        golden = Path(golden_dir) / f"{path.stem}.json"
        if golden.is_file():
            pairs.append((path, variant, golden))
        else:
            log.warning("sample %s has no golden %s; skipped", path, golden)
    return pairs


def samples_without_golden(samples_dir: Path, golden_dir: Path) -> list[Path]:
    """The sample files `find_samples` skips for lack of a golden file."""
    return [
        path for path, _ in _sample_files(Path(samples_dir))
        if not (Path(golden_dir) / f"{path.stem}.json").is_file()
    ]


def load_golden(path: Path) -> SopDocument:
    return SopDocument.model_validate_json(Path(path).read_text("utf-8"))


def evaluate(
    pairs: Iterable[tuple[Path, str, Path]],
    ingest: Callable[[Path], SopDocument],
) -> Report:
    """Run `ingest` on every sample, score it against its golden, aggregate.

    An exception from `ingest` becomes a failed DocResult keeping the error
    text. Decision: a golden file that does not load is the yardstick's own
    fault, not the pipeline's, so that error propagates instead.
    """
    goldens: dict[Path, SopDocument] = {}  # one golden serves every variant
    results = []
    for sample, variant, golden_path in pairs:
        if golden_path not in goldens:
            goldens[golden_path] = load_golden(golden_path)
        gold = goldens[golden_path]
        stem = Path(sample).stem
        try:
            pred = ingest(Path(sample))
        except Exception as exc:  # any pipeline crash is a scored failure
            results.append(failed_result(str(sample), variant, stem, f"{type(exc).__name__}: {exc}"))
            continue
        results.append(DocResult(str(sample), variant, stem, score_document(pred, gold)))
    return aggregate(results)


# --------------------------------------------------------------------------
# Calibration: is `confidence` honest?
# --------------------------------------------------------------------------

_EVIDENCE_PATH = re.compile(r"^(?:steps\[(\d+)\]\.)?([a-z_.]+)$")
_ROLE_PATH = re.compile(r"^roles\[(\d+)\]$")


@dataclass
class Calibration:
    """Of the fields the pipeline was sure of (confidence >= threshold), how
    many were right. `confident` counts them, `right` the correct ones."""

    threshold: float
    confident: int = 0
    right: int = 0
    wrong_fields: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.right / self.confident if self.confident else None

    def __add__(self, other: "Calibration") -> "Calibration":
        return Calibration(self.threshold, self.confident + other.confident,
                           self.right + other.right, self.wrong_fields + other.wrong_fields)


def _field_value(sop: Sop, path: str) -> tuple[bool, Any]:
    """(found, value) of an evidence path ("identity.number", "steps[3].duration",
    "legal_basis", "roles[2]") in an SOP; steps and roles are looked up by position."""
    if role := _ROLE_PATH.match(path):
        i = int(role[1])
        return (True, sop.roles[i]) if i < len(sop.roles) else (False, None)
    m = _EVIDENCE_PATH.match(path)
    if not m:
        return False, None
    index, rest = m.groups()
    obj: Any = sop
    if index is not None:
        if int(index) >= len(sop.steps):
            return False, None
        obj = sop.steps[int(index)]
    for part in rest.split("."):
        if not hasattr(obj, part):
            return False, None
        obj = getattr(obj, part)
    return True, obj


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return _same_text(a, b)
    if hasattr(a, "model_dump") and hasattr(b, "model_dump"):
        return a.model_dump() == b.model_dump()
    return a == b


def calibration(pred: SopDocument, gold: SopDocument, threshold: float = 0.9) -> Calibration:
    """Check every field the prediction carries evidence for, against golden.

    The golden step is the one with the same `no` as the predicted step at
    that position; a field whose golden SOP or step is missing counts as
    wrong when it was confident.
    """
    result = Calibration(threshold)
    pairs, _ = align_sops(pred.sops, gold.sops)
    paired = {id(p): g for p, g in pairs if p is not None}
    for p in pred.sops:
        g = paired.get(id(p))
        for path, ev in (p.evidence or {}).items():
            if ev.confidence < threshold:
                continue
            result.confident += 1
            found, value = _field_value(p, path)
            ok = False
            if g is not None and found:
                gold_sop = g
                m = _EVIDENCE_PATH.match(path)
                if m and m.group(1) is not None:
                    no = p.steps[int(m.group(1))].no
                    gold_step = next((s for s in g.steps if s.no == no), None)
                    ok = gold_step is not None and _same_value(
                        value, _field_value(Sop(steps=[gold_step]), f"steps[0].{m.group(2)}")[1])
                else:
                    ok = _same_value(value, _field_value(gold_sop, path)[1])
            if ok:
                result.right += 1
            else:
                result.wrong_fields.append(path)
    return result
