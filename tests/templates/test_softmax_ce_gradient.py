"""softmax-ce-gradient: keys by math.exp/log loops and by central differences, stated rounding, mistakes."""

import json
import math

import pytest

from cnnexam.generator.render import segments
from cnnexam.model import Text
from cnnexam.templates.softmax_ce_gradient import DECIMALS, MAX_SPREAD, TEMPLATE

SEEDS = range(80)


def softmax(row):
    exps = [math.exp(z) for z in row]
    return [e / sum(exps) for e in exps]


def flat(rows):
    return [x for row in rows for x in row]


def mean_loss(logits, target):
    return sum(-math.log(softmax(row)[y]) for row, y in zip(logits, target)) / len(logits)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_match_loops_and_central_differences(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        z, y = [list(r) for r in v.params.input], v.params.target
        n, c = len(z), len(z[0])
        assert v.answers["loss"] == pytest.approx(mean_loss(z, y), abs=1e-12)
        for j in range(c):
            if f"p{j}" in v.answers:
                assert v.answers[f"p{j}"] == pytest.approx(softmax(z[0])[j], abs=1e-12)
        grad = [[(softmax(z[i])[j] - (j == y[i])) / n for j in range(c)] for i in range(n)]
        if "grad" in v.answers:
            assert flat(v.answers["grad"]) == pytest.approx(flat(grad), abs=1e-12)
        elif "g0" in v.answers:
            assert [v.answers[f"g{j}"] for j in range(c)] == pytest.approx(grad[0], abs=1e-12)
        h = 1e-6
        for i in range(n):
            for j in range(c):
                up = [[v_ + (h if (a, b) == (i, j) else 0) for b, v_ in enumerate(r)] for a, r in enumerate(z)]
                down = [[v_ - (h if (a, b) == (i, j) else 0) for b, v_ in enumerate(r)] for a, r in enumerate(z)]
                assert (mean_loss(up, y) - mean_loss(down, y)) / (2 * h) == pytest.approx(grad[i][j], abs=1e-7)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_pleasant_logits_and_stated_rounding(difficulty):
    for seed in range(150):
        v = TEMPLATE.variant(seed, difficulty)
        for row in v.params.input:
            assert len(set(row)) > 1 and max(row) - min(row) <= MAX_SPREAD and all(-2 <= z <= 3 for z in row)
        for x in (x for a in v.answers.values() for x in (flat(a) if isinstance(a, tuple) else [a])):
            scaled = abs(x) * 10**DECIMALS
            assert abs(scaled - math.floor(scaled) - 0.5) > 1e-6  # rounding never hangs on float error
    text = json.dumps(TEMPLATE.variant(3, difficulty).to_json()["question"])
    assert f"{DECIMALS} decimal places" in text and "natural logarithm" in text


def test_batch_of_two_at_hard():
    v = TEMPLATE.variant(2, "hard")
    assert len(v.params.input) == 2 and set(v.answers) == {"loss", "grad"}
    params = v.to_json()["params"]
    assert len(params["input"]) == len(params["target"]) == 2


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "hard")
        z, y = [list(r) for r in v.params.input], v.params.target
        found = {m.name: m.answers for m in v.misconceptions}
        loss = mean_loss(z, y)
        assert found["log-base-10"]["loss"] == pytest.approx(loss / math.log(10))
        assert found["loss-summed"]["loss"] == pytest.approx(2 * loss)
        p_true = [softmax(r)[t] for r, t in zip(z, y)]
        assert found["loss-negative-probability"]["loss"] == pytest.approx(-sum(p_true) / 2)
        grad = [[(softmax(z[i])[j] - (j == y[i])) / 2 for j in range(3)] for i in range(2)]
        assert flat(found["gradient-sign"]["grad"]) == pytest.approx([-g for g in flat(grad)])
        assert flat(found["gradient-not-averaged"]["grad"]) == pytest.approx([2 * g for g in flat(grad)])
        assert flat(found["forgot-onehot"]["grad"]) == pytest.approx([p / 2 for r in z for p in softmax(r)])


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"gradient-sign", "forgot-onehot", "log-base-10", "loss-negative-probability", "loss-summed",
                     "gradient-not-averaged"}


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_the_rounding_is_stated_before_the_first_answer(difficulty):
    """The notebook puts each run of prompt blocks before the answer cells it asks for (the PDF prints the
    blocks in the same order): the rounding must be in the run before the first answer cell."""
    for seed in range(10):
        v = TEMPLATE.variant(seed, difficulty)
        before_first_answer = next(blocks for blocks, slots in segments(v.question) if slots)
        assert any(isinstance(b, Text) and "Round every answer" in b.text for b in before_first_answer)
