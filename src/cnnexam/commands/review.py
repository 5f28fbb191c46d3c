"""``cnnexam review DB``: list the flagged submissions of a gradebook, and accept, set aside or restore one."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "review", help="list flagged submissions; accept, set aside or restore one",
        description="Without an action, list the gradebook's flagged submissions (id, student, score, path: why "
                    "it was flagged) and the ones set aside. --accept ID confirms a flagged submission: it becomes "
                    "graded and counts if it is the student's newest confirmed submission. --set-aside ID makes "
                    "any submission never count, until --restore ID. Each decision is recorded with the note and "
                    "the time, and a rerun of `cnnexam grade` keeps it.")
    parser.add_argument("db", metavar="DB", help="gradebook written by `cnnexam grade`")
    parser.add_argument("--accept", metavar="ID", help="accept the flagged submission ID")
    parser.add_argument("--student", metavar="SID",
                        help="with --accept: attribute the submission to this roster student instead")
    parser.add_argument("--set-aside", metavar="ID", help="submission ID never counts")
    parser.add_argument("--restore", metavar="ID", help="submission ID, set aside before, counts again")
    parser.add_argument("--note", default="", help="why (recorded with the decision)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cnnexam.autograder import review

    actions = [(option, value) for option, value in
               (("--accept", args.accept), ("--set-aside", args.set_aside), ("--restore", args.restore))
               if value is not None]
    if len(actions) > 1:
        raise ValueError(f"give one of --accept, --set-aside and --restore, not {' and '.join(o for o, _ in actions)}")
    if args.student is not None and args.accept is None:
        raise ValueError("--student goes with --accept ID")
    if args.note and not actions:
        raise ValueError("--note goes with --accept, --set-aside or --restore")
    if actions:
        option, value = actions[0]
        submission = review.submission_id(value, option)  # checked before the gradebook is opened
    book = review.open_gradebook(args.db)
    try:
        if not actions:
            print(review.format_listing(review.listing(book), args.db), end="")
        elif option == "--accept":
            print(review.accept(book, submission, args.student, args.note))
        elif option == "--set-aside":
            print(review.set_aside(book, submission, args.note))
        else:
            print(review.restore(book, submission, args.note))
    finally:
        book.close()
    return 0
