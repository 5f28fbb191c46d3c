"""Exam specs (TOML) and rosters (CSV): loaded, checked, and every error tied to its file and place.

A spec names the course, the exam, a master seed, the mode and sections of questions; each question is
a template id (or a pool of ids to draw from per student), a difficulty and its points::

    course = "Deep Learning"
    title = "Midterm"
    seed = 20261130
    mode = "exam"            # or "practice": self-checks allowed

    [[sections]]
    title = "Convolution"

    [[sections.questions]]
    template = "conv2d-output"
    difficulty = "medium"
    points = 10
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cnnexam.messages import cut, shown
from cnnexam.model.template import DIFFICULTIES

MODES = ("exam", "practice")


class SpecError(ValueError):
    """A spec or roster problem, phrased as ``file: where: what was expected``."""


@dataclass(frozen=True)
class QuestionSpec:
    templates: tuple[str, ...]  # one id, or the pool to draw from
    difficulty: str
    points: float

    @property
    def is_pool(self) -> bool:
        return len(self.templates) > 1


@dataclass(frozen=True)
class Section:
    title: str
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class ExamSpec:
    course: str
    title: str
    date: str
    instructions: str
    seed: int
    mode: str
    sections: tuple[Section, ...]
    source: str = ""  # the file it came from
    digest: str = ""  # sha256 of the file's bytes

    @property
    def questions(self) -> list[QuestionSpec]:
        return [q for s in self.sections for q in s.questions]

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str = ""
    section: str = ""


def load_spec(path: str | Path, known_templates: dict | None = None) -> ExamSpec:
    """Read and check an exam spec; ``known_templates`` defaults to the catalog."""
    path = Path(path)
    data, text = _read_utf8(path, "the exam spec", "the spec as UTF-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    if known_templates is None:
        from cnnexam.templates import all_templates

        known_templates = all_templates()
    return _Checker(str(path), known_templates).spec(raw, hashlib.sha256(data).hexdigest())


# In a TOML """ string a backslash is an escape: LaTeX's \frac and \beta arrive as a form feed or a
# backspace (never meant in text) and the rest of the name, \times, \rho or \nabla as a tab, a return or a
# line break before the rest of a command's name.
_TOML_ESCAPED_LATEX = re.compile(r"[\b\f][a-z]*|\t(?:imes|au|heta|ilde|ext|anh|op|riangle)[a-z]*"
                                 r"|\r(?:ho|ightarrow|angle|floor|ceil|ight)[a-z]*|\nabla")


