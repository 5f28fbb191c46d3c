"""``cnnexam init DIR``: an example exam spec (12 questions, commented) and a roster of 30 students."""

from __future__ import annotations

import re
import secrets
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("init", help="write an example exam spec and roster to start from",
                                   description="Write DIR/exam.toml (a commented 12-question midterm) and "
                                               "DIR/roster.csv (30 students) to start from.")
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(run=run)


def run(args) -> int:
    from importlib.resources import files

    from cnnexam.generator.folders import make_folders

    target = Path(args.directory)
    names = ("exam.toml", "roster.csv")
    existing = [n for n in names if (target / n).exists()]
    if existing and not args.force:
        raise ValueError(f"{target / existing[0]} already exists (use --force to overwrite)")
    make_folders(target)
    examples = files("cnnexam.generator") / "examples"
    spec = (examples / "exam.toml").read_text(encoding="utf-8")
    # A fresh random master seed: a guessable one (a date) would let students search for it.
    spec = re.sub(r"(?m)^seed = \d+", f"seed = {secrets.randbits(62)}", spec, count=1)
    (target / "exam.toml").write_text(spec, encoding="utf-8")
    (target / "roster.csv").write_bytes((examples / "roster.csv").read_bytes())
    print(f"wrote {target / 'exam.toml'} and {target / 'roster.csv'}")
    if getattr(args, "show_next", True):  # demo runs that next step itself
        print(f"next: cnnexam generate {target / 'exam.toml'} --roster {target / 'roster.csv'} --out {target / 'out'}")
    return 0
