"""Per-student feedback: ``OUT/<student id>.md`` and ``OUT/<student id>.html`` for every student who
handed something in. Each file holds that student's own results only: the score per question and, for each
answer, what was wrong (with the misconception it matches and how to fix it) and the answer as it was read.
Everything that comes from a submission is escaped: in HTML by autoescaping, in Markdown by backslash
escapes and code fences longer than any run of backticks in the answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .data import Book, StudentRecord, number

REVIEW = "Your submission needs a review by your instructor before it is graded."
FAILED = "The grader failed on your file; your instructor will look into it."
# How the grader's own failures begin (a crash, or its time limit): the student is not told the details.
GRADER_FAILURES = ("the grader could not grade", "grading took longer than")

_HTML = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ book.title }}: feedback for {{ s.name }}</title>
<style>body{font-family:sans-serif;max-width:50em;margin:auto}pre{background:#f4f4f4;padding:.4em;white-space:pre-wrap}
.correct{color:#176117}.partial{color:#8a5a00}.wrong,.missing,.format-error,.error{color:#9b1c1c}</style></head>
<body>
<h1>{{ book.course }}: {{ book.title }}</h1>
<p>Feedback for <strong>{{ s.name }}</strong> ({{ s.id }})</p>
{% if note %}
<p>{{ note }}</p>
{% else %}
<p><strong>Score: {{ number(s.current.score) }} of {{ number(s.current.max) }} points</strong></p>
{% for q in s.questions %}
<h2>Question {{ q.number }}: {{ q.title }} ({{ number(scores[q.number]) }} of {{ number(q.points) }} points)</h2>
<ul>
{% for r in slots[q.number] %}
<li class="{{ r.status }}"><strong>{{ r.label }}</strong> ({{ number(r.earned) }} of {{ number(r.points) }}): {{ r.feedback }}
{% if r.answer %}<br>Your answer:<pre>{{ r.answer }}</pre>{% endif %}
</li>
{% endfor %}
</ul>
{% endfor %}
{% endif %}
</body>
</html>
""")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#!])")


def md_text(text: str) -> str:
    """Text safe inside a Markdown paragraph: one line, every character Markdown could act on escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_code(text: str) -> str:
    """A fenced code block that nothing inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def note_for(student: StudentRecord) -> str:
    """What a student without a graded submission is told (never another student's data)."""
    current = student.current
    assert current is not None
    if current.status == "flagged":
        return REVIEW
    if current.status == "rejected":
        if current.message.startswith(GRADER_FAILURES):
            return FAILED
        return f"Your file could not be graded: {current.message}."
    return ""


def markdown(book: Book, s: StudentRecord) -> str:
    lines = [f"# {md_text(book.course)}: {md_text(book.title)}", "",
             f"Feedback for **{md_text(s.name)}** ({md_text(s.id)})", ""]
    note = note_for(s)
    if note:
        return "\n".join([*lines, md_text(note), ""])
    scores = s.question_scores()
    lines += [f"**Score: {number(s.current.score)} of {number(s.current.max)} points**", ""]
    for q in s.questions:
        lines += [f"## Question {q.number}: {md_text(q.title)} ({number(scores[q.number])} of {number(q.points)} points)", ""]
        for r in (r for r in s.current.slots if r.question == q.number):
            lines.append(f"- **{md_text(r.label)}** ({number(r.earned)} of {number(r.points)}): {md_text(r.feedback)}")
            if r.answer:
                lines += ["  Your answer:", "", *("  " + line for line in md_code(r.answer).split("\n"))]
            lines.append("")
    return "\n".join(lines)


def html(book: Book, s: StudentRecord) -> str:
    note = note_for(s)
    slots: dict[int, list] = {}
    for r in s.current.slots if not note else ():
        slots.setdefault(r.question, []).append(r)
    return _HTML.render(book=book, s=s, note=note, scores=s.question_scores(), slots=slots, number=number)


def files(out: Path, student_id: str) -> list[Path]:
    """The files this export writes for a student."""
    return [out / f"{student_id}.md", out / f"{student_id}.html"]


def write(book: Book, out: Path) -> set[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = set()
    for student in book.students:
        if student.current is None:
            continue
        md, page = files(out, student.id)
        md.write_text(markdown(book, student), encoding="utf-8")
        page.write_text(html(book, student), encoding="utf-8")
        written |= {md, page}
    return written
