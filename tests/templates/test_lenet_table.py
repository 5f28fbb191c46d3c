"""lenet-table: the slides' table as one instance, keys against the loop oracle, realizable networks,
blanks per difficulty and the misconceptions."""

import pytest
from net_oracle import walk

from cnnexam.model import SlotRef, Table
from cnnexam.templates import _arch as arch
from cnnexam.templates.lenet_table import (
    CLASSES,
    COLUMNS,
    DENSE,
    FC3,
    FC4,
    LEVELS,
    SPATIAL,
    TEMPLATE,
    LeNetTableParams,
    cell,
)

ALL_BLANKS = tuple(cell(n, c) for n in SPATIAL for c in COLUMNS) + tuple(cell(n, "params") for n in DENSE)
SLIDES = LeNetTableParams(
    (3, 32, 32),
    (arch.Conv("CONV1", 8, 5, 1, 0), arch.MaxPool("POOL1", 2, 2), arch.Conv("CONV2", 16, 5, 1, 0),
     arch.MaxPool("POOL2", 2, 2), arch.Flatten(), arch.Linear("FC3", 120), arch.Linear("FC4", 84),
     arch.Linear("SOFTMAX", 10)),
    ALL_BLANKS,
)


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


def test_slides_table():
    # seeds/004 "Neural network example", shapes written (C, H, W). Checked by hand: 5*5*3*8 + 8 = 608,
    # 5*5*8*16 + 16 = 3216, 400*120 + 120 = 48120, 120*84 + 84 = 10164, 84*10 + 10 = 850. This copy of
    # the table is right; the widely copied original has 208 and 416 for the convolutions (5*5 + 1 per
    # filter, leaving out the input channels) and 48001, 10081, 841 for the dense layers (one bias per
    # layer), which the misconceptions below reproduce.
    expected = {
        "conv1": ((8, 28, 28), 6272, 608), "pool1": ((8, 14, 14), 1568, 0),
        "conv2": ((16, 10, 10), 1600, 3216), "pool2": ((16, 5, 5), 400, 0),
    }
    key = TEMPLATE.solve(SLIDES)
    for name, values in expected.items():
        assert tuple(key[f"{name}_{c}"] for c in COLUMNS) == values
    assert (key["fc3_params"], key["fc4_params"], key["softmax_params"]) == (48120, 10164, 850)
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(SLIDES, key)}
    assert (wrong["conv-params-without-input-channels"]["conv1_params"],
            wrong["conv-params-without-input-channels"]["conv2_params"]) == (208, 416)
    assert [wrong["one-bias-per-layer"][f"{n}_params"] for n in ("fc3", "fc4", "softmax")] == [48001, 10081, 841]
    assert wrong["size-without-channels"]["conv1_size"] == 28 * 28
    assert wrong["channels-last"]["pool2_shape"] == (5, 5, 16)


def test_slides_network_is_in_the_easy_range():
    easy = LEVELS["easy"]
    assert 3 in easy["channels"] and 32 in easy["sizes"] and 5 in easy["kernels"] and 1 in easy["strides"]
    assert 8 in easy["filters1"] and 16 in easy["filters2"] and (2, 2) in easy["pools"]
    assert 120 in FC3 and 84 in FC4 and 10 in CLASSES
    assert TEMPLATE._pleasant(arch.trace(SLIDES.input_shape, SLIDES.layers), exact=True)


def test_keys_against_loop_oracle(many):
    for v in many:
        ref = walk(v.params.input_shape, v.params.layers)
        for slot, value in v.answers.items():
            name, column = slot.rsplit("_", 1)
            shape, params = ref[name.upper()]
            size = shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
            assert value == {"shape": shape, "size": size, "params": params}[column], (v.seed, slot)


def test_every_network_is_realizable_and_flattened_before_the_dense_layers(many):
    for v in many:
        walk(v.params.input_shape, v.params.layers)  # asserts windows fit, sizes >= 1, flatten first
        assert "flattened" in v.question[0].text
        assert all(len(v.answers[b]) == 3 and min(v.answers[b]) >= 1 for b in v.answers if b.endswith("_shape"))


def test_harder_means_more_blanks(many):
    counts = {d: [len(v.slots) for v in many if v.difficulty == d] for d in TEMPLATE.difficulties}
    assert max(counts["easy"]) < min(counts["hard"]) == len(ALL_BLANKS)
    assert sum(counts["easy"]) < sum(counts["medium"]) < sum(counts["hard"])


def test_given_cells_do_not_reveal_pool2(many):
    for v in many:
        if {"pool2_shape", "pool2_size"} & set(v.answers):
            assert "fc3_params" in v.answers


def test_no_shape_is_given_below_an_asked_one(many):
    """A given CONV2 shape would be worked back (stride 1: exactly) into an asked POOL1 shape and size."""
    for v in many:
        asked = [n for n in SPATIAL if cell(n, "shape") in v.answers]
        if asked:
            later = SPATIAL[SPATIAL.index(asked[0]):]
            assert {cell(n, c) for n in later for c in ("shape", "size")} <= set(v.answers), (v.difficulty, v.seed)


def test_table_holds_every_blank_and_the_given_values():
    v = TEMPLATE.variant(3, "medium")
    (table,) = [b for b in v.question if isinstance(b, Table)]
    refs = [c.slot for row in table.rows for c in row if isinstance(c, SlotRef)]
    assert refs == list(v.params.blanks)
    given = {row[0].split(" ")[0]: row for row in table.rows}
    ref = walk(v.params.input_shape, v.params.layers)
    assert given["FC3"][1] == arch.shape_text(ref["FC3"][0])


@pytest.mark.parametrize("name", ["conv-params-without-input-channels", "pooling-with-parameters", "forgot-biases",
                                  "one-bias-per-layer", "size-without-channels", "channels-last"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)


def test_prompt_states_that_sizes_round_down(many):
    assert all("rounded down (floor)" in " ".join(b.text for b in v.question if hasattr(b, "text")) for v in many)
