"""Student and solution notebooks (nbformat 4) from one paper: the same cells, answers filled or not.

Prompt cells are locked; each answer slot gets its own code cell holding one assignment
(``q3_output = ...``) with nbgrader-compatible metadata (schema version 3, a unique grade_id, points), so
the autograder reads the value without running anything. The last cell is the self-check
(:mod:`cnnexam.selfcheck`): in exam mode it checks formats only; in practice mode it also carries salted
hashes of the accepted answers. Cell ids are derived from the question and slot, so the same paper always
gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json

from cnnexam.model.grading import raw_text
from cnnexam.model.spec_types import public_spec
from cnnexam.selfcheck import accepted_forms, digest

from .paper import Paper
from .render import environment, segments, slot_views

NBGRADER_SCHEMA = 3
PLACEHOLDER = "..."


def _md(source: str, cell_id: str) -> dict:
    meta = {"deletable": False, "editable": False,
            "nbgrader": {"grade": False, "grade_id": cell_id, "locked": True, "schema_version": NBGRADER_SCHEMA,
                         "solution": False, "task": False}}
    return {"cell_type": "markdown", "id": cell_id, "metadata": meta, "source": source}


def _answer(source: str, view, question_number: int) -> dict:
    meta = {"deletable": False, "editable": True,
            "cnnexam": {"question": question_number, "slot": view.slot.id, "variable": view.variable},
            "nbgrader": {"grade": True, "grade_id": view.grade_id, "locked": False, "points": view.points,
                         "schema_version": NBGRADER_SCHEMA, "solution": True, "task": False}}
    return {"cell_type": "code", "execution_count": None, "id": view.grade_id, "metadata": meta,
            "outputs": [], "source": source}


def answer_source(view, value=None) -> str:
    """The answer cell: a comment saying what to write, then ``variable = <answer or ...>``."""
    shown = PLACEHOLDER if value is None else _python_literal(view, value)
    points = f"{view.points:g} point{'s' if view.points != 1 else ''}"
    return f"# ({view.letter}) {view.slot.label or view.slot.id}, {points}: {view.slot.type.instructions()}\n{view.variable} = {shown}"


def _python_literal(view, value) -> str:
    text = raw_text(view.slot, value)
    if isinstance(text, str) and view.slot.type.kind in {"single-choice", "multiple-choice", "true-false", "short-text", "symbolic"}:
        return text if view.slot.type.kind == "true-false" else json.dumps(text, ensure_ascii=False)
    return text if isinstance(text, str) else json.dumps(text)


def render_notebooks(paper: Paper) -> tuple[dict, dict]:
    """The student notebook and the solution notebook of one paper (prompts are rendered once for both)."""
    env = environment("md")
    blocks_md = env.get_template("blocks.md.j2").module
    prompts = []  # (question, views, [(markdown, slot ids)])
    for q in paper.questions:
        views = slot_views(q)
        parts = []
        for part, (blocks, slot_ids) in enumerate(segments(q.variant.question)):
            text = "\n\n".join(blocks_md.block(b, views) for b in blocks)
            if part == 0:
                text = env.get_template("question_head.md.j2").render(q=q) + text
            parts.append((text.rstrip() + "\n", slot_ids))
        prompts.append((q, views, parts))
    check = _selfcheck_cell(paper, prompts)
    return tuple(_assemble(paper, prompts, solution, env, blocks_md, check) for solution in (False, True))


def render_notebook(paper: Paper, solution: bool = False) -> dict:
    """One of the two notebooks of :func:`render_notebooks`."""
    return render_notebooks(paper)[solution]


def _assemble(paper: Paper, prompts, solution: bool, env, blocks_md, check: dict) -> dict:
    spec = paper.spec
    cells = [_md(env.get_template("header.md.j2").render(paper=paper, spec=spec, solution=solution), "header")]
    for q, views, parts in prompts:
        for part, (text, slot_ids) in enumerate(parts):
            cells.append(_md(text, f"q{q.number}-prompt-{part + 1}"))
            for slot_id in slot_ids:
                value = q.variant.answers[slot_id] if solution else None
                cells.append(_answer(answer_source(views[slot_id], value), views[slot_id], q.number))
        if solution:
            text = "\n\n".join(blocks_md.block(b, views) for b in q.variant.solution)
            cells.append(_md(f"**Worked solution to question {q.number}**\n\n{text}\n", f"q{q.number}-solution"))
    cells.append(check)
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "cnnexam": {"course": spec.course, "exam": spec.title, "spec_sha256": spec.digest, "student_id": paper.student.id,
                    "student_name": paper.student.name, "version_code": paper.version_code, "mode": spec.mode,
                    "solution": solution,
                    "questions": [{"number": q.number, "template": q.template, "variant_id": q.variant.variant_id}
                                  for q in paper.questions]},
    }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _selfcheck_cell(paper: Paper, prompts) -> dict:
    """The locked last cell, the same in both notebooks: every slot's variable and public answer type and,
    in practice mode, salted hashes of its accepted forms (the salt comes from public ids, so it is
    deterministic and reveals nothing new)."""
    practice = paper.spec.mode == "practice"
    slots = []
    for q, views, _ in prompts:
        for view in views.values():
            entry = {"question": q.number, "letter": view.letter, "variable": view.variable,
                     "type": public_spec(view.slot.type)}
            forms = accepted_forms(view.slot.type, q.variant.answers[view.slot.id]) if practice else None
            if forms is not None:
                salt = hashlib.sha256(f"{paper.student.id}\0{q.variant.variant_id}\0{view.slot.id}".encode()).hexdigest()[:16]
                entry.update(salt=salt, hashes=sorted({digest(salt, form) for form in forms}))
            slots.append(entry)
    data = json.dumps({"mode": paper.spec.mode, "slots": slots}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    source = environment("py").get_template("selfcheck.py.j2").render(practice=practice, data=repr(data))
    meta = {"deletable": False, "editable": False,
            "nbgrader": {"grade": False, "grade_id": "selfcheck", "locked": True, "schema_version": NBGRADER_SCHEMA,
                         "solution": False, "task": False}}
    return {"cell_type": "code", "execution_count": None, "id": "selfcheck", "metadata": meta, "outputs": [],
            "source": source.rstrip()}


def notebook_text(notebook: dict) -> str:
    """The notebook as JSON with sorted keys (stable bytes). Written compactly: the indented form nbformat
    uses costs 5x more time per notebook and Jupyter reads both; nothing is re-validated per student."""
    return json.dumps(notebook, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
