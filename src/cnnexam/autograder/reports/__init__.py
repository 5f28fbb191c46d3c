"""Reports made from a gradebook: LMS grade imports, per-student feedback and class statistics.

One module per format, each reading the gradebook through :mod:`.data`: the CSVs are rendered as text
(for standard output or one file), gradescope and feedback write a file per student into a folder, and
stats returns its Markdown or writes it with its JSON and histogram into a folder.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("canvas-csv", "moodle-csv", "gradescope", "feedback", "stats")
FOLDER_FORMATS = ("gradescope", "feedback")


def write_report(db: str | Path, fmt: str, out: str | Path | None = None, assignment_id: str = "") -> str | None:
    """Write report ``fmt`` of the gradebook ``db`` to ``out``; without ``out``, return single-file text."""
    from . import canvas, feedback, gradescope, moodle, stats
    from .data import load_book

    if fmt not in FORMATS:
        raise ValueError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt in FOLDER_FORMATS and out is None:
        raise ValueError(f"--format {fmt} writes a folder with a file per student: give --out DIR")
    book = load_book(db)
    if fmt == "canvas-csv":
        text = canvas.render(book, assignment_id)
    elif fmt == "moodle-csv":
        text = moodle.render(book)
    elif fmt == "stats":
        return stats.write(book, Path(out) if out is not None else None)
    else:
        (gradescope if fmt == "gradescope" else feedback).write(book, Path(out))
        return None
    if out is None:
        return text
    Path(out).write_text(text, encoding="utf-8", newline="")
    return None
