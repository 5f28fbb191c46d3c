"""Answer types rebuilt from JSON: exact round trips over the catalog, and public specs that read answers
alike without giving them away."""

import json

import pytest

from cnnexam.model import ArrayAnswer, IntegerAnswer, ShortTextAnswer, SymbolicAnswer
from cnnexam.model.grading import key_as_raw
from cnnexam.model.spec_types import TYPES, from_spec, public_spec
from cnnexam.templates import all_templates


def catalog_variants():
    for template in all_templates().values():
        for difficulty in template.difficulties:
            yield template.variant(5, difficulty)


def test_every_catalog_type_round_trips_through_json():
    kinds = set()
    for variant in catalog_variants():
        for slot in variant.slots:
            spec = json.loads(json.dumps(slot.type.spec()))
            assert from_spec(spec) == slot.type
            kinds.add(slot.type.kind)
    assert kinds >= {"integer", "number", "fraction", "array", "shape", "single-choice", "multiple-choice",
                     "true-false", "short-text", "symbolic"}


def test_public_specs_read_the_key_alike_and_hide_it():
    for variant in catalog_variants():
        raw = key_as_raw(variant)
        for slot in variant.slots:
            spec = public_spec(slot.type)
            public = from_spec(json.loads(json.dumps(spec)))
            assert public.parse(raw[slot.id]) == slot.type.parse(raw[slot.id])
            assert public.instructions() == slot.type.instructions()
            if slot.type.kind == "short-text":
                assert spec["accepted"] == [] and raw[slot.id] not in json.dumps(spec)
            if slot.type.kind == "array" and not slot.type.shape_given:
                assert "shape" not in spec and spec["ndim"] == len(slot.type.shape)


def test_public_spec_examples():
    assert public_spec(ShortTextAnswer(accepted=("LeNet", "LeNet-5"))) == {"kind": "short-text", "accepted": []}
    assert public_spec(ArrayAnswer(shape=(2, 3))) == {"kind": "array", "shape": [2, 3], "element": "integer",
                                                      "decimals": None, "shape_given": True}
    hidden = ArrayAnswer(shape=(4, 4), element="fraction", shape_given=False)
    assert from_spec(public_spec(hidden)) == ArrayAnswer(shape=(0, 0), element="fraction", shape_given=False)
    formula = SymbolicAnswer(("n", "f"), ((5, 3), (7, 1)))
    assert from_spec(json.loads(json.dumps(public_spec(formula)))) == formula


@pytest.mark.parametrize("spec, message", [
    ({"kind": "matrix"}, "answer type: unknown kind 'matrix'; expected one of " + ", ".join(TYPES)),
    ({}, "answer type: unknown kind None; expected one of " + ", ".join(TYPES)),
    ({"kind": "array", "ndim": 2}, "answer type array: ndim instead of shape is only possible when shape_given is false"),
    ({"kind": "integer", "decimals": 2}, "answer type integer: IntegerAnswer.__init__() got an unexpected keyword argument 'decimals'"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ValueError) as error:
        from_spec(spec)
    assert str(error.value) == message


def test_from_spec_does_not_change_its_argument():
    spec = {"kind": "integer"}
    assert from_spec(spec) == IntegerAnswer() and spec == {"kind": "integer"}
