"""Edits to one SOP document: the review form's values -> a corrected document
and the list of changes (one per field) for the audit.

Works on the JSON form of the contract (plain dicts, as written to disk) and
validates the result with the pydantic model, so a reviewer can never save
a document that breaks the contract. Field paths are the contract's own
notation (`sops[0].steps[3].duration.text`); evidence keys are the same
paths without the `sops[i].` prefix.

Derived values follow their source: a corrected Waktu re-derives min, max
and unit; a corrected date its `*_iso`; a renamed role renames the actors
that pointed at it (actors are chosen by role column, not by name).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ingest import normalize as nz
from ingest.model import REVIEWED_SCHEMA_VERSION, SopDocument

IDENTITY_TEXT = ("agency", "unit", "number", "title", "created", "revised", "effective")
DATE_FIELDS = ("created", "revised", "effective")
APPROVAL_TEXT = ("position", "name", "rank", "nip")
LIST_SECTIONS = ("qualifications", "related_sops", "equipment", "warnings", "records")
STEP_TEXT = ("activity", "requirements", "output", "note")
SYMBOLS = ("terminator", "process", "decision", "connector")

# Labels people see on the form (Indonesian, as printed on the SOP page).
LABELS = {
    "agency": "Instansi", "unit": "Unit", "number": "Nomor SOP", "title": "Nama SOP",
    "created": "Tanggal pembuatan", "revised": "Tanggal revisi", "effective": "Tanggal efektif",
    "position": "Jabatan pengesah", "name": "Nama pengesah", "rank": "Pangkat", "nip": "NIP",
    "legal_basis": "Dasar hukum", "qualifications": "Kualifikasi pelaksana",
    "related_sops": "Keterkaitan", "equipment": "Peralatan / perlengkapan",
    "warnings": "Peringatan", "records": "Pencatatan dan pendataan",
    "activity": "Kegiatan", "requirements": "Kelengkapan", "output": "Output",
    "note": "Keterangan", "duration": "Waktu",
}
SYMBOL_LABELS = {"terminator": "Mulai/selesai", "process": "Proses",
                 "decision": "Keputusan", "connector": "Penghubung"}


class EditError(ValueError):
    """A value the reviewer typed that cannot go into the document (message in Indonesian)."""


@dataclass(frozen=True)
class Change:
    action: str  # edit | add-step | delete-step
    path: str
    old: Any
    new: Any

    def old_json(self) -> str | None:
        return None if self.old is None else json.dumps(self.old, ensure_ascii=False)

    def new_json(self) -> str | None:
        return None if self.new is None else json.dumps(self.new, ensure_ascii=False)


# -- reading the form ---------------------------------------------------------

class Form:
    """The posted fields: `get` for single values, `getlist` for checkboxes."""

    def __init__(self, items: Iterable[tuple[str, str]]):
        self._d: dict[str, list[str]] = {}
        for k, v in items:
            self._d.setdefault(k, []).append(v)

    def has(self, key: str) -> bool:
        return key in self._d

    def get(self, key: str) -> str | None:
        vals = self._d.get(key)
        return vals[-1] if vals else None

    def getlist(self, key: str) -> list[str]:
        return list(self._d.get(key, []))


def _text(value: str | None) -> str | None:
    """A typed text value: whitespace tidied, blank or "-" -> None."""
    if value is None:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return nz.blank_to_none(value)


def _lines(value: str) -> list[str]:
    return [t for t in (_text(line) for line in value.splitlines()) if t]


def _step_numbers(value: str, field: str) -> list[int]:
    nums = []
    for part in re.split(r"[,\s;]+", value.strip()):
        if not part:
            continue
        if not part.isdigit():
            raise EditError(f"{field}: '{part}' bukan nomor langkah; tulis nomor langkah "
                            "dipisah koma, misalnya 3, 5")
        nums.append(int(part))
    return nums


# -- applying it ---------------------------------------------------------------

def apply_form(doc: dict, form: Form) -> tuple[dict, list[Change]]:
    """The document with every posted field applied, and what changed.
    Fields not in the form are left as they are."""
    new = copy.deepcopy(doc)
    changes: list[Change] = []

    def set_value(container: dict, key: str, value: Any, path: str) -> None:
        if container.get(key) != value:
            changes.append(Change("edit", path, container.get(key), value))
            container[key] = value

    for i, sop in enumerate(new.get("sops", [])):
        p = f"sops[{i}]"
        ident = sop.setdefault("identity", {})
        for key in IDENTITY_TEXT:
            name = f"{p}.identity.{key}"
            if form.has(name):
                value = _text(form.get(name))
                set_value(ident, key, value, name)
                if key in DATE_FIELDS:
                    # *_iso is optional: dropped when the new date has none.
                    iso = nz.parse_date_iso(value)
                    if ident.get(f"{key}_iso") != iso:
                        ident[f"{key}_iso"] = iso
                        if iso is None:
                            ident.pop(f"{key}_iso")
        if any(form.has(f"{p}.identity.approved_by.{k}") for k in APPROVAL_TEXT):
            old_ab = ident.get("approved_by")
            ab = dict(old_ab or {k: None for k in APPROVAL_TEXT})
            for key in APPROVAL_TEXT:
                name = f"{p}.identity.approved_by.{key}"
                if form.has(name):
                    value = _text(form.get(name))
                    if key == "nip" and value is not None:
                        value = re.sub(r"\D", "", value)
                        if not value:
                            raise EditError("NIP: tulis angkanya saja, misalnya 196508081992031019")
                    set_value(ab, key, value, name)
            ident["approved_by"] = None if old_ab is None and not any(ab.values()) else ab

        name = f"{p}.legal_basis"
        if form.has(name):
            old_texts = [lb["text"] for lb in sop.get("legal_basis", [])]
            texts = _lines(form.get(name) or "")
            if texts != old_texts:
                changes.append(Change("edit", name, old_texts, texts))
                sop["legal_basis"] = [nz.parse_legal_basis(t).model_dump(mode="json") for t in texts]
        for key in LIST_SECTIONS:
            name = f"{p}.{key}"
            if form.has(name):
                set_value(sop, key, _lines(form.get(name) or ""), name)

        roles = sop.get("roles", [])
        old_roles = list(roles)
        for j in range(len(roles)):
            name = f"{p}.roles[{j}]"
            if form.has(name):
                value = _text(form.get(name))
                if value is None:
                    raise EditError(f"Pelaksana kolom {j + 1} tidak boleh kosong")
                if roles[j] != value:
                    changes.append(Change("edit", name, roles[j], value))
                    roles[j] = value
        _apply_steps(sop, p, form, old_roles, changes)
    _check_links(new)
    return validate(new), changes


def _apply_steps(sop: dict, p: str, form: Form, old_roles: list[str], changes: list[Change]) -> None:
    roles = sop.get("roles", [])
    for k, step in enumerate(sop.get("steps", [])):
        sp = f"{p}.steps[{k}]"

        def set_value(key: str, value: Any, path: str, step: dict = step) -> None:
            if step.get(key) != value:
                changes.append(Change("edit", path, step.get(key), value))
                step[key] = value

        for key in STEP_TEXT:
            if form.has(f"{sp}.{key}"):
                value = _text(form.get(f"{sp}.{key}"))
                if key == "activity" and value is None:
                    raise EditError(f"Langkah {step['no']}: kegiatan tidak boleh kosong")
                set_value(key, value, f"{sp}.{key}")
        name = f"{sp}.duration.text"
        if form.has(name):
            old = step.get("duration")
            text = _text(form.get(name))
            if (old or {}).get("text") != text:
                dur = nz.parse_duration(text)
                changes.append(Change("edit", name, (old or {}).get("text"), text))
                step["duration"] = dur.model_dump(mode="json") if dur else None
        name = f"{sp}.symbol"
        if form.has(name):
            value = form.get(name) or None
            if value is not None and value not in SYMBOLS:
                raise EditError(f"Langkah {step['no']}: simbol '{value}' tidak dikenal")
            set_value("symbol", value, name)
        name = f"{sp}.actors"
        if form.has(name):
            actors = []
            for v in form.getlist(name):
                if v.isdigit() and int(v) < len(roles):
                    actors.append(roles[int(v)])
                elif v.startswith("="):  # an actor that is no role column, kept as it was
                    actors.append(v[1:])
            set_value("actors", actors, name)
        elif old_roles != roles:
            # Actors not on the form still follow their renamed role column.
            renamed = [roles[old_roles.index(a)] if a in old_roles else a for a in step.get("actors", [])]
            set_value("actors", renamed, name)
        name = f"{sp}.next"
        if form.has(name):
            set_value("next", _step_numbers(form.get(name) or "", f"Langkah {step['no']}, lanjut ke"), name)
        yes, no = form.get(f"{sp}.branches.yes"), form.get(f"{sp}.branches.no")
        if yes is not None or no is not None:
            y = _step_numbers(yes or "", f"Langkah {step['no']}, Ya")
            n = _step_numbers(no or "", f"Langkah {step['no']}, Tidak")
            if len(y) > 1 or len(n) > 1 or bool(y) != bool(n):
                raise EditError(f"Langkah {step['no']}: isi satu nomor langkah untuk Ya dan satu "
                                "untuk Tidak, atau kosongkan keduanya")
            set_value("branches", {"yes": y[0], "no": n[0]} if y else None, f"{sp}.branches")


def _check_links(doc: dict) -> None:
    for sop in doc.get("sops", []):
        numbers = {s["no"] for s in sop.get("steps", [])}
        for s in sop.get("steps", []):
            targets = list(s.get("next", [])) + list((s.get("branches") or {}).values())
            for t in targets:
                if t not in numbers:
                    raise EditError(f"Langkah {s['no']}: tidak ada langkah nomor {t}")


def validate(doc: dict) -> dict:
    """The document checked against the contract, as JSON data."""
    try:
        model = SopDocument.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise EditError(f"Isian tidak sesuai format dokumen ({where}: {err['msg']})") from None
    return model.model_dump(mode="json", by_alias=True)


# -- adding and deleting steps ---------------------------------------------------

_STEP_KEY = re.compile(r"^steps\[(\d+)\](.*)$")


def _shift_evidence(sop: dict, index: int, delta: int) -> None:
    """Evidence keys name steps by position: move those at or after `index`.
    Deleting (delta -1) drops the deleted step's own evidence."""
    ev = sop.get("evidence")
    if not ev:
        return
    out = {}
    for key, value in ev.items():
        m = _STEP_KEY.match(key)
        if m and int(m[1]) >= index:
            k = int(m[1])
            if delta < 0 and k == index:
                continue
            key = f"steps[{k + delta}]{m[2]}"
        out[key] = value
    sop["evidence"] = out


