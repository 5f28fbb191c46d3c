"""``cnnexam demo [DIR]``: the whole instructor workflow on the built-in example, in one command."""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="generate the example exam for the example class (try this first)",
                                   description="Write the example exam spec and roster to DIR, generate every "
                                               "student's notebook and PDF with keys, and say where to look.")
    parser.add_argument("directory", metavar="DIR", nargs="?", default="cnnexam-demo",
                        help="where to put it (default: ./cnnexam-demo)")
    parser.add_argument("--formats", default="ipynb,pdf", help="comma-separated: ipynb, pdf (default: both)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import argparse
    import sys

    from . import generate, init

    folder = Path(args.directory)
    if (folder / "exam.toml").exists():
        print(f"using the existing {folder / 'exam.toml'} and {folder / 'roster.csv'}")
    else:
        init.run(argparse.Namespace(directory=str(folder), force=False, show_next=False))
    out = folder / "out"
    code = generate.run(argparse.Namespace(spec=str(folder / "exam.toml"), roster=str(folder / "roster.csv"),
                                           out=str(out), formats=args.formats, workers=None,
                                           replace=True))  # the demo's own folder: a new seed starts it over
    if code == 0:
        first = min(path.stem for path in (out / "students").iterdir())  # a notebook, a PDF or both
        print("\nLook at:")
        for what, path in (("a student's notebook", out / "students" / f"{first}.ipynb"),
                           ("the same paper as PDF", out / "students" / f"{first}.pdf"),
                           ("its answer key", out / "instructor" / "keys" / f"{first}.pdf"),
                           ("every key in one table", out / "instructor" / "answer-sheet.pdf"),
                           ("what regrading needs", out / "instructor" / "manifest.json")):
            if path.exists():
                print(f"  {what:<24} {path}")
        print(f"\nEdit {folder / 'exam.toml'} (`cnnexam templates` lists the questions) and run it again.")
    sys.stdout.flush()
    return code
