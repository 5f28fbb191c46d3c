"""Every report format, opened and checked: Canvas and Moodle CSVs, Gradescope results, feedback (escaped),
class statistics on a tiny gradebook computed by hand, and the histogram PNG."""

from __future__ import annotations

import csv
import io
import json
import struct
import zlib
from types import SimpleNamespace

import pytest

from cnnexam.autograder.gradebook import Gradebook, Outcome, SlotRow
from cnnexam.autograder.reports import png, write_report
from cnnexam.autograder.reports.feedback import md_code, md_text

POINTS = {1: 2.0, 2: 4.0, 3: 1.0}
SCORES = {"a": (2, 4, 1), "b": (2, 1, 0), "c": (0, 2, 1), "d": (1, 0, 0), "e": (2, 2, 1)}  # e is flagged
MISCONCEPTIONS = {("b", 2): "forgot-bias", ("c", 2): "forgot-bias", ("d", 1): "flipped-kernel", ("e", 2): "other"}
HOSTILE = "<script>alert('x')</script> **bold** [link](javascript:alert(1)) ``` # heading"


def slot(student: str, number: int) -> SlotRow:
    earned = float(SCORES[student][number - 1])
    status = "correct" if earned == POINTS[number] else "partial" if earned else "wrong"
    answer = HOSTILE if (student, number) == ("c", 2) else f"{earned}"
    feedback = "Correct." if status == "correct" else f"Not right: got the text '{HOSTILE[:40]}'."
    return SlotRow(f"q{number}-x", number, "x", f"({'abc'[number - 1]}) part", POINTS[number], earned, status,
                   feedback, MISCONCEPTIONS.get((student, number)), answer)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Six students: a-d graded, e flagged, f handed nothing in; Q1-Q3 worth 2, 4 and 1 points."""
    path = tmp_path_factory.mktemp("book") / "grades.sqlite"
    names = {"a": "Ada Lovelace", "b": "Alan Turing", "c": "Grace <b>Hopper</b>", "d": "Edsger Dijkstra",
             "e": "Emmy Noether", "f": "Frank Rosenblatt"}
    students = {sid: {"id": sid, "name": name, "email": f"{sid}@example.edu", "section": "A", "version_code": "V",
                      "questions": [{"number": n, "template": f"t{n}", "points": p} for n, p in POINTS.items()]}
                for sid, name in names.items()}
    context = SimpleNamespace(sha256="abc", course="Deep Learning", title="Midterm", points=7.0, students=students,
                              templates={f"t{n}": SimpleNamespace(title=f"Topic {n}") for n in POINTS})
    gradebook = Gradebook(path)
    gradebook.bind(context)
    for sid, scores in SCORES.items():
        status = "flagged" if sid == "e" else "graded"
        rows = tuple(slot(sid, n) for n in POINTS)
        file = "lovelaceada_4711_9001_a.ipynb" if sid == "a" else f"{sid}.ipynb"  # a comes from a Canvas download
        gradebook.record(Outcome(file, sid * 64, 1, 1.0, "t", status, "locked cell q1-prompt-1 was edited"
                                 if sid == "e" else "", sid, sid, "4711" if sid == "a" else "", float(sum(scores)),
                                 7.0, rows), "test", "t")
    gradebook.close()
    return path


def test_canvas_csv(book, tmp_path):
    text = write_report(book, "canvas-csv", assignment_id="123")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Midterm (123)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "7"
    # e (flagged) and f (nothing handed in) have no row: an empty cell would clear their grade in Canvas
    assert rows[2:] == [["Lovelace, Ada", "4711", "a", "", "A", "7"], ["Turing, Alan", "", "b", "", "A", "3"],
                        ["<b>Hopper</b>, Grace", "", "c", "", "A", "3"], ["Dijkstra, Edsger", "", "d", "", "A", "1"]]
    warnings = []
    assert write_report(book, "canvas-csv", tmp_path / "canvas.csv", warn=warnings.append) is None
    assert warnings == ["2 students without a grade left out, so the LMS keeps what it has for them: awaiting "
                        "review: e; never handed anything in: f; `cnnexam review` decides flagged submissions"]
    assert (tmp_path / "canvas.csv").read_bytes().decode() == write_report(book, "canvas-csv")
    assert list(csv.reader(io.StringIO(write_report(book, "canvas-csv"))))[0][5] == "Midterm"  # a new assignment


def test_moodle_csv(book):
    rows = list(csv.DictReader(io.StringIO(write_report(book, "moodle-csv"))))
    assert list(rows[0]) == ["First name", "Surname", "ID number", "Email address", "Midterm", "Midterm (feedback)"]
    assert rows[1] == {"First name": "Alan", "Surname": "Turing", "ID number": "b", "Email address": "b@example.edu",
                       "Midterm": "3", "Midterm (feedback)": "Q1 2/2; Q2 1/4; Q3 0/1"}
    # an empty cell would be a 0 in a new grade item and delete the grade in an existing one
    assert [(r["ID number"], r["Midterm"]) for r in rows] == [("a", "7"), ("b", "3"), ("c", "3"), ("d", "1")]


def test_gradescope_results(book, tmp_path):
    write_report(book, "gradescope", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c", "d"]
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert results["score"] == 3.0 and results["visibility"] == "after_published"
    assert [(t["name"], t["number"], t["score"], t["max_score"], t["visibility"], t["status"]) for t in results["tests"]] == [
        ("Question 1: Topic 1", "1", 2.0, 2.0, "after_published", "passed"),
        ("Question 2: Topic 2", "2", 1.0, 4.0, "after_published", "failed"),
        ("Question 3: Topic 3", "3", 0.0, 1.0, "after_published", "failed")]
    assert results["tests"][1]["output"].startswith("(b) part: Not right: got the text")
    with pytest.raises(ValueError, match="--format gradescope writes a folder with a file per student: give --out"):
        write_report(book, "gradescope")


def test_feedback_escapes_everything_a_student_wrote(book, tmp_path):
    write_report(book, "feedback", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{s}.{x}" for s in "abcde" for x in ("html", "md")]
    html = (tmp_path / "c.html").read_text()
    assert "<script>" not in html and "<b>Hopper" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **bold** [link](javascript:alert(1))" in html
    assert "Grace &lt;b&gt;Hopper&lt;/b&gt;" in html
    assert "Question 2: Topic 2 (2 of 4 points)" in html
    assert "forgot-bias" not in html  # a misconception's id is for instructors; its feedback text explains it
    md = (tmp_path / "c.md").read_text()
    assert [line for line in md.splitlines() if "<script>" in line] == ["  " + HOSTILE]  # in the fence only
    assert "````text\n  " + HOSTILE + "\n  ````" in md  # a fence longer than the answer's ```
    assert "Grace \\<b\\>Hopper\\</b\\>" in md
    assert "forgot" not in md
    assert "Alan" not in md and "Turing" not in md  # nobody else's data
    assert (tmp_path / "e.md").read_text().endswith("Your submission needs a review by your instructor before it "
                                                    "is graded.\n")
    assert "q1-prompt-1" not in (tmp_path / "e.html").read_text()


def test_md_text_and_code():
    assert md_text("a*b_c [x](y) <i> & `z` | #1\n~") == "a\\*b\\_c \\[x\\](y) \\<i\\> \\& \\`z\\` \\| \\#1 \\~"
    assert md_code("x") == "```text\nx\n```"
    assert md_code("a ````` b") == "``````text\na ````` b\n``````"


def test_stats_on_a_hand_computed_gradebook(book, tmp_path):
    assert write_report(book, "stats", tmp_path) is None
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert (stats["graded"], stats["not_graded"], stats["missing"]) == (4, 1, 1)
    assert (stats["mean"], stats["sd"], stats["min"], stats["max"]) == (3.5, 2.1794, 1.0, 7.0)
    # Q1: scores 2, 2, 0, 1 of 2; the rest of the exam 5, 1, 3, 0: r = 0.375 / sqrt(0.6875 * 14.75)
    # Q3: shares 1, 0, 1, 0; rest 6, 3, 2, 1: r = 2 / sqrt(1 * 14)
    assert [(q["number"], q["mean"], q["difficulty"], q["discrimination"]) for q in stats["questions"]] == [
        (1, 1.25, 0.625, 0.1178), (2, 1.75, 0.4375, 0.7645), (3, 0.5, 0.5, 0.5345)]
    assert stats["questions"][1]["misconceptions"] == [{"name": "forgot-bias", "students": 2, "share": 0.5}]
    assert stats["questions"][0]["misconceptions"] == [{"name": "flipped-kernel", "students": 1, "share": 0.25}]
    assert stats["histogram"]["counts"] == [0, 1, 0, 0, 2, 0, 0, 0, 0, 1]
    text = write_report(book, "stats")
    assert "| 2 | 4 | 1.75 | 0.4375 | 0.7645 | forgot-bias (2) |" in text
    assert (tmp_path / "stats.md").read_text() == text
    width, height, pixels = decode((tmp_path / "histogram.png").read_bytes())
    assert (width, height) == (png.WIDTH, png.HEIGHT)


def decode(data: bytes) -> tuple[int, int, list[bytes]]:
    """A minimal PNG reader for the encoder's output (8-bit RGB, filter 0): width, height, rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = body
        at += 12 + length
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 2) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 3 * width + 1
    assert len(raw) == height * stride and all(raw[y * stride] == 0 for y in range(height))
    return width, height, [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]


