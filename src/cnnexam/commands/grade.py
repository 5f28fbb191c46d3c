"""``cnnexam grade EXAM_OUT SUBMISSIONS``: grade every handed-in notebook into the gradebook."""

from __future__ import annotations

import sys

SHOWN = 20  # flagged and rejected submissions listed after the summary


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade handed-in notebooks into a gradebook (SQLite)",
        description="Grade a class's notebooks: a folder of .ipynb files (any depth, e.g. Moodle's folder per "
                    "student) or the zip an LMS hands out. Nothing a student wrote is run. A rerun grades only new "
                    "or changed files; a student's newest submission counts and older ones are kept as history.")
    parser.add_argument("exam_out", metavar="EXAM_OUT", help="the folder `cnnexam generate --out` wrote")
    parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder of notebooks, or a zip of them")
    parser.add_argument("--db", help="gradebook file (default: EXAM_OUT/grades.sqlite)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from cnnexam.autograder.grade import grade_class

    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be at least 1")
    db = Path(args.db) if args.db else Path(args.exam_out) / "grades.sqlite"
    summary = grade_class(args.exam_out, args.submissions, db, args.workers, _progress(sys.stderr))
    done = summary.graded + summary.flagged + summary.rejected
    rate = f", {done / summary.seconds:.0f} submissions/s" if done and summary.seconds else ""
    print(f"graded {summary.graded}, flagged {summary.flagged}, rejected {summary.rejected}, skipped "
          f"{summary.skipped} (already in the gradebook) in {summary.seconds:.1f} s ({summary.workers} "
          f"worker{'s' if summary.workers != 1 else ''}{rate}); gradebook: {db}")
    if summary.ignored:
        print(f"ignored {len(summary.ignored)} file(s) that are not notebooks, e.g. {summary.ignored[0]}")
    for warning in summary.warnings:
        print(f"cnnexam: warning: {warning}", file=sys.stderr)
    for path, status, message in summary.attention[:SHOWN]:
        print(f"  {status}: {path}: {message}")
    if len(summary.attention) > SHOWN:
        print(f"  ... and {len(summary.attention) - SHOWN} more (see the submissions table of the gradebook)")
    return 0


def _progress(stream):
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        stream.write(f"\r{done}/{total} submissions")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