def _renumber(sop: dict, mapping: dict[int, int]) -> None:
    for s in sop["steps"]:
        s["no"] = mapping.get(s["no"], s["no"])
        s["next"] = [mapping[t] for t in s.get("next", []) if t in mapping]
        if s.get("branches"):
            b = s["branches"]
            s["branches"] = ({"yes": mapping[b["yes"]], "no": mapping[b["no"]]}
                             if b["yes"] in mapping and b["no"] in mapping else None)


def add_step(doc: dict, sop_index: int, after: int) -> tuple[dict, Change]:
    """A blank step inserted after position `after` (-1: first); later steps
    move down one number and every arrow follows them."""
    new = copy.deepcopy(doc)
    sop = _sop(new, sop_index)
    steps = sop.setdefault("steps", [])
    if not -1 <= after < len(steps):
        raise EditError("Posisi langkah tidak ada")
    at = after + 1
    new_no = steps[after]["no"] + 1 if after >= 0 else 1
    mapping = {s["no"]: s["no"] + 1 for s in steps if s["no"] >= new_no}
    mapping.update({s["no"]: s["no"] for s in steps if s["no"] < new_no})
    _renumber(sop, mapping)
    _shift_evidence(sop, at, +1)
    step = {"no": new_no, "activity": "(kegiatan baru)", "actors": [], "symbol": "process",
            "requirements": None, "duration": None, "output": None, "note": None,
            "next": [], "branches": None, "confidence": 1.0}
    steps.insert(at, step)
    return validate(new), Change("add-step", f"sops[{sop_index}].steps[{at}]", None, step)