def test_histogram_bars_have_the_right_heights():
    counts = [0, 1, 0, 4]
    width, height, rows = decode(png.histogram(counts, ["0", "1", "2", "3", "4"], 200, 150))
    assert (width, height) == (200, 150)
    plot_top, base = 30, 150 - 40  # margins of the plot area

    def column(i):  # the bar's pixels in the middle of bin i, from the top of the plot to the axis
        x = 50 + round((i + 0.5) * (200 - 70) / len(counts))
        return [rows[y][3 * x:3 * x + 3] for y in range(plot_top, base)]

    bar = bytes((70, 110, 180))
    heights = [sum(p == bar for p in column(i)) for i in range(len(counts))]
    assert heights == [0, round(80 / 4), 0, 80]
    with pytest.raises(ValueError, match="labels: expected 5 bin edges, got 2"):
        png.histogram(counts, ["0", "1"])


def test_unknown_format_and_missing_gradebook(tmp_path):
    with pytest.raises(ValueError, match="--format: expected one of canvas-csv"):
        write_report(tmp_path / "x", "pdf")
    with pytest.raises(ValueError, match="no such gradebook"):
        write_report(tmp_path / "x.sqlite", "canvas-csv")


def test_names():
    from cnnexam.autograder.reports.canvas import sortable_name
    from cnnexam.autograder.reports.data import name_parts

    assert name_parts("Ada Lovelace") == ("Ada", "Lovelace")
    assert name_parts("Lovelace, Ada King") == ("Ada King", "Lovelace")
    assert name_parts("Plato") == ("", "Plato")
    assert name_parts("Martin Luther  King, Jr.") == ("Martin Luther", "King Jr.")
    assert [sortable_name(n) for n in ("Ada Lovelace", "Lovelace, Ada", "Plato", "Martin Luther King, Jr.")] == [
        "Lovelace, Ada", "Lovelace, Ada", "Plato", "King Jr., Martin Luther"]


