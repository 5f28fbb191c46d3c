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
        gradebook.record(Outcome(f"{sid}.ipynb", sid * 64, 1, 1.0, "t", status, "locked cell q1-prompt-1 was edited"
                                 if sid == "e" else "", sid, sid, "4711" if sid == "a" else "", float(sum(scores)),
                                 7.0, rows), "test", "t")
    gradebook.close()
    return path


def test_canvas_csv(book, tmp_path):
    text = write_report(book, "canvas-csv", assignment_id="123")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Midterm (123)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "7"
    assert rows[2:] == [["Lovelace, Ada", "4711", "a", "", "A", "7"], ["Turing, Alan", "", "b", "", "A", "3"],
                        ["<b>Hopper</b>, Grace", "", "c", "", "A", "3"], ["Dijkstra, Edsger", "", "d", "", "A", "1"],
                        ["Noether, Emmy", "", "e", "", "A", ""], ["Rosenblatt, Frank", "", "f", "", "A", ""]]
    assert write_report(book, "canvas-csv", tmp_path / "canvas.csv") is None
    assert (tmp_path / "canvas.csv").read_bytes().decode() == write_report(book, "canvas-csv")
    assert list(csv.reader(io.StringIO(write_report(book, "canvas-csv"))))[0][5] == "Midterm"  # a new assignment


def test_moodle_csv(book):
    rows = list(csv.DictReader(io.StringIO(write_report(book, "moodle-csv"))))
    assert list(rows[0]) == ["First name", "Surname", "ID number", "Email address", "Midterm", "Midterm (feedback)"]
    assert rows[1] == {"First name": "Alan", "Surname": "Turing", "ID number": "b", "Email address": "b@example.edu",
                       "Midterm": "3", "Midterm (feedback)": "Q1 2/2; Q2 1/4; Q3 0/1"}
    assert [(r["ID number"], r["Midterm"]) for r in rows] == [("a", "7"), ("b", "3"), ("c", "3"), ("d", "1"),
                                                              ("e", ""), ("f", "")]


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
    assert "Question 2: Topic 2 (2 of 4 points)" in html and "Misconception: <em>forgot-bias</em>" in html
    md = (tmp_path / "c.md").read_text()
    assert [line for line in md.splitlines() if "<script>" in line] == ["  " + HOSTILE]  # in the fence only
    assert "````text\n  " + HOSTILE + "\n  ````" in md  # a fence longer than the answer's ```
    assert "Grace \\<b\\>Hopper\\</b\\>" in md
    assert "Misconception: *forgot\\-bias*" not in md and "Misconception: *forgot-bias*" in md
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


def test_moodle_names():
    from cnnexam.autograder.reports.moodle import split_name

    assert split_name("Ada Lovelace") == ("Ada", "Lovelace")
    assert split_name("Lovelace, Ada King") == ("Ada King", "Lovelace")
    assert split_name("Plato") == ("", "Plato")


def test_stats_of_a_gradebook_without_graded_submissions(tmp_path):
    gradebook = Gradebook(tmp_path / "g.sqlite")
    gradebook.bind(SimpleNamespace(sha256="x", course="C", title="T", points=1.0, templates={},
                                   students={"a": {"id": "a", "name": "A", "version_code": "V", "questions": []}}))
    gradebook.close()
    text = write_report(tmp_path / "g.sqlite", "stats")
    assert text.startswith("# C: T: class statistics\n\n0 graded of 1 students (0 awaiting review or rejected, "
                           "1 without a submission).")
