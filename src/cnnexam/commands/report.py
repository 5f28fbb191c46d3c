"""``cnnexam report DB --format FORMAT``: LMS grade imports, feedback and statistics from a gradebook."""

from __future__ import annotations

from cnnexam.autograder.reports import FORMATS  # a tuple of names: importing it loads nothing heavy


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="export grades (Canvas, Moodle, Gradescope), feedback and class statistics",
        description="Report from a gradebook. canvas-csv and moodle-csv go to standard output unless --out is "
                    "given; gradescope (OUT/<id>/results.json) and feedback (OUT/<id>.md and .html) write a "
                    "folder; stats prints a summary, or with --out writes stats.md, stats.json and histogram.png. "
                    "Only each student's newest submission counts, and only when it was graded (not flagged or "
                    "rejected; `cnnexam review` accepts a flagged one or sets one aside). The CSVs list only the "
                    "students with a grade, so the LMS keeps what it has for the others; they are matched by "
                    "the roster id (Canvas SIS User ID, Moodle ID number) or, in Moodle, the email address.")
    parser.add_argument("db", metavar="DB", help="gradebook written by `cnnexam grade`")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", help="output file (CSV formats) or folder (the others)")
    parser.add_argument("--assignment-id", default="",
                        help="canvas-csv: the Canvas assignment id, the number in the assignment's address "
                             "(without it Canvas creates a new assignment)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import sys

    from cnnexam.autograder.reports import write_report

    def warn(message: str) -> None:
        print(f"cnnexam: warning: {message}", file=sys.stderr)

    text = write_report(args.db, args.format, args.out, args.assignment_id, warn)
    if text is not None:
        # UTF-8 bytes as they are, whatever the console's encoding: the LMS reads the file as UTF-8, and the
        # CSV's own \r\n must not become \r\r\n on Windows
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
    elif args.out:
        print(f"wrote {args.format} to {args.out}", file=sys.stderr)
    return 0
