"""``cnnexam stress [ID ...] --seeds N``: every template over N seeds; non-zero exit on any problem."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("stress", help="stress-test templates over many seeds",
                                   description="Build N variants of each template and check keys, misconceptions, "
                                               "malformed answers, choices and variety; exit 1 on any problem.")
    parser.add_argument("templates", metavar="ID", nargs="*", help="template ids (default: all)")
    parser.add_argument("--seeds", type=int, default=200, help="seeds per template (default 200)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import textwrap

    from cnnexam.model.stress import stress
    from cnnexam.templates import all_templates, get_template

    if args.seeds < 1:
        raise ValueError("--seeds must be at least 1")
    try:
        templates = [get_template(t) for t in args.templates] if args.templates else list(all_templates().values())
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    width = max(len(t.id) for t in templates)
    header = f"{'template':<{width}}  {'seeds':>5} {'fail':>4} {'ms/var':>7} {'distinct':>8} {'same%':>6} " \
             f"{'key':>3} {'misc':>4} {'bad':>3}  answer spread"
    print(header)
    print("-" * len(header))
    failed = []
    for template in templates:
        r = stress(template, args.seeds, args.start)
        misc = r.misconception_scores_full + r.misconception_not_recognised
        bad = r.malformed_crashes + r.malformed_scored
        spread = "; ".join(f"{k}: {v}" for k, v in r.spread.items())
        print(f"{r.template:<{width}}  {r.seeds:>5} {r.failures:>4} {r.ms_per_variant:>7.2f} {r.distinct:>8} "
              f"{100 * r.same_pairs:>6.2f} {r.key_not_full:>3} {misc:>4} {bad:>3}  {spread[:80]}")
        if not r.ok:
            failed.append(r)
    print("\n" + textwrap.fill(
        "fail: variants that could not be built; distinct: different variants; same%: share of seed pairs of one "
        "difficulty giving the same variant; key: keys not graded full marks; misc: misconceptions scored full or "
        "not recognised; bad: malformed answers that crashed or scored. fail, key, misc and bad must be 0, same% at "
        "most 5.", 100) + "\n")
    for r in failed:
        print(f"PROBLEMS in {r.template}:")
        for p in r.problems:
            print(f"  - {p}")
    print(f"{len(templates) - len(failed)} of {len(templates)} templates passed ({args.seeds} seeds each)")
    return 1 if failed else 0
