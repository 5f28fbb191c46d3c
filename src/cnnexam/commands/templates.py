"""``cnnexam templates``: the question catalog, one line per template (or JSON)."""

from __future__ import annotations

import json


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("templates", help="list the question templates",
                                   description="List every question template: id, topic, answer types, difficulties.")
    parser.add_argument("--json", action="store_true", help="print the catalog as JSON")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cnnexam.templates import all_templates

    rows = [{"id": t.id, "title": t.title, "topic": t.topic, "version": t.version,
             "answer_types": list(t.answer_kinds), "difficulties": list(t.difficulties), "summary": t.summary}
            for t in all_templates().values()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows)
    topic = None
    for r in rows:
        if r["topic"] != topic:
            topic = r["topic"]
            print(f"\n{topic}")
        print(f"  {r['id']:<{width}}  {r['title']}  [{', '.join(r['answer_types'])}; {'/'.join(r['difficulties'])}]")
    print(f"\n{len(rows)} templates")
    return 0
