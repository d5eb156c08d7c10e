"""On-disk layout of the Whoosh backend: generation directories, the CURRENT pointer, locks, stamps.

::

    <path>/CURRENT          name of the live generation directory (replaced atomically)
    <path>/WRITELOCK        held (flock) by whoever writes: index(), remove() and the whole of rebuild()
    <path>/gen-<time>-<id>/ one complete Whoosh index
        VERSION             the index version it was created with (kb.search.whoosh.fields)
        LAST_COMMIT         ISO time of the last commit, rewritten after each commit
        VOCAB               the unstemmed vocabulary (kb.search.whoosh.vocabulary)

Readers in any process compare the contents of CURRENT and LAST_COMMIT (two tiny reads per request;
``stat`` is not enough, as inodes are reused and mtimes are coarse) with what they opened, and reopen
when either changed. LAST_COMMIT holds the commit time and a random token, so every commit differs.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from whoosh.util.filelock import FileLock, try_for

from kb.search.base import IndexBusyError

POINTER = "CURRENT"
WRITELOCK = "WRITELOCK"
STAMP = "LAST_COMMIT"
VERSION = "VERSION"
FIRST_VERSION = 1  # generations written before VERSION files existed
_GEN_RE = re.compile(r"^gen-[0-9TZ]+-[0-9a-f]{8}$")


def read_small(path: Path) -> str | None:
    """The content of a small marker file, or None if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return fh.read(256).decode("ascii", "replace").strip()
    except OSError:
        return None


class Layout:
    """Paths and atomic operations under one index root directory."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.pointer = self.root / POINTER

    def current_name(self, pointer: str | None = None) -> str | None:
        """The live generation's directory name, or None when there is none (or it is corrupt)."""
        name = self.pointer_stamp() if pointer is None else pointer
        return name if name and _GEN_RE.fullmatch(name) and (self.root / name).is_dir() else None

    def pointer_stamp(self) -> str | None:
        return read_small(self.pointer)

    def commit_stamp(self, name: str) -> str | None:
        return read_small(self.root / name / STAMP)

    def new_generation(self) -> Path:
        """Create and return a fresh, empty generation directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}"
        path = self.root / name
        path.mkdir()
        return path

    def swap_to(self, gen_dir: Path) -> None:
        """Point CURRENT at ``gen_dir`` atomically (write a temp file, fsync, os.replace)."""
        tmp = self.root / f".{POINTER}.{os.getpid()}.{secrets.token_hex(4)}"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(gen_dir.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pointer)
        _fsync_dir(self.root)

    def remove_stale(self, keep: str) -> None:
        """Delete every generation directory but ``keep`` (callers hold the write lock)."""
        for child in self.root.iterdir():
            if child.name != keep and _GEN_RE.fullmatch(child.name) and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
        for child in self.root.glob(f".{POINTER}.*"):
            with contextlib.suppress(OSError):
                child.unlink()

    @contextlib.contextmanager
    def write_lock(self, timeout: float) -> Iterator[None]:
        """Hold the root write lock (across processes); IndexBusyError if not obtained in ``timeout`` s."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / WRITELOCK))
        if not try_for(lock.acquire, timeout=timeout, delay=0.05):
            raise IndexBusyError(f"search index is busy (write lock not obtained in {timeout:g}s)")
        try:
            yield
        finally:
            lock.release()


def write_commit_stamp(gen_dir: Path) -> datetime:
    """Record the time of a commit in ``gen_dir`` (atomically) and return it."""
    now = datetime.now(UTC)
    tmp = gen_dir / f".{STAMP}.{secrets.token_hex(4)}"
    tmp.write_text(f"{now.isoformat()} {secrets.token_hex(8)}", encoding="ascii")
    os.replace(tmp, gen_dir / STAMP)
    return now


def write_version(gen_dir: Path, version: int) -> None:
    """Record the index version of a new generation."""
    (gen_dir / VERSION).write_text(f"{version}\n", encoding="ascii")


def read_version(gen_dir: Path) -> int | None:
    """The index version a generation was created with (FIRST_VERSION without a VERSION file); None
    when the file cannot be read or holds no number."""
    path = gen_dir / VERSION
    if not path.exists():
        return FIRST_VERSION
    text = read_small(path)
    return int(text) if text is not None and text.isdigit() else None


def read_commit_stamp(gen_dir: Path) -> datetime | None:
    try:
        value = datetime.fromisoformat((gen_dir / STAMP).read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, UnicodeDecodeError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
