"""The verbs of the ``cnnexam`` command, one module each.

A command module defines ``add_parser(subparsers)``, which adds its subcommand and sets ``run`` (a
function of the parsed arguments that returns the exit code) as a parser default. ``cnnexam --help``
imports every module listed here, so they import nothing heavy at module level: NumPy, Numba and the
engine are imported inside ``run``.
"""

COMMANDS = ("demo", "init", "generate", "grade", "review", "report", "templates", "preview", "stress", "solve")
