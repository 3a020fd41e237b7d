"""Load a sample description (samples/sopdata/*.yaml) and fill in the defaults.

A step's `next` defaults to [no + 1], the last step's to [], a decision's to
its sorted branch targets. Problems in the data are raised as SpecError with
the file and step, so the content author can fix them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

SYMBOLS = {"terminator", "process", "decision", "connector", None}
MARKERS = {"1.", "a.", "1)"}


class SpecError(ValueError):
    pass


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 would read the keys
    `no:` (step number) and `yes:`/`no:` (branches) as booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    try:
        return normalise(data)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from None


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("style") not in ("A", "B", "C", "D"):
        raise SpecError(f"style must be A, B, C or D, not {data.get('style')!r}")
    if not data.get("stem"):
        raise SpecError("stem missing")
    if not data.get("sops"):
        raise SpecError("no sops")
    for i, sop in enumerate(data["sops"]):
        try:
            _sop(sop)
        except SpecError as exc:
            raise SpecError(f"sops[{i}]: {exc}") from None
    return data


def _sop(sop: dict[str, Any]) -> None:
    sop.setdefault("heading", [])
    sop.setdefault("signature_lines", [])
    for key in ("legal_basis", "qualifications", "related_sops", "equipment", "warnings", "records"):
        sop[key] = list(sop.get(key) or [])
    if sop.get("list_marker", "1.") not in MARKERS:
        raise SpecError(f"list_marker {sop.get('list_marker')!r} not one of {sorted(MARKERS)}")
    sop.setdefault("list_marker", "1.")
    roles = sop.get("roles") or []
    if not roles:
        raise SpecError("no roles")
    steps = sop.get("steps") or []
    if not steps:
        raise SpecError("no steps")
    numbers = [s.get("no") for s in steps]
    if len(set(numbers)) != len(numbers) or not all(isinstance(n, int) for n in numbers):
        raise SpecError(f"step numbers must be unique integers: {numbers}")
    for i, step in enumerate(steps):
        where = f"step {step['no']}"
        step.setdefault("actors", [])
        step.setdefault("symbol", None)
        for actor in step["actors"]:
            if actor not in roles:
                raise SpecError(f"{where}: actor {actor!r} is not in roles {roles}")
        if step.get("symbol") not in SYMBOLS:
            raise SpecError(f"{where}: unknown symbol {step.get('symbol')!r}")
        if step.get("symbol") and not step["actors"]:
            raise SpecError(f"{where}: a symbol needs at least one actor column")
        branches = step.get("branches")
        if branches is not None:
            if set(branches) != {"yes", "no"}:
                raise SpecError(f"{where}: branches need exactly yes and no")
        if "next" not in step or step["next"] is None:
            if branches:
                step["next"] = sorted({branches["yes"], branches["no"]})
            elif i == len(steps) - 1:
                step["next"] = []
            else:
                step["next"] = [step["no"] + 1]
        by_no = {s["no"]: s for s in steps}
        for target in step["next"]:
            if target not in by_no:
                raise SpecError(f"{where}: next {target} is not a step")
            if not by_no[target].get("symbol"):
                raise SpecError(f"{where}: next {target} has no symbol to point at")
        if branches and set(step["next"]) != {branches["yes"], branches["no"]}:
            raise SpecError(f"{where}: next {step['next']} differs from branches {branches}")
        if step["symbol"] is None and step["next"]:
            # an arrow needs a symbol to leave from; keep the data honest
            raise SpecError(f"{where}: next given but no symbol to draw it from")