@pytest.fixture
def lms_book(tmp_path):
    """Three graded students: one from a Canvas download, one from a Moodle folder (its participant id is
    no Canvas user id), one from a plain folder; names and a section that spreadsheets would run."""
    path = tmp_path / "lms.sqlite"
    students = {sid: {"id": sid, "name": name, "email": f"{sid}@example.edu", "section": section,
                      "version_code": "V", "questions": [{"number": 1, "template": "t1", "points": 152.0}]}
                for sid, name, section in (("s1", "=HYPERLINK(\"http://x/\"), Ada", "@SUM(A1)"),
                                           ("s2", "+cmd Ada", "-2+3"), ("s3", "Ada Łovelace 李", "A"))}
    gradebook = Gradebook(path)
    gradebook.bind(SimpleNamespace(sha256="abc", course="C", title="Final", points=152.0, students=students,
                                   templates={"t1": SimpleNamespace(title="Topic")}))
    paths = {"s1": "lovelaceada_1016_6016_s1.ipynb", "s2": "Ada Cmd_987654_assignsubmission_file_/s2.ipynb",
             "s3": "s3.ipynb"}
    for sid, lms_user in (("s1", "1016"), ("s2", "987654"), ("s3", "")):
        row = SlotRow("q1-x", 1, "x", "(a) part", 152.0, 100.0, "partial", "Not right.", None, "1")
        gradebook.record(Outcome(paths[sid], sid * 32, 1, 1.0, "t", "graded", "", sid, sid, lms_user, 100.0, 152.0,
                                 (row,)), "test", "t")
    gradebook.close()
    return path


def test_csv_cells_that_spreadsheets_would_run_are_inert(lms_book):
    canvas = list(csv.reader(io.StringIO(write_report(lms_book, "canvas-csv"))))[2:]
    assert [(r[0], r[1], r[2], r[4]) for r in canvas] == [
        ("'=HYPERLINK(\"http://x/\"), Ada", "1016", "s1", "'@SUM(A1)"),
        ("Ada, +cmd", "", "s2", "'-2+3"),  # the Moodle participant id is no Canvas id
        ("李, Ada Łovelace", "", "s3", "A")]
    moodle = list(csv.reader(io.StringIO(write_report(lms_book, "moodle-csv"))))[1:]
    assert [r[:3] for r in moodle] == [["Ada", "'=HYPERLINK(\"http://x/\")", "s1"], ["'+cmd", "Ada", "s2"],
                                       ["Ada Łovelace", "李", "s3"]]


