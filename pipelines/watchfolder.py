"""The watched folder, read safely: a shared folder is writable by many people.

- Nothing outside the folder is ever read. The walk opens each folder
  relative to its parent's descriptor with O_NOFOLLOW, and files likewise, so
  a symbolic link (to a file or a folder, even one swapped in during the
  walk) is refused, never followed. Hard links are refused too: one can
  point at a file elsewhere on the same disk.
- Only regular files: a pipe, socket or device is refused (reading a pipe
  would block the night).
- A file still being copied in waits for the next run: its size, mtime or
  ctime changed within the last `settle` seconds (ctime too, because
  `cp -p` sets an old mtime before the data has arrived), or it changed
  while it was being read.
- Names starting with "." are skipped silently (copy tools' temporary files);
  other files that are not PDF, JPEG, PNG or TIFF are listed as not read.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ingest.load import INPUT_SUFFIXES

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a pipe swapped in for a file must not hang the run.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


@dataclass(frozen=True)
class Found:
    """A regular file inside the folder, settled, ready to be looked at."""

    rel: str  # posix path relative to the watched folder
    size: int
    mtime: float


@dataclass(frozen=True)
class Skipped:
    rel: str
    kind: str  # refused | waiting | ignored
    reason: str


class Changed(Exception):
    """The file changed (or was replaced) between the scan and the read."""


def scan(root: Path, settle: float = 60.0, exclude: Path | None = None,
         now: float | None = None) -> Iterator[Found | Skipped]:
    """Every input file under `root`, in sorted order, and what was skipped and why."""
    now = time.time() if now is None else now
    skip_dir = _dir_id(exclude) if exclude is not None else None
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # root itself may be a link
    try:
        yield from _walk(root_fd, "", settle, now, skip_dir)
    finally:
        os.close(root_fd)


def _dir_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _walk(dir_fd: int, prefix: str, settle: float, now: float,
          skip_dir: tuple[int, int] | None) -> Iterator[Found | Skipped]:
    with os.scandir(dir_fd) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        rel = prefix + e.name
        if e.name.startswith("."):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError as exc:
            yield Skipped(rel, "refused", f"cannot be read ({exc.strerror})")
            continue
        if stat.S_ISLNK(st.st_mode):
            yield Skipped(rel, "refused", "a symbolic link: links are not followed "
                                          "(it may lead outside the watched folder)")
        elif stat.S_ISDIR(st.st_mode):
            if skip_dir == (st.st_dev, st.st_ino):
                continue  # the output folder, inside the watched one
            try:
                sub = os.open(e.name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                yield Skipped(rel + "/", "refused", f"folder cannot be opened ({exc.strerror})")
                continue
            try:
                yield from _walk(sub, rel + "/", settle, now, skip_dir)
            finally:
                os.close(sub)
        elif not stat.S_ISREG(st.st_mode):
            yield Skipped(rel, "refused", "not a regular file (a pipe, socket or device)")
        elif not e.name.lower().endswith(INPUT_SUFFIXES):
            yield Skipped(rel, "ignored", "not a PDF, JPEG, PNG or TIFF file")
        elif st.st_nlink > 1:
            yield Skipped(rel, "refused", "a hard link: it may be a file from outside the "
                                          "watched folder; copy the file in instead")
        elif now - max(st.st_mtime, st.st_ctime) < settle:
            yield Skipped(rel, "waiting", "still being copied in (changed "
                                          f"{max(0, int(now - max(st.st_mtime, st.st_ctime)))} s ago); "
                                          "read on the next run")
        else:
            yield Found(rel, st.st_size, st.st_mtime)


def open_inside(root: Path, rel: str) -> int:
    """A read-only descriptor of `root/rel` that no link can have redirected
    outside `root`; raises OSError (ELOOP for a link) otherwise."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise OSError(f"not a plain relative path: {rel!r}")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)


def read_file(root: Path, found: Found, copy_to: Path | None = None) -> str:
    """The sha256 of a found file, optionally copying it to `copy_to` (a
    private snapshot: what is read later is exactly what was hashed).

    Raises Changed when it is no longer the regular, single-link file of
    that size and mtime, or changed while being read.
    """
    try:
        fd = open_inside(root, found.rel)
    except OSError as exc:
        raise Changed(f"cannot be opened safely any more ({exc.strerror or exc})") from None
    out = None
    try:
        before = os.fstat(fd)
        if (not stat.S_ISREG(before.st_mode) or before.st_nlink > 1
                or before.st_size != found.size or before.st_mtime != found.mtime):
            raise Changed("changed since the folder was scanned")
        os.set_blocking(fd, True)
        if copy_to is not None:
            out = os.fdopen(os.open(copy_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                                    0o600), "wb")
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
            if out is not None:
                out.write(chunk)
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime, after.st_ctime) != (before.st_size, before.st_mtime,
                                                               before.st_ctime):
            raise Changed("changed while being read (still being copied in?)")
        return h.hexdigest()
    except BaseException:
        if out is not None:
            out.close()
            out = None
            copy_to.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
        if out is not None:
            out.close()


def still_there(root: Path, rel: str, size: int, mtime: float) -> bool:
    """Is the file at `rel` the same regular file (size, mtime) as recorded?"""
    try:
        fd = open_inside(root, rel)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        return stat.S_ISREG(st.st_mode) and st.st_size == size and st.st_mtime == mtime
    finally:
        os.close(fd)
