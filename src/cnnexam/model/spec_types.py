"""Answer types rebuilt from their JSON spec (``AnswerType.spec()``), and the part of a spec a student may see.

``from_spec(t.spec()) == t`` for every answer type: manifests, self-check cells and LMS packages carry a
slot's type as JSON, and this is the one way back. :func:`public_spec` drops the settings that would give
an answer away (the accepted synonyms of a short text, the shape of an array whose shape the prompt does
not state), keeping what is needed to read an answer and say whether its format is right.
"""

from __future__ import annotations

from .answers import (
    AnswerType,
    ArrayAnswer,
    CodeAnswer,
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

TYPES: dict[str, type[AnswerType]] = {t.kind: t for t in (
    IntegerAnswer, NumberAnswer, FractionAnswer, ArrayAnswer, ShapeAnswer, SingleChoiceAnswer,
    MultipleChoiceAnswer, TrueFalseAnswer, ShortTextAnswer, CodeAnswer, SymbolicAnswer)}


def from_spec(spec: dict) -> AnswerType:
    """The answer type described by ``spec`` (``{"kind": ..., <settings>}``); JSON lists become tuples.

    An array spec may give ``ndim`` instead of ``shape`` (see :func:`public_spec`): its shape is then
    unknown and recorded as zeros, which reading an answer never looks at because the shape is not given.
    """
    settings = dict(spec)
    kind = settings.pop("kind", None)
    if kind not in TYPES:
        raise ValueError(f"answer type: unknown kind {kind!r}; expected one of {', '.join(TYPES)}")
    if kind == "array" and "ndim" in settings:
        if settings.get("shape_given", True):
            raise ValueError("answer type array: ndim instead of shape is only possible when shape_given is false")
        settings["shape"] = (0,) * settings.pop("ndim")
    try:
        return TYPES[kind](**{key: _tuples(value) for key, value in settings.items()})
    except TypeError as error:
        raise ValueError(f"answer type {kind}: {error}") from None


def public_spec(answer_type: AnswerType) -> dict:
    """``answer_type.spec()`` without the settings that reveal the answer; ``from_spec`` reads it back into
    a type that parses answers exactly like ``answer_type`` does."""
    spec = answer_type.spec()
    if isinstance(answer_type, ShortTextAnswer):
        spec["accepted"] = []
    if isinstance(answer_type, ArrayAnswer) and not answer_type.shape_given:
        spec["ndim"] = len(spec.pop("shape"))
    return spec


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


__all__ = ["TYPES", "from_spec", "public_spec"]
