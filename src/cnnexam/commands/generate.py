"""``cnnexam generate SPEC --roster ROSTER --out OUT``: every student's paper, the keys and the manifest."""

from __future__ import annotations

import sys

from cnnexam.messages import listed


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("generate", help="generate every student's notebook and PDF, keys and manifest",
                                   description="Turn an exam spec and a roster into an individual paper for every "
                                               "student, answer keys, and a manifest for exact regrading.")
    parser.add_argument("spec", metavar="SPEC", help="exam spec (TOML); `cnnexam init` writes an example")
    parser.add_argument("--roster", required=True, help="roster CSV with columns id, name (email, section optional)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--formats", default="ipynb,pdf", help="comma-separated: ipynb, pdf (default: both)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--replace", action="store_true",
                        help="overwrite an OUT that holds another exam (another master seed)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cnnexam.generator.exam import STAGES, GenerationError, generate_exam, progress_bar
    from cnnexam.generator.spec import load_roster, load_spec

    spec = load_spec(args.spec)
    students = load_roster(args.roster)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be at least 1")
    try:
        summary = generate_exam(spec, students, args.out, formats, args.workers, progress_bar(sys.stderr), args.replace)
    except GenerationError as error:
        print(f"\ncnnexam: error: {error}", file=sys.stderr)
        return 1
    stages = ", ".join(f"{name} {summary['stage_seconds'].get(name, 0.0):.1f} s" for name in STAGES)
    students, workers = summary["students"], summary["workers"]
    questions = summary["questions"]
    print(f"{students} student{'s' * (students != 1)} x {questions} question{'s' * (questions != 1)}: {summary['files']} files "
          f"in {args.out} in {summary['seconds']:.1f} s ({workers} worker{'s' * (workers != 1)}; CPU time: {stages})")
    stale = summary["stale"]
    if stale:
        print(f"cnnexam: warning: {len(stale)} file{'s' if len(stale) > 1 else ''} in {args.out} not written by this "
              f"run, left from an earlier one (a student no longer on the roster, or another spec): {listed(stale, 5)}; "
              "delete them before handing out the folder", file=sys.stderr)
    missing = summary["missing_glyphs"]
    if missing:
        where = [f"the names or ids of {len(missing['students'])} student{'s' if len(missing['students']) > 1 else ''} "
                 f"({listed(missing['students'], 10)})"] if missing["students"] else []
        where += ["the spec's text"] if missing["spec"] else []
        print(f"cnnexam: warning: the PDF fonts have no glyphs for {listed(missing['characters'], 12)}, which "
              f"print as empty boxes in {' and '.join(where)}; the notebooks show them", file=sys.stderr)
    return 0
