"""Format-neutral question blocks: what a question and its worked solution are made of.

Templates build tuples of these; renderers (terminal, notebook, Typst, HTML, LMS) turn them into their
format and never import a template. Prose may hold inline math between ``$...$`` in a small LaTeX subset
(``\\frac``, ``\\lfloor``/``\\rfloor``, ``\\lceil``/``\\rceil``, ``\\times``, ``\\cdot``, ``^``, ``_``, ``\\sqrt``,
Greek letters) that every renderer can translate. Numbers inside matrices and tables are kept as values
(int, Fraction, float) and printed through :func:`cnnexam.model.numbers.fmt` by the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Union

from .numbers import fmt, to_jsonable


@dataclass(frozen=True)
class Text:
    """A paragraph of prose (inline math between ``$...$``)."""

    text: str


@dataclass(frozen=True)
class Math:
    """A displayed formula in the LaTeX subset described in this module's docstring."""

    tex: str


@dataclass(frozen=True)
class Steps:
    """Worked arithmetic in plain text, one step per line (``out[0,0] = 3*0 + 3*1 = 3``); shown monospaced."""

    text: str


@dataclass(frozen=True)
class Matrix:
    """A labelled 2-D grid of numbers, e.g. an input image, a kernel or an upstream gradient.

    ``decimals`` prints floats rounded to that many places; ints and Fractions print exactly.
    """

    label: str
    rows: tuple[tuple[Any, ...], ...]
    decimals: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), len(self.rows[0]) if self.rows else 0)

    def cell_text(self, value) -> str:
        return fmt(value, self.decimals)


@dataclass(frozen=True)
class Tensor:
    """A labelled stack of matrices: the channels of a (C, H, W) input or filter, each one labelled."""

    label: str
    channels: tuple[Matrix, ...]


@dataclass(frozen=True)
class SlotRef:
    """A table cell the student fills in: the answer for slot ``slot``."""

    slot: str


Cell = Union[str, int, SlotRef]


@dataclass(frozen=True)
class Table:
    """A table with a header row; a cell is text, a number, or a :class:`SlotRef` to be answered."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Bullets:
    """An unordered list of short prose items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Code:
    """A code listing (a network definition, a function skeleton)."""

    source: str
    language: str = "python"


@dataclass(frozen=True)
class AnswerBox:
    """Where the answer to slot ``slot`` goes; the slot's answer type says what the box looks like."""

    slot: str


Block = Union[Text, Math, Steps, Matrix, Tensor, Table, Bullets, Code, AnswerBox]

_KIND = {Text: "text", Math: "math", Steps: "steps", Matrix: "matrix", Tensor: "tensor", Table: "table", Bullets: "bullets",
         Code: "code", AnswerBox: "answer", SlotRef: "slot"}


for _cls, _name in _KIND.items():
    _cls.kind = _name  # renderers dispatch on ``block.kind`` ("text", "matrix", ...)


def block_to_json(block) -> dict:
    """A block as a plain dict with a ``type`` key; numbers in matrices become ints, ``"p/q"`` or floats."""
    out: dict[str, Any] = {"type": block.kind}
    for f in fields(block):
        value = getattr(block, f.name)
        if isinstance(block, Tensor) and f.name == "channels":
            out[f.name] = [block_to_json(m) for m in value]
        elif isinstance(block, Table) and f.name == "rows":
            out[f.name] = [[block_to_json(c) if isinstance(c, SlotRef) else to_jsonable(c) for c in row] for row in value]
        else:
            out[f.name] = to_jsonable(value)
    return out


def slots_in(blocks) -> list[str]:
    """The slot ids that ``blocks`` ask for, in order of appearance (answer boxes and table cells)."""
    found: list[str] = []
    for block in blocks:
        if isinstance(block, AnswerBox):
            found.append(block.slot)
        elif isinstance(block, Table):
            found.extend(c.slot for row in block.rows for c in row if isinstance(c, SlotRef))
    return found


__all__ = ["Text", "Math", "Steps", "Matrix", "Tensor", "SlotRef", "Table", "Bullets", "Code", "AnswerBox", "Block",
           "Cell", "block_to_json", "slots_in"]
