"""Whose submission is it, and whose paper does it answer?

Three witnesses: the file's path (an LMS names files after the student who uploaded them: Canvas as
``lastfirst_12345_67890_<original name>``, ``lastfirst_LATE_...`` when late; Moodle puts each student's
files in a folder ``Full Name_123456_assignsubmission_file_``; a plain folder holds ``<id>.ipynb``), the
notebook's metadata (which the student could edit) and the manifest. The submission is attributed to the
student the path names, else to the one the metadata names; it is graded against the paper the metadata
names. Any disagreement between the witnesses is a reason to flag the submission for review.

What the LMS made outranks what the student chose: the Moodle folder outranks the name of the file in it
(which may look like a Canvas name), the Canvas prefix outranks the original file name after it. When the
LMS names nobody of the roster (an off-roster name) or the witnesses disagree, the attribution is
*unconfirmed* and flagged; it is unconfirmed too (but not flagged) when only the metadata names the student
of a file in a plain folder. An unconfirmed submission never counts over a confirmed one of that student
(see the gradebook), so nobody can blank another student's grade by naming a file or editing metadata.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable

from cnnexam.messages import shown

_CANVAS = re.compile(r"^(?P<name>[a-z0-9]+?)(?:_late)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<original>.+)$", re.I)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assign(?:submission|feedback)_[a-z]+_?$", re.I)


def fold(text: str) -> str:
    """Letters and digits only, lower case, accents removed: how Canvas writes a name into a file name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isascii() and c.isalnum())


@dataclass(frozen=True)
class PathIdentity:
    student: str | None  # the roster id the path names, if it names exactly one student
    lms: str  # "canvas", "moodle" or "" (a plain file name)
    lms_user: str  # Canvas user id or Moodle participant id, "" if none
    detail: str  # how the path was read, for messages
    confirmed: bool = True  # False: an LMS made the path, but the student is named only by the file name
    uploader: str = ""  # the LMS's name of the uploader when it names nobody of the roster, for messages


class Roster:
    """Roster ids and name spellings, to recognise students in file names."""

    def __init__(self, students: Iterable[tuple[str, str]]) -> None:
        self.ids: dict[str, str] = {}
        self.names: dict[str, set[str]] = {}
        for sid, name in students:
            self.ids[sid.casefold()] = sid
            for key in _name_keys(name):
                self.names.setdefault(key, set()).add(sid)
        pattern = "|".join(re.escape(i) for i in sorted(self.ids, key=len, reverse=True))
        self._id_pattern = re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])") if pattern else None

    def by_name(self, text: str) -> str | None:
        found = self.names.get(fold(text), set())
        return next(iter(found)) if len(found) == 1 else None

    def ids_in(self, text: str) -> set[str]:
        if self._id_pattern is None:
            return set()
        return {self.ids[m] for m in self._id_pattern.findall(text.casefold())}


def _name_keys(name: str) -> set[str]:
    """Folded spellings of a name in either order: "Ada Lovelace" -> adalovelace, lovelaceada."""
    if "," in name:  # "Lovelace, Ada"
        last, first = name.split(",", 1)
        return {fold(first + last), fold(last + first)}
    words = name.split()
    return {fold("".join(words[k:] + words[:k])) for k in range(len(words))} or {fold(name)}


def _lms_match(path: str) -> tuple[str, re.Match | None, str]:
    """(LMS, its match, the file name) for ``path``: the outermost Moodle folder outranks a Canvas-like file
    name inside it (Moodle made the folder, the student the names inside)."""
    parts = PurePosixPath(path).parts
    filename = parts[-1] if parts else path
    for folder in parts[:-1]:
        moodle = _MOODLE.match(folder)
        if moodle:
            return "moodle", moodle, filename
    canvas = _CANVAS.match(filename)
    return ("canvas", canvas, filename) if canvas else ("", None, filename)


def lms_of(path: str) -> str:
    """"moodle", "canvas" or "": the LMS that made a submission's ``path``, as :func:`identify_path` reads it."""
    return _lms_match(path)[0]


def identify_path(path: str, roster: Roster) -> PathIdentity:
    lms, match, filename = _lms_match(path)
    if lms == "moodle":
        student = roster.by_name(match["name"])
        if student:
            return PathIdentity(student, "moodle", match["user"], f"Moodle folder '{match['name']}'")
        return _by_id(filename, roster, "moodle", match["user"], f"Moodle folder '{match['name']}'")
    if lms == "canvas":
        student = roster.by_name(match["name"])
        if student:
            return PathIdentity(student, "canvas", match["user"], f"Canvas file name '{match['name']}'")
        return _by_id(match["original"], roster, "canvas", match["user"], f"Canvas name '{match['name']}'")
    return _by_id(path, roster, "", "")