def test_moodle_warns_when_the_exam_is_worth_more_than_100_points(lms_book, book):
    warnings = []
    write_report(lms_book, "moodle-csv", warn=warnings.append)
    assert warnings == ["the exam is worth 152 points: Moodle refuses a grade above its grade item's maximum (100 "
                        "in an item the import creates), so set the item's maximum grade to 152 before importing"]
    warnings.clear()
    write_report(book, "moodle-csv", warn=warnings.append)
    assert not any("Moodle refuses" in w for w in warnings)


def test_canvas_assignment_id_is_a_number(book):
    with pytest.raises(ValueError, match=r"--assignment-id: expected the number in the assignment's Canvas address "
                                         r"\(.../assignments/NUMBER\), got 'abc'"):
        write_report(book, "canvas-csv", assignment_id="abc")
    with pytest.raises(ValueError, match="--assignment-id: only canvas-csv uses it, not moodle-csv"):
        write_report(book, "moodle-csv", assignment_id="12")


def test_stats_of_a_gradebook_without_graded_submissions(tmp_path):
    gradebook = Gradebook(tmp_path / "g.sqlite")
    gradebook.bind(SimpleNamespace(sha256="x", course="C", title="T", points=1.0, templates={},
                                   students={"a": {"id": "a", "name": "A", "version_code": "V", "questions": []}}))
    gradebook.close()
    text = write_report(tmp_path / "g.sqlite", "stats")
    assert text.startswith("# C: T: class statistics\n\n0 graded of 1 students (0 awaiting review or rejected, "
                           "1 without a submission).")


def test_csv_on_standard_output_is_utf8_whatever_the_console(lms_book, monkeypatch):
    from cnnexam.cli import main

    console = io.TextIOWrapper(io.BytesIO(), encoding="cp1252", newline="\r\n")  # a Windows console
    monkeypatch.setattr("sys.stdout", console)
    assert main(["report", str(lms_book), "--format", "canvas-csv"]) == 0
    console.flush()
    data = console.buffer.getvalue()
    assert "李, Ada Łovelace".encode() in data and b"\r\r\n" not in data and data.count(b"\r\n") == 5


def test_folder_exports_warn_about_files_left_from_an_earlier_export(book, tmp_path):
    for fmt, old in (("gradescope", tmp_path / "gs" / "e" / "results.json"), ("feedback", tmp_path / "fb" / "f.md")):
        old.parent.mkdir(parents=True)
        old.write_text("{}", encoding="utf-8")  # e is flagged now, f handed nothing in
        warnings = []
        write_report(book, fmt, old.parent.parent if fmt == "gradescope" else old.parent, warn=warnings.append)
        assert warnings == [f"1 file in {old.parent.parent if fmt == 'gradescope' else old.parent} left from an "
                            f"earlier export, for students without a current result now: {old}; delete them "
                            "before handing the folder out"]
        warnings.clear()
        write_report(book, fmt, tmp_path / f"{fmt}-fresh", warn=warnings.append)
        assert warnings == []


def test_a_student_is_not_told_the_graders_own_failures(tmp_path):
    from cnnexam.autograder.grade import timed_out_message
    from cnnexam.autograder.reports.feedback import FAILED

    gradebook = Gradebook(tmp_path / "g.sqlite")
    gradebook.bind(SimpleNamespace(sha256="x", course="C", title="T", points=1.0, templates={},
                                   students={s: {"id": s, "name": s.upper(), "version_code": "V", "questions": []}
                                             for s in ("a", "b")}))
    gradebook.record(Outcome("a.ipynb", "a" * 64, 1, 1.0, "t", "rejected", timed_out_message(60), "a"), "test", "t")
    gradebook.record(Outcome("b.ipynb", "b" * 64, 1, 1.0, "t", "rejected", "not a notebook: the JSON is broken",
                             "b"), "test", "t")
    gradebook.close()
    write_report(tmp_path / "g.sqlite", "feedback", tmp_path / "fb")
    assert (tmp_path / "fb" / "a.md").read_text().endswith(FAILED + "\n")
    assert "by hand" not in (tmp_path / "fb" / "a.html").read_text()
    assert (tmp_path / "fb" / "b.md").read_text().endswith("Your file could not be graded: not a notebook: the JSON "
                                                           "is broken.\n")