def delete_step(doc: dict, sop_index: int, index: int) -> tuple[dict, Change]:
    """The step at `index` removed; arrows into it now go where it led, and
    later steps move up one number."""
    new = copy.deepcopy(doc)
    sop = _sop(new, sop_index)
    steps = sop.get("steps", [])
    if not 0 <= index < len(steps):
        raise EditError("Langkah itu tidak ada")
    gone = steps.pop(index)
    for s in steps:
        if gone["no"] in s.get("next", []):
            s["next"] = list(dict.fromkeys(
                t for n in s["next"] for t in (gone["next"] if n == gone["no"] else [n])
                if t != s["no"]))
    mapping = {s["no"]: (s["no"] - 1 if s["no"] > gone["no"] else s["no"]) for s in steps}
    _renumber(sop, mapping)
    _shift_evidence(sop, index, -1)
    return validate(new), Change("delete-step", f"sops[{sop_index}].steps[{index}]", gone, None)


def _sop(doc: dict, i: int) -> dict:
    sops = doc.get("sops", [])
    if not 0 <= i < len(sops):
        raise EditError("SOP itu tidak ada di dokumen ini")
    return sops[i]


# -- approval -------------------------------------------------------------------

def approved(doc: dict, reviewer: str, reviewed_at: str, fields_changed: list[str]) -> str:
    """The reviewed document as written to disk: schema 1.1 with its review block."""
    new = copy.deepcopy(doc)
    new["schema_version"] = REVIEWED_SCHEMA_VERSION
    new["review"] = {"reviewer": reviewer, "reviewed_at": reviewed_at,
                     "fields_changed": fields_changed}
    return SopDocument.model_validate(new).to_json()


def unreviewed(doc: dict) -> dict:
    """A document without its review block (a draft that is edited again)."""
    new = {k: v for k, v in doc.items() if k != "review"}
    new["schema_version"] = "1.0"
    return new


# -- evidence for a field -----------------------------------------------------

def evidence_for(sop: Mapping, path_in_sop: str) -> dict | None:
    """The evidence box for a field: its own key, else the nearest enclosing
    one (`identity.approved_by.name` -> `identity.approved_by`); a step's
    actors, arrows and branches are read from its symbol."""
    ev = sop.get("evidence") or {}
    m = _STEP_KEY.match(path_in_sop)
    if m and m[2].split(".")[1:2] and m[2].split(".")[1] in ("actors", "next", "branches"):
        return ev.get(f"steps[{m[1]}].symbol")
    key = path_in_sop
    while key:
        if key in ev:
            return ev[key]
        key = key.rsplit(".", 1)[0] if "." in key else ""
    return None
