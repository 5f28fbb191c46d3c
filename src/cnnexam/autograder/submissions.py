"""Finding and reading submissions: a folder of notebooks (any depth, e.g. Moodle's folder per student) or
the zip an LMS hands out, read without trusting anything in it.

Nothing is extracted to disk, so archive paths cannot escape anywhere; every read is bounded (a file over
:data:`MAX_BYTES`, a zip bomb, a FIFO or a symbolic link is turned into a rejection, not a hang); paths are
kept as printable text even when the bytes of a name are not UTF-8; a name that occurs twice in an archive
gets a ``(copy N)`` suffix so every submission has its own path.
"""

from __future__ import annotations

import calendar
import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_BYTES = 10 * 2**20  # a notebook with answers is ~30 kB; this leaves room for outputs and images
MAX_ARCHIVE_BYTES = 4 * 2**30  # what one run may grade out of an archive, in notebooks
MAX_FILES = 50_000
_CHUNK = 2**20


class SourceError(ValueError):
    """SUBMISSIONS itself cannot be read (as opposed to one submission in it)."""


@dataclass(frozen=True)
class Entry:
    """A notebook found in SUBMISSIONS, not read yet."""

    path: str  # relative to SUBMISSIONS, with / separators; unique within one source
    mtime: float  # seconds since the epoch: the newest of a student's submissions counts
    size: int
    ref: object  # how the source reads it back (a filesystem path or a ZipInfo)


@dataclass(frozen=True)
class Submission:
    """A submission's bytes (``data``), or why they were not read (``problem``)."""

    path: str
    mtime: float
    size: int
    sha256: str
    data: bytes | None
    problem: str = ""


def printable(text: str) -> str:
    """``text`` with undecodable bytes and lone surrogates spelled as escapes, so it can be stored and printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def open_source(path: str | Path) -> FolderSource | ZipSource:
    path = Path(path)
    if path.is_dir():
        return FolderSource(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return ZipSource(path)
    if path.exists():
        raise SourceError(f"{path}: expected a folder of notebooks or a zip file")
    raise SourceError(f"{path}: no such folder or zip file")


def _is_notebook(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def _hidden(parts) -> bool:
    """Editor and OS clutter: .ipynb_checkpoints, __MACOSX, dot files."""
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


class FolderSource:
    """The notebooks under a folder; symbolic links and special files are reported, never followed or read.
    Folders that are not searched (unreadable ones, links to folders) are reported in ``warnings``: their
    notebooks would otherwise be missing without a word."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ignored: list[str] = []
        self.warnings: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def entries(self) -> list[Entry]:
        found: list[Entry] = []

        def unreadable(error: OSError) -> None:
            where = self._relative(Path(error.filename)) if error.filename else "."
            self.warnings.append(f"{where}/: a folder that cannot be read ({error.strerror}): "
                                 "no notebook in it was graded")

        for folder, dirs, files in os.walk(self.root, onerror=unreadable, followlinks=False):
            dirs.sort()
            for name in dirs:
                if os.path.islink(Path(folder) / name):
                    self.warnings.append(f"{self._relative(Path(folder) / name)}/: a symbolic link to a folder, "
                                         "not followed: no notebook in it was graded")
            for name in sorted(files):
                full = Path(folder) / name
                rel = self._relative(full)
                if _hidden(Path(rel).parts) or not _is_notebook(name):
                    self.ignored.append(rel)
                    continue
                try:
                    info = os.lstat(full)
                except OSError as error:  # removed or made unreadable since the folder was listed
                    self.warnings.append(f"{rel}: cannot be read ({error.strerror}): not graded")
                    continue
                found.append(Entry(rel, info.st_mtime, info.st_size, full))
                if len(found) > MAX_FILES:
                    raise SourceError(f"{self.root}: more than {MAX_FILES:,} notebooks")
        return sorted(found, key=lambda e: e.path)

    def _relative(self, path: Path) -> str:
        """``path`` under the root, with / separators and undecodable bytes as escapes."""
        relative = path.relative_to(self.root)
        return os.fsencode(relative).decode("utf-8", "backslashreplace").replace(os.sep, "/")

    def charge(self, submission: Submission) -> None:
        """Nothing to bound: a folder's files are on disk already."""

    def read(self, entry: Entry) -> Submission:
        path: Path = entry.ref  # type: ignore[assignment]
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return _unread(entry, "a symbolic link, not a file: not followed", f"link {os.readlink(path)}")
        if not stat.S_ISREG(info.st_mode):
            return _unread(entry, "not a regular file", f"mode {info.st_mode}")
        digest = hashlib.sha256()
        data = bytearray()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    if len(data) <= MAX_BYTES:
                        data += chunk
        except OSError as error:
            return _unread(entry, f"cannot be read ({error.strerror})", "unreadable")
        return _bounded(entry, digest.hexdigest(), bytes(data))


