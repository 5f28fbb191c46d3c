"""Reports made from a gradebook: LMS grade imports, per-student feedback and class statistics.

One module per format, each reading the gradebook through :mod:`.data`: the CSVs are rendered as text
(for standard output or one file), gradescope and feedback write a file per student into a folder, and
stats returns its Markdown or writes it with its JSON and histogram into a folder. What the grader should
know about an export (students left out of it, files left from an earlier export) goes to ``warn``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from cnnexam.messages import listed

FORMATS = ("canvas-csv", "moodle-csv", "gradescope", "feedback", "stats")
FOLDER_FORMATS = ("gradescope", "feedback")


def write_report(db: str | Path, fmt: str, out: str | Path | None = None, assignment_id: str = "",
                 warn: Callable[[str], None] = lambda message: None) -> str | None:
    """Write report ``fmt`` of the gradebook ``db`` to ``out``; without ``out``, return single-file text."""
    from . import canvas, feedback, gradescope, moodle, stats
    from .data import load_book, without_grade

    if fmt not in FORMATS:
        raise ValueError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt in FOLDER_FORMATS and out is None:
        raise ValueError(f"--format {fmt} writes a folder with a file per student: give --out DIR")
    if assignment_id and fmt != "canvas-csv":
        raise ValueError(f"--assignment-id: only canvas-csv uses it, not {fmt}")
    book = load_book(db)
    if fmt == "stats":
        return stats.write(book, Path(out) if out is not None else None)
    if fmt in FOLDER_FORMATS:
        module = gradescope if fmt == "gradescope" else feedback
        written = module.write(book, Path(out))
        stale = [str(p) for s in book.students for p in module.files(Path(out), s.id) if p.exists() and p not in written]
        if stale:
            warn(f"{len(stale)} file{'s' if len(stale) > 1 else ''} in {out} left from an earlier export, for "
                 f"students without a current result now: {listed(stale, 5)}; delete them before handing the "
                 "folder out")
        return None
    text = canvas.render(book, assignment_id) if fmt == "canvas-csv" else moodle.render(book)
    if out is not None:
        Path(out).write_text(text, encoding="utf-8", newline="")
    missing = without_grade(book)
    if missing:
        count = sum(len(ids) for ids in missing.values())
        warn(f"{count} student{'s' if count > 1 else ''} without a grade left out, so the LMS keeps what it has "
             f"for them: " + "; ".join(f"{reason}: {listed(ids, 8)}" for reason, ids in missing.items())
             + ("; `cnnexam review` decides flagged submissions" if "awaiting review" in missing else ""))
    if fmt == "moodle-csv" and book.points > moodle.NEW_ITEM_MAXIMUM:
        warn(f"the exam is worth {moodle.number(book.points)} points: Moodle refuses a grade above its grade "
             f"item's maximum (100 in an item the import creates), so set the item's maximum grade to "
             f"{moodle.number(book.points)} before importing")
    return text if out is None else None
