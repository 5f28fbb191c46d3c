"""Plain-text rendering of question blocks, for the terminal (``cnnexam preview``)."""

from __future__ import annotations

import textwrap
from typing import Iterable

from cnnexam.model.answers import MultipleChoiceAnswer, SingleChoiceAnswer
from cnnexam.model.blocks import AnswerBox, Bullets, Code, Math, Matrix, SlotRef, Steps, Table, Tensor, Text
from cnnexam.model.numbers import fmt
from cnnexam.model.template import Slot, Variant

WIDTH = 88


def render_blocks(blocks: Iterable, slots: dict[str, Slot] | None = None) -> str:
    slots = slots or {}
    parts = [_block(b, slots) for b in blocks]
    return "\n\n".join(p for p in parts if p)


def _block(block, slots: dict[str, Slot]) -> str:
    if isinstance(block, Text):
        return textwrap.fill(block.text, WIDTH)
    if isinstance(block, Math):
        return textwrap.indent(block.tex, "    ")
    if isinstance(block, Steps):
        return textwrap.indent(block.text, "    ")
    if isinstance(block, Matrix):
        return matrix_text(block)
    if isinstance(block, Tensor):
        return block.label + ":\n" + textwrap.indent("\n\n".join(matrix_text(m) for m in block.channels), "  ")
    if isinstance(block, Table):
        return table_text(block)
    if isinstance(block, Bullets):
        return "\n".join(textwrap.fill(item, WIDTH, initial_indent="  - ", subsequent_indent="    ") for item in block.items)
    if isinstance(block, Code):
        return textwrap.indent(block.source.rstrip(), "    ")
    if isinstance(block, AnswerBox):
        return answer_box_text(slots.get(block.slot), block.slot)
    raise TypeError(f"cannot render {type(block).__name__}")


def matrix_text(matrix: Matrix) -> str:
    cells = [[matrix.cell_text(v) for v in row] for row in matrix.rows]
    width = max((len(c) for row in cells for c in row), default=1)
    lines = ["  [" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]
    return f"{matrix.label}:\n" + "\n".join(lines)


def table_text(table: Table) -> str:
    def cell(c) -> str:
        return f"[{c.slot}]" if isinstance(c, SlotRef) else (c if isinstance(c, str) else fmt(c))

    rows = [list(table.header)] + [[cell(c) for c in row] for row in table.rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(table.header))]
    line = lambda r: " | ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
    out = [line(rows[0]), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows[1:]]
    return (table.caption + "\n" if table.caption else "") + "\n".join(out)


def answer_box_text(slot: Slot | None, slot_id: str) -> str:
    if slot is None:
        return f"  [answer {slot_id}]"
    lines = [f"  [answer {slot.id}, {slot.points:g} pt: {slot.type.instructions()}]"]
    if isinstance(slot.type, (SingleChoiceAnswer, MultipleChoiceAnswer)):
        lines += [f"    {chr(65 + i)}) {option}" for i, option in enumerate(slot.type.options)]
    return "\n".join(lines)


def render_variant(variant: Variant, *, key: bool = True, solution: bool = True, misconceptions: bool = True) -> str:
    slots = {s.id: s for s in variant.slots}
    head = f"{variant.title}  [{variant.template} v{variant.version}, {variant.difficulty}, seed {variant.seed}, {variant.points:g} pt]"
    parts = [head, "=" * min(len(head), WIDTH), render_blocks(variant.question, slots)]
    if key:
        parts += ["", "Answer key", "----------"]
        parts += [f"{s.id} ({s.label}): {s.type.format(variant.answers[s.id])}" for s in variant.slots]
    if solution:
        parts += ["", "Worked solution", "---------------", render_blocks(variant.solution, slots)]
    if misconceptions and variant.misconceptions:
        parts += ["", "Misconceptions", "--------------"]
        for m in variant.misconceptions:
            answers = "; ".join(f"{k} = {slots[k].type.format(v)}" for k, v in m.answers.items())
            parts.append(f"{m.name}: {m.description} -> {answers}")
    return "\n".join(parts)
