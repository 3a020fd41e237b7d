"""The SOP document contract (schema_version "1.0", and "1.1" for reviewed
documents) as pydantic models.

This module is the single source of truth for the JSON every run writes.
`../shared/spec/sop-document.md` is the human text of the contract; the JSON
Schema shipped in `ingest/schema/` is generated from these classes
(`python -m ingest.model > ingest/schema/sop-document.schema.json`) and a test
checks that the committed file equals the generated one.

Schema 1.1 adds one optional document-level key, `review` (who approved the
document, when, and which fields they changed), written only by the review
app; a document carrying it says "1.1". The pipeline still writes "1.0", so
every 1.0 document is also a valid 1.1 one.

Optional keys (document-level `review`; per SOP `corrections`, `evidence`,
`roles_canonical`; identity `*_iso`) are left out of the JSON when they carry
nothing, so consumers see exactly the shape the contract shows.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

SCHEMA_VERSION = "1.0"
REVIEWED_SCHEMA_VERSION = "1.1"  # a document with a `review` block

Route = Literal["text-layer", "ocr"]
Symbol = Literal["terminator", "process", "decision", "connector"]
DurationUnit = Literal["minute", "hour", "day", "week", "month"]
LegalKind = Literal[
    "UUD", "UU", "Perppu", "PP", "Perpres", "Inpres", "Permen", "Perban",
    "Perda", "Perkada", "Keputusan", "Other",
]


class _Model(BaseModel):
    """Base: unknown keys are refused (producers add none), optional keys that
    are None are dropped on output (see `_OPTIONAL`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    _OPTIONAL: frozenset[str] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_empty_optional(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        for key in self._OPTIONAL:
            if data.get(key) is None:
                data.pop(key, None)
        return data


class Source(_Model):
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str
    pages: int = Field(ge=0)
    route: Route


class ApprovedBy(_Model):
    position: str | None = None
    name: str | None = None
    rank: str | None = None
    nip: str | None = Field(default=None, pattern=r"^\d+$", description="digits only")


class Identity(_Model):
    _OPTIONAL = frozenset({"created_iso", "revised_iso", "effective_iso"})

    agency: str | None = None
    unit: str | None = None
    number: str | None = None
    title: str | None = None
    created: str | None = None
    revised: str | None = None
    effective: str | None = None
    created_iso: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    revised_iso: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    effective_iso: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    approved_by: ApprovedBy | None = None


class LegalBasis(_Model):
    text: str
    kind: LegalKind = "Other"
    number: str | None = None
    year: int | None = None


class Duration(_Model):
    text: str
    min: int | float | None = None
    max: int | float | None = None
    unit: DurationUnit | None = None


class Branches(_Model):
    yes: int
    no: int


class Step(_Model):
    no: int = Field(ge=1)
    activity: str
    actors: list[str] = Field(default_factory=list)
    symbol: Symbol | None = None
    requirements: str | None = None
    duration: Duration | None = None
    output: str | None = None
    note: str | None = None
    next: list[int] = Field(default_factory=list)
    branches: Branches | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)


class Correction(_Model):
    path: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    score: float


class Evidence(_Model):
    page: int = Field(ge=1)
    bbox: tuple[float, float, float, float]
    confidence: float = Field(ge=0.0, le=1.0)


class Sop(_Model):
    _OPTIONAL = frozenset({"corrections", "evidence", "roles_canonical"})

    pages: list[int] = Field(default_factory=list)
    identity: Identity = Field(default_factory=Identity)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    qualifications: list[str] = Field(default_factory=list)
    related_sops: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    records: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    roles_canonical: list[str | None] | None = None
    steps: list[Step] = Field(default_factory=list)
    corrections: list[Correction] | None = None
    evidence: dict[str, Evidence] | None = None


class Review(_Model):
    """Schema 1.1: a person checked this document and approved it."""

    reviewer: str
    reviewed_at: str = Field(description="ISO 8601 time in UTC")
    fields_changed: list[str] = Field(
        default_factory=list, description="paths of the fields the reviewer changed, "
        "e.g. sops[0].steps[3].duration.text")


class SopDocument(_Model):
    _OPTIONAL = frozenset({"review"})
    # The same rule as _review_needs_1_1, for users of the JSON Schema.
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["review"]},
        "then": {"properties": {"schema_version": {"const": REVIEWED_SCHEMA_VERSION}}},
    })

    schema_version: Literal["1.0", "1.1"] = SCHEMA_VERSION
    source: Source
    warnings: list[str] = Field(default_factory=list)
    sops: list[Sop] = Field(default_factory=list)
    review: Review | None = None

    @model_validator(mode="after")
    def _review_needs_1_1(self) -> "SopDocument":
        if self.review is not None and self.schema_version != REVIEWED_SCHEMA_VERSION:
            raise ValueError(f'a document with a "review" block has schema_version '
                             f'"{REVIEWED_SCHEMA_VERSION}"')
        return self

    def to_json(self) -> str:
        """The document as written to disk: stable key order, UTF-8, 2-space indent."""
        return json.dumps(self.model_dump(mode="json", by_alias=True),
                          ensure_ascii=False, indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    # Validation mode: the wrap serializer above hides the fields from a
    # serialization-mode schema; every key we drop on output has a default,
    # so the validation schema describes the written JSON exactly.
    schema = SopDocument.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SOP document"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def shipped_schema_text() -> str:
    """The schema committed inside the package (what `validate` checks against)."""
    return resources.files("ingest").joinpath("schema/sop-document.schema.json").read_text("utf-8")


if __name__ == "__main__":  # regenerate the shipped schema
    print(json_schema_text(), end="")
