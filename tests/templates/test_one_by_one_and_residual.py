"""one-by-one-and-residual: the computed part against hand formulas and paper instances, claims, variants."""

from cnnexam.templates.one_by_one_and_residual import CHOICES, CLAIMS, TEMPLATE, OneByOne, OneByOneParams


def _conv(c_in, c_out, stride, bias, size):
    return OneByOneParams((), c_in, c_out, 1, stride, bias, (size, size))


def _computed(variant):
    return {s.label: (s.id, variant.answers[s.id]) for s in variant.slots if s.type.kind in ("shape", "integer")}


def test_parameter_count_by_hand():
    for seed in range(150):
        for difficulty in ("medium", "hard"):
            variant = TEMPLATE.variant(seed, difficulty)
            p = variant.params
            slot, key = _computed(variant)["learnable parameters"]
            assert key == p.in_channels * p.out_channels + (p.out_channels if p.bias else 0)
            wrong = {m.name: m.answers[slot] for m in variant.misconceptions if slot in m.answers}
            bias = "forgot-bias" if p.bias else "added-bias"
            assert wrong[bias] == p.in_channels * p.out_channels + (0 if p.bias else p.out_channels)
            assert wrong["ignored-input-channels"] == p.out_channels + (p.out_channels if p.bias else 0)
            assert wrong["1x1-as-3x3"] == 9 * p.in_channels * p.out_channels + (p.out_channels if p.bias else 0)


def test_output_shape_by_hand():
    for seed in range(150):
        for difficulty in ("easy", "hard"):
            variant = TEMPLATE.variant(seed, difficulty)
            p = variant.params
            (h, w), s = p.input_size, p.stride
            slot, key = _computed(variant)["output shape"]
            assert key == (p.out_channels, (h - 1) // s + 1, (w - 1) // s + 1)
            wrong = {m.name: m.answers[slot] for m in variant.misconceptions if slot in m.answers}
            assert wrong["1x1-keeps-channels"] == (p.in_channels, *key[1:])
            if s == 2:
                assert wrong["ignored-stride"] == (p.out_channels, h, w)
                assert p.out_channels == 2 * p.in_channels and not p.bias  # ResNet: channels double as the map halves
            assert len(set(wrong.values())) == len(wrong) and key not in wrong.values()


def test_paper_instances():
    # ResNet-50's first conv3_x projection shortcut: 256 -> 512 channels, 56x56 -> 28x28, no bias (BN follows).
    shortcut = _conv(256, 512, 2, False, 56)
    assert OneByOne("shape", shortcut).keys("c") == {"c": (512, 28, 28)}
    assert OneByOne("params", shortcut).keys("d") == {"d": 131072}
    # GoogLeNet inception (3a): the 1x1 branch maps 192 channels to 64 (Szegedy et al. 2014, Table 1).
    assert OneByOne("params", _conv(192, 64, 1, True, 28)).keys("d") == {"d": 192 * 64 + 64}


def test_odd_sizes_round_up_with_stride_2():
    for size, out in [(7, 4), (15, 8), (56, 28)]:
        part = OneByOne("shape", _conv(64, 128, 2, False, size))
        assert part.keys("c") == {"c": (128, out, out)}
        wrong = {b.name: a["c"] for b, a in part.beliefs("c")}
        assert wrong == {"1x1-keeps-channels": (64, out, out), "1x1-as-3x3": (128, (size - 3) // 2 + 1, (size - 3) // 2 + 1),
                         "ignored-stride": (128, size, size)}


def test_degradation_is_not_overfitting():
    assert CLAIMS["degradation"].true and not CLAIMS["overfitting"].true
    assert CLAIMS["not-vanishing"].true and not CLAIMS["vanishing"].true  # He et al. 2015, Sect. 4.1 (not slide 000)
    why = CHOICES["why-worse"]
    assert why.options[0].text.startswith("it is harder to optimize")
    assert {o.belief.name for o in why.options if o.belief} == {"degradation-is-overfitting", "degradation-is-vanishing-gradients"}
    assert CLAIMS["flops-less"].true and 11.3 < 15.3 and not CLAIMS["flops-more"].true


def test_variants_by_difficulty():
    for seed in range(60):
        shapes = {d: [type(p).__name__ for p in TEMPLATE.parts(TEMPLATE.variant(seed, d).params)] for d in TEMPLATE.difficulties}
        assert shapes == {"easy": ["TrueFalse", "TrueFalse", "SingleChoice", "OneByOne"],
                          "medium": ["TrueFalse", "SingleChoice", "SingleChoice", "OneByOne"],
                          "hard": ["MultipleChoice", "SingleChoice", "OneByOne", "OneByOne"]}


def test_misconceptions_name_the_confusion():
    names = set()
    for seed in range(100):
        names |= {m.name for m in TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3]).misconceptions}
    assert {"degradation-is-overfitting", "1x1-keeps-channels", "forgot-bias", "residual-multiplies", "ignored-stride"} <= names
