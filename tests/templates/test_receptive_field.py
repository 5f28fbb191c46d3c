"""receptive-field: keys against following pixels back through the stack, the slides' 3x3 stacks,
realizable networks, and the misconceptions."""

import pytest
from layer_oracle import conv_size, field, pool_size

from cnnexam.model.grading import grade_variant
from cnnexam.templates.receptive_field import TEMPLATE, ReceptiveFieldParams

SEEDS = range(150)


def stack(n):
    return ReceptiveFieldParams((("conv", 3, 1, 1, 1),) * n, 64, True)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_pixels_followed_back(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        layers = [(k, s, d) for _, k, s, _, d in variant.params.layers]
        assert variant.answers["field"] == field(layers), variant.params


@pytest.mark.parametrize(("n", "k"), [(2, 5), (3, 7)])
def test_slides_stacked_3x3(n, k):
    # 001: two 3x3 layers see 5x5; 003: three see 7x7
    assert TEMPLATE.solve(stack(n)) == {"field": k}


def test_networks_are_realizable():
    for seed in SEEDS:
        for difficulty in TEMPLATE.difficulties:
            p = TEMPLATE.variant(seed, difficulty).params
            size = p.input_size
            for kind, k, s, pad, d in p.layers:
                size = conv_size(size, k, s, pad, d) if kind == "conv" else pool_size(size, k, s, pad)
                assert size >= 1
            assert size >= 2 and field([(k, s, d) for _, k, s, _, d in p.layers]) <= p.input_size


def test_levels():
    hard = [TEMPLATE.variant(s, "hard").params for s in SEEDS]
    assert all(any(d > 1 for *_, d in p.layers) for p in hard)
    medium = [TEMPLATE.variant(s, "medium").params for s in SEEDS]
    assert all(any(s > 1 for _, _, s, _, _ in p.layers[:-1]) for p in medium + hard)
    assert any(p.equivalent for p in (TEMPLATE.variant(s, "easy").params for s in SEEDS))
    assert any(kind == "max-pool" for p in medium for kind, *_ in p.layers)


def test_misconceptions():
    params = stack(3)
    found = {m.name: m.answers["field"] for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert found == {"summed-kernels": 9, "forgot-plus-one": 6, "multiplied-kernels": 27}
    seen = set()
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, "hard")
        for m in variant.misconceptions:
            seen.add(m.name)
            (result,) = grade_variant(variant, {"field": str(m.answers["field"])})
            assert result.misconception == m.name
        no_strides = [(k, 1, d) for _, k, _, _, d in variant.params.layers]
        ignored = {m.name: m.answers["field"] for m in variant.misconceptions}.get("ignored-strides")
        assert ignored in (None, field(no_strides))
    assert seen == {"summed-kernels", "forgot-plus-one", "ignored-strides", "ignored-dilation", "multiplied-kernels"}
