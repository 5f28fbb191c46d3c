"""Output folders, made before anything is written, and OS errors put into words.

A command that writes into a folder checks it first, so a file in the way or a folder it may not write
in is reported up front, naming the option and the path, instead of failing halfway through.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot be used, phrased as ``how the user named it: why``."""


def make_folders(root: str | Path, subfolders=(), label: str = "") -> Path:
    """Create ``root`` and its ``subfolders`` (with their parents), or raise :class:`OutputError`; its
    message starts with ``label`` (default: the path), the way the user named the folder."""
    root = Path(root)
    label = label or str(root)
    for folder in [root, *(root / s for s in subfolders)]:
        blocker = file_in_the_way(folder)
        if blocker == root:
            raise OutputError(f"{label}: is a file; expected a folder")
        if blocker is not None:
            raise OutputError(f"{label}: {blocker} is a file; expected a folder there")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{label}: cannot create the folder {folder} ({reason(error)})") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutputError(f"{label}: cannot write in this folder (Permission denied)")
    return root


def file_in_the_way(path: Path) -> Path | None:
    """The first of ``path`` and its parents, from the top, that exists but is not a folder."""
    for candidate in reversed([path, *path.parents]):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return None


def describe(error: OSError) -> str:
    """An OS error as ``path: why``, for the last-resort message of the command line."""
    if not error.filename:
        return reason(error)
    path = Path(error.filename)
    if isinstance(error, (NotADirectoryError, FileExistsError)) and (blocker := file_in_the_way(path)) is not None:
        return f"{blocker}: is a file; expected a folder"
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a folder; expected a file name"
    if isinstance(error, FileNotFoundError) and not path.parent.is_dir():
        return f"{path}: the folder {path.parent} does not exist"
    return f"{path}: {reason(error)}"


def reason(error: OSError) -> str:
    """Why, in words: the system's message, with the hint the common cases need."""
    if error.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    return error.strerror or str(error)
