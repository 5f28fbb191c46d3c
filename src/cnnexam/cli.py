"""The ``cnnexam`` command: a thin parser that hands each verb to its module in ``cnnexam.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnexam",
        description="Randomized exams on convolutional neural networks: generate, solve and grade.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").add_parser(verbs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``cnnexam`` with ``argv`` (default: the process's arguments) and return the exit code.

    Usage errors and bad values (``ValueError`` from the engine or a command) print
    ``cnnexam: error: ...`` and return 2; a file that cannot be read or written (``OSError``) does the
    same and returns 1.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors, already printed by argparse
        return 0 if stop.code is None else int(stop.code)
    try:
        return args.run(args)
    except ValueError as error:
        print(f"cnnexam: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `cnnexam preview ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except OSError as error:  # the commands check their usual paths; this catches the rest (a full disk, ...)
        from .generator.folders import describe

        message = describe(error)
        out = getattr(args, "out", None)
        if out and message.startswith(f"{out}: "):  # say which option named the path
            message = f"--out {message}"
        print(f"cnnexam: error: {message}", file=sys.stderr)
        return 1
