"""The format-neutral question model: blocks, answer types, templates, variants and grading."""

from .answers import (
    AnswerFormatError,
    AnswerType,
    ArrayAnswer,
    CodeAnswer,
    Credit,
    FractionAnswer,
    IntegerAnswer,
    MultipleChoiceAnswer,
    NumberAnswer,
    ShapeAnswer,
    ShortTextAnswer,
    SingleChoiceAnswer,
    SymbolicAnswer,
    TrueFalseAnswer,
)
from .blocks import AnswerBox, Bullets, Code, Math, Matrix, SlotRef, Steps, Table, Tensor, Text
from .grading import SlotResult, grade_slot, grade_variant, key_as_raw, raw_text
from .template import DIFFICULTIES, HIDDEN_SIZE_WEIGHT, TOPICS, Misconception, Params, Slot, Template, Variant, slot_letters, variant_rng

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"answers", "blocks", "grading", "template", "numbers", "literal"}]