def _by_id(text: str, roster: Roster, lms: str, user: str, uploader: str = "") -> PathIdentity:
    """The student whose roster id the file name holds: chosen by the student, so unconfirmed in an LMS."""
    stem = re.sub(r"\.ipynb$", "", text, flags=re.I)
    found = roster.ids_in(stem)
    if len(found) == 1:
        (student,) = found
        return PathIdentity(student, lms, user, f"file name '{PurePosixPath(text).name}'", not lms, uploader)
    if found:
        return PathIdentity(None, lms, user, f"file name naming {len(found)} students", not lms, uploader)
    return PathIdentity(None, lms, user, "", not lms, uploader)


@dataclass(frozen=True)
class Identity:
    student: str | None  # whom the submission is attributed to
    paper: str | None  # whose paper it is graded against; None: it cannot be graded
    lms_user: str
    problems: tuple[str, ...]  # reasons to flag it for review
    rejection: str = ""  # set when it is no submission of this exam that could be reviewed
    confirmed: bool = True  # False: it must not count over another submission of ``student`` (see above)


def identify(metadata: object, path: PathIdentity, exam_sha256: str, manifest_students: dict) -> Identity:
    """Cross-check the notebook's ``cnnexam`` metadata against the path and the manifest."""
    by_path = path.student
    if not isinstance(metadata, dict):
        if by_path:
            return Identity(by_path, by_path, path.lms_user, _unconfirmed(path, by_path) + (
                "the notebook has no cnnexam metadata",), confirmed=path.confirmed)
        return Identity(None, None, path.lms_user, (), "not a notebook of this exam: it has no cnnexam metadata "
                                                          "and its file name names no student of the roster")
    claimed = metadata.get("student_id")
    claimed = claimed if isinstance(claimed, str) and claimed in manifest_students else None
    student = by_path or claimed
    # A student named by the LMS is the uploader. Without an LMS, the path counts if the metadata agrees;
    # the metadata alone (a file name that names nobody) is what the student controls: unconfirmed.
    confirmed = path.confirmed if by_path else False
    if by_path and claimed and by_path != claimed and not path.lms:
        confirmed = False
    problems = list(_unconfirmed(path, student, "" if by_path else "notebook's metadata"))
    if metadata.get("spec_sha256") != exam_sha256:
        problems.append("the notebook belongs to another exam (its spec checksum differs from this exam's)")
        return Identity(student, None, path.lms_user, tuple(problems), confirmed=confirmed)
    if claimed is None:
        problems.append(f"the notebook names an unknown student id {shown(metadata.get('student_id'), 60)}")
    elif by_path and by_path != claimed:
        problems.append(f"the {path.detail} names {by_path}, but the notebook is {claimed}'s")
    paper = claimed or by_path
    if paper is not None:
        problems += _metadata_problems(metadata, manifest_students[paper])
    return Identity(student, paper, path.lms_user, tuple(problems), confirmed=confirmed)


def _unconfirmed(path: PathIdentity, student: str | None, witness: str = "") -> tuple[str, ...]:
    """Why an LMS submission's student is in doubt: the LMS names nobody of the roster."""
    if not path.lms or not student or (path.student and path.confirmed):
        return ()
    uploader = path.uploader or f"{path.lms.capitalize()} path"
    return (f"the {uploader} names no student of the roster; only the {witness or path.detail} names {student}",)


def _metadata_problems(metadata: dict, entry: dict) -> list[str]:
    problems = []
    if metadata.get("version_code") != entry["version_code"]:
        problems.append(f"the version code {shown(metadata.get('version_code'), 60)} is not {entry['version_code']}")
    if metadata.get("student_name") != entry["name"]:
        problems.append(f"the student name {shown(metadata.get('student_name'), 60)} is not {entry['name']!r}")
    questions = metadata.get("questions")
    expected = [[q["number"], q["template"], q["variant_id"]] for q in entry["questions"]]
    if not isinstance(questions, list) or [
            [q.get(k) for k in ("number", "template", "variant_id")] if isinstance(q, dict) else None
            for q in questions] != expected:
        problems.append("the list of questions in the metadata differs from the paper's")
    return problems


