"""Shared pieces of every renderer: the Jinja2 environment over the package's template files, and how
a question's blocks are split around its answer slots."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jinja2

from cnnexam.model.blocks import AnswerBox, SlotRef, Table
from cnnexam.model.numbers import fmt
from cnnexam.model.template import Slot, slot_letters

from .paper import Question
from .spectext import escape_markdown, instructions_markdown


@lru_cache(maxsize=None)
def environment(kind: str) -> jinja2.Environment:
    """The Jinja2 environment for one output kind ("md", "typ", "html"); files live in generator/templates."""
    escape = kind == "html"
    env = jinja2.Environment(loader=jinja2.PackageLoader("cnnexam.generator", "templates"),
                             autoescape=escape, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.globals["fmt"] = fmt
    if kind == "md":  # what instructors and rosters supply is escaped; the templates' own text is trusted
        env.filters.update(md=escape_markdown, instructions=instructions_markdown)
    return env


@dataclass(frozen=True)
class SlotView:
    """A slot as printed on a paper: its letter, points, and the variable that holds the answer."""

    slot: Slot
    letter: str
    points: float
    variable: str
    grade_id: str


def slot_views(question: Question) -> dict[str, SlotView]:
    points = question.slot_points
    views = {}
    letters = slot_letters(question.variant.slots)
    for slot in question.variant.slots:
        variable = f"q{question.number}_" + "".join(c if c.isalnum() else "_" for c in slot.id)
        views[slot.id] = SlotView(slot, letters[slot.id], points[slot.id], variable, question.grade_id(slot.id))
    return views


def segments(blocks) -> list[tuple[list, list[str]]]:
    """Split blocks into runs of prompt blocks, each followed by the slots to answer after it."""
    out: list[tuple[list, list[str]]] = []
    current: list = []
    for block in blocks:
        current.append(block)
        if isinstance(block, AnswerBox):
            out.append((current, [block.slot]))
            current = []
        elif isinstance(block, Table):
            refs = [c.slot for row in block.rows for c in row if isinstance(c, SlotRef)]
            if refs:
                out.append((current, refs))
                current = []
    if current:
        out.append((current, []))
    return out
