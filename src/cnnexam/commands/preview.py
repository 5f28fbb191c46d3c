"""``cnnexam preview ID``: one variant with its question, answer key, worked solution and misconceptions."""

from __future__ import annotations

import json


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("preview", help="show one variant of a template with its key and worked solution",
                                   description="Show one variant of a template: question, answer key, worked "
                                               "solution and misconceptions.")
    parser.add_argument("template", metavar="ID", help="template id (see `cnnexam templates`)")
    parser.add_argument("--seed", type=int, default=0, help="variant seed (default 0)")
    parser.add_argument("--difficulty", help="easy, medium or hard (default: the template's middle level)")
    parser.add_argument("--json", action="store_true", help="print the variant as JSON")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cnnexam.generator.text import render_variant
    from cnnexam.templates import get_template

    try:
        template = get_template(args.template)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    variant = template.variant(args.seed, args.difficulty)
    if args.json:
        print(json.dumps(variant.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_variant(variant))
    return 0
