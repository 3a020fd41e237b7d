"""Errors a user can see, and the CLI's exit codes.

Every failure that is the input's fault is an `IngestError` carrying the file
and a plain reason; the CLI prints it as one line and goes on with the other
files. Anything else is a bug and is reported as such (still one line per
file, with the traceback only under --debug).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    ok = 0
    some_failed = 1  # at least one input failed; the others were written
    usage = 2  # bad command line: nothing was processed


class IngestError(Exception):
    """An input that cannot be turned into an SOP document, and why."""

    def __init__(self, reason: str, path: Path | str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.path = str(path) if path is not None else None

    def with_path(self, path: Path | str) -> "IngestError":
        if self.path is None:
            self.path = str(path)
        return self

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class UnreadableFile(IngestError):
    """Empty, truncated or corrupt file, or a type we do not read."""


class EncryptedFile(IngestError):
    """A password-protected PDF."""


class TooLarge(IngestError):
    """Over a size guard (pages, pixels): refused before the expensive work."""


class NeedsOcr(IngestError):
    """Pages without a text layer, on a build that has no OCR route for them."""