class ZipSource:
    """The notebooks in a zip, read member by member in memory with every size checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ignored: list[str] = []
        self.warnings: list[str] = []  # nothing in an archive is skipped without a rejection
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise SourceError(f"{path}: not a readable zip file ({error})") from None
        self.budget = MAX_ARCHIVE_BYTES

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def entries(self) -> list[Entry]:
        infos = self.zip.infolist()
        if len(infos) > MAX_FILES:
            raise SourceError(f"{self.path}: more than {MAX_FILES:,} files in the archive")
        found: list[Entry] = []
        seen: dict[str, int] = {}
        for info in infos:
            if info.is_dir():
                continue
            name = printable(info.filename).replace("\\", "/")
            if _hidden(PurePosixPath(name).parts) or not _is_notebook(name):
                self.ignored.append(name)
                continue
            seen[name] = seen.get(name, 0) + 1
            path = name if seen[name] == 1 else f"{name} (copy {seen[name]})"
            found.append(Entry(path, _zip_time(info), info.file_size, info))
        return sorted(found, key=lambda e: e.path)

    def read(self, entry: Entry) -> Submission:
        info: zipfile.ZipInfo = entry.ref  # type: ignore[assignment]
        member = f"zip member crc {info.CRC:08x} size {info.file_size} compressed {info.compress_size}"
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in PurePosixPath(name).parts or name[1:2] == ":":
            return _unread(entry, "an unsafe path in the archive (absolute, or with '..')", member)
        if info.flag_bits & 0x1:
            return _unread(entry, "encrypted in the archive", member)
        if info.file_size > MAX_BYTES:
            return _unread(entry, _too_large(info.file_size), member)
        try:
            with self.zip.open(info) as handle:  # stops at the declared size, checks the CRC at the end
                data = handle.read(MAX_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError) as error:
            return _unread(entry, f"damaged in the archive ({printable(str(error))[:120]})", member)
        except Exception as error:  # zlib.error, lzma.LZMAError, bz2 errors: a corrupt stream
            return _unread(entry, f"damaged in the archive ({type(error).__name__})", member)
        return _bounded(entry, hashlib.sha256(data).hexdigest(), data)

    def charge(self, submission: Submission) -> None:
        """Count a submission this run grades against the budget. Those graded before are read again (to
        see whether they changed) but not counted, so each rerun grades the next part of a huge archive."""
        if submission.data is None:
            return
        self.budget -= len(submission.data)
        if self.budget < 0:
            raise SourceError(f"{self.path}: the notebooks to grade expand to more than "
                              f"{MAX_ARCHIVE_BYTES / 2**30:g} GiB; what is graded is kept: run again to grade more")


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:  # zip times are local wall-clock times without a zone; read them as UTC, the same on every machine
        return float(calendar.timegm((*info.date_time, 0, 0, 0)))
    except (ValueError, OverflowError):
        return 0.0


def _too_large(size: int) -> str:
    return f"too large ({size / 2**20:.1f} MB; a notebook may have at most {MAX_BYTES / 2**20:g} MB)"


def _bounded(entry: Entry, sha256: str, data: bytes) -> Submission:
    if len(data) > MAX_BYTES:
        return Submission(entry.path, entry.mtime, entry.size, sha256, None, _too_large(max(entry.size, len(data))))
    return Submission(entry.path, entry.mtime, len(data), sha256, data)


def _unread(entry: Entry, problem: str, fingerprint: str) -> Submission:
    """A submission whose content was not read: the checksum covers what is known about it instead."""
    sha256 = hashlib.sha256(f"unread\0{entry.path}\0{fingerprint}\0{entry.size}".encode()).hexdigest()
    return Submission(entry.path, entry.mtime, entry.size, sha256, None, problem)