class _Checker:
    def __init__(self, source: str, templates: dict) -> None:
        self.source = source
        self.templates = templates

    def fail(self, where: str, what: str):
        raise SpecError(f"{self.source}: {where}: {what}")

    def text(self, table: dict, key: str, where: str, required: bool = True, default: str = "",
             one_line: bool = True) -> str:
        if key not in table:
            if required:
                self.fail(where + key, "missing; expected a non-empty string")
            return default
        value = table[key]
        if hasattr(value, "isoformat"):  # TOML dates arrive as datetime.date
            return value.isoformat()
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(where + key, f"expected a {'non-empty ' if required else ''}string, got {shown(value)}")
        if not one_line:
            return value
        if "\n" in value.strip() or "\r" in value.strip():  # headings and headers: a line break would end them
            self.fail(where + key, f"expected one line of text, got {shown(value)}")
        return value.strip()

    def spec(self, raw: dict, digest: str) -> ExamSpec:
        allowed = {"course", "title", "date", "instructions", "seed", "mode", "sections"}
        self.unknown(raw, allowed, "")
        if "seed" not in raw:
            self.fail("seed", "missing; expected a whole number >= 0 (the master seed)")
        seed = raw["seed"]
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            self.fail("seed", f"expected a whole number >= 0 (the master seed), got {shown(seed)}")
        mode = raw.get("mode", "exam")
        if mode not in MODES:
            self.fail("mode", f"expected one of {', '.join(MODES)}, got {shown(mode)}")
        sections = raw.get("sections")
        if not isinstance(sections, list) or not sections:
            self.fail("sections", self.tables_expected("[[sections]]", sections))
        checked = tuple(self.section(s, i) for i, s in enumerate(sections, 1))
        return ExamSpec(self.text(raw, "course", ""), self.text(raw, "title", ""),
                        self.text(raw, "date", "", required=False), self.instructions(raw),
                        seed, mode, checked, self.source, digest)

    def instructions(self, raw: dict) -> str:
        """Checked here, not when the first PDF is made: a maths error then would name neither file nor key."""
        from .spectext import check_instructions

        text = self.text(raw, "instructions", "", required=False, one_line=False)
        escaped = _TOML_ESCAPED_LATEX.search(text)
        if escaped:
            command = "\\" + {"\b": "b", "\f": "f", "\t": "t", "\r": "r", "\n": "n"}[escaped[0][0]] + escaped[0][1:]
            self.fail("instructions", f"a backslash in a \"\"\" string is a TOML escape, so LaTeX's {command} became a "
                                      "control character; write the instructions in a \'\'\'...\'\'\' string (which "
                                      "keeps backslashes) or double each backslash")
        try:
            check_instructions(text)
        except ValueError as error:
            self.fail("instructions", f"{error}; expected text with $...$ maths in the LaTeX subset of the "
                                      "questions (a dollar that is not maths: \\$)")
        return text

    def section(self, raw, index: int) -> Section:
        where = f"sections[{index}]"
        if not isinstance(raw, dict):
            self.fail(where, "expected a table with a title and [[sections.questions]]")
        self.unknown(raw, {"title", "questions"}, where + ".")
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            self.fail(where + ".questions", self.tables_expected("[[sections.questions]]", questions))
        title = self.text(raw, "title", where + ".", required=False, default=f"Section {index}")
        return Section(title, tuple(self.question(q, f"{where}.questions[{i}]") for i, q in enumerate(questions, 1)))

    def question(self, raw, where: str) -> QuestionSpec:
        if not isinstance(raw, dict):
            self.fail(where, "expected a table with template (or pool), difficulty and points")
        self.unknown(raw, {"template", "pool", "difficulty", "points"}, where + ".")
        if ("template" in raw) == ("pool" in raw):
            self.fail(where, "expected exactly one of template = \"ID\" or pool = [\"ID\", ...]")
        ids = [raw["template"]] if "template" in raw else raw["pool"]
        key = "template" if "template" in raw else "pool"
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            expected = ("expected a template id string (pool = [...] draws from several)" if key == "template"
                        else "expected a non-empty list of template id strings")
            self.fail(f"{where}.{key}", f"{expected}, got {shown(raw[key])}")
        twice = [i for i in dict.fromkeys(ids) if ids.count(i) > 1]
        if twice:
            self.fail(f"{where}.pool", f"lists {shown(twice[0])} twice")
        for template_id in ids:
            if template_id not in self.templates:
                close = difflib.get_close_matches(template_id, list(self.templates), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(close)}?" if close else "; `cnnexam templates` lists the ids"
                self.fail(f"{where}.{key}", f"unknown template id {shown(template_id)}{hint}")
        difficulty = raw.get("difficulty", "medium")
        for template_id in ids:
            levels = self.templates[template_id].difficulties
            if difficulty not in levels:
                self.fail(f"{where}.difficulty", f"expected one of {', '.join(levels)} (the levels of {template_id}), got {shown(difficulty)}")
        points = raw.get("points", 1)
        # Half points at the finest: a question's parts then share its points exactly (see Question.slot_points);
        # anything finer was rounded, so the paper's total was not the spec's.
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points <= 1000 \
                or (2 * points) % 1:
            self.fail(f"{where}.points", f"expected a number of points from 0.5 to 1000 in steps of 0.5, got {shown(points)}")
        return QuestionSpec(tuple(ids), difficulty, float(points))

    @staticmethod
    def tables_expected(header: str, value) -> str:
        if value is None:
            return f"missing; expected at least one {header} table"
        if isinstance(value, dict) and isinstance(value.get("questions"), list):  # what TOML makes of it
            return "[[sections.questions]] with no [[sections]] above it; start each section with [[sections]]"
        if isinstance(value, dict):
            return f"expected {header} tables (double brackets), got a single {header[1:-1]} table"
        return f"expected at least one {header} table, got {shown(value)}"

    def unknown(self, table: dict, allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.fail(where + cut(key), f"unknown key{hint}; expected one of {', '.join(sorted(allowed))}")


def load_roster(path: str | Path) -> tuple[Student, ...]:
    """Read a roster CSV with columns ``id`` and ``name`` (and optionally ``email``, ``section``)."""
    path = Path(path)
    _, text = _read_utf8(path, "the roster", "the roster as a UTF-8 CSV")
    header = text.split("\n", 1)[0]
    # Spreadsheets in many locales save CSV with ';' (or tabs) between columns.
    records = _records(path, text, delimiter=max(",;\t", key=header.count))
    head, names = next(records, (1, []))
    columns = [c.strip().lower() for c in names]
    twice = [c for c in dict.fromkeys(columns) if c and columns.count(c) > 1]
    if twice:  # which of the two would be read is a guess
        raise SpecError(f"{path}: line {head}: column {shown(twice[0])} appears twice; expected each column once")
    for needed in ("id", "name"):
        if needed not in columns:
            raise SpecError(f"{path}: line {head}: no {needed} column; expected a header with columns id and name "
                            f"(optional: email, section), got {cut(header.strip(), 80) or 'nothing'}")
    students: list[Student] = []
    # Ids that name the same file on Windows or macOS: equal but for case, or for how accents are encoded.
    seen: dict[str, tuple[int, str]] = {}  # NFC-normalized casefolded id -> (line, id)
    for line, fields in records:
        if len(fields) > len(columns) and any(f.strip() for f in fields[len(columns):]):
            # "1,Lovelace, Ada,ada@x" would put "Ada" in the email column and drop the address
            raise SpecError(f"{path}: line {line}: {len(fields)} fields but the header has {len(columns)} columns; "
                            "a name or other value with a comma must be in double quotes (\"Lovelace, Ada\")")
        row = {c: v.strip() for c, v in zip(columns, fields)}
        if not any(row.values()):
            continue
        sid, name = row.get("id", ""), row.get("name", "")
        if not sid:
            raise SpecError(f"{path}: line {line}: the id is empty")
        if not name:
            raise SpecError(f"{path}: line {line}: the name of student {shown(sid)} is empty")
        if len(sid) > MAX_ID:
            raise SpecError(f"{path}: line {line}: id {shown(sid)} is {len(sid)} characters long; expected at most "
                            f"{MAX_ID} (it names the student's files)")
        if any(c in sid for c in '/\\:*?"<>|') or not sid.isprintable() or sid.startswith(".") or sid.endswith("."):
            raise SpecError(f"{path}: line {line}: id {sid!r} cannot be used in a file name "
                            f"(no / \\ : * ? \" < > |, control characters, or dot at either end)")
        if sid.split(".")[0].upper() in _RESERVED:
            raise SpecError(f"{path}: line {line}: id {sid!r} cannot be used in a file name (reserved on Windows)")
        key = unicodedata.normalize("NFC", sid).casefold()
        if key in seen:
            first, other = seen[key]
            if other == sid:
                raise SpecError(f"{path}: line {line}: id {sid!r} already appears on line {first}")
            if unicodedata.normalize("NFC", sid) == unicodedata.normalize("NFC", other):
                raise SpecError(f"{path}: line {line}: id {sid!r} differs from {other!r} on line {first} only in how "
                                "its accents are encoded (Unicode NFC and NFD); they look the same, and their files "
                                "would overwrite each other on macOS")
            raise SpecError(f"{path}: line {line}: id {sid!r} differs from {other!r} on line {first} only in case; "
                            f"their files would overwrite each other on Windows and macOS")
        seen[key] = (line, sid)
        students.append(Student(sid, name, row.get("email", ""), row.get("section", "")))
    if not students:
        raise SpecError(f"{path}: no students (expected one row per student after the header)")
    return tuple(students)


def _records(path: Path, text: str, delimiter: str):
    """(line number, fields) of each non-blank record. The reader sees the text whole, newlines and all, so a
    field that a stray quote opens and never closes on its line is caught here instead of silently taking in
    the students below it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    for fields in reader:
        if any("\n" in f or "\r" in f for f in fields):
            raise SpecError(f"{path}: line {line}: a quote (\") opens a field that does not end on this line; "
                            f"expected one student per line (a quote inside a field is written \"\")")
        if any(f.strip() for f in fields):
            yield line, fields
        line = reader.line_num + 1


MAX_ID = 64  # with a 4-byte character at most, <id>.ipynb stays within the 255 bytes a file name may take
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _read_utf8(path: Path, what: str, save_as: str) -> tuple[bytes, str]:
    """The file's bytes and its text, without the byte-order mark that Windows editors and spreadsheets may
    start UTF-8 with; a file that cannot be read or is not UTF-8 is a SpecError naming ``what`` it is."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SpecError(f"{path}: cannot read {what} ({error.strerror})") from None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data, body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"{path}: {_not_utf8(body, error)}; save {save_as}") from None


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    line = data[: error.start].count(b"\n") + 1
    return f"line {line}: not UTF-8 text (byte 0x{data[error.start]:02x})"


__all__ = ["SpecError", "QuestionSpec", "Section", "ExamSpec", "Student", "load_spec", "load_roster", "DIFFICULTIES"]
