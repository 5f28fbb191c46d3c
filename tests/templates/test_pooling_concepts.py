"""pooling-concepts: global average pooling recomputed by plain loops, the parameter count, the claims."""

from fractions import Fraction

import numpy as np

from cnnexam.solutions import avg_pool2d, avg_pool2d_backward, max_pool2d_backward, pool_output_size
from cnnexam.templates.pooling_concepts import CLAIMS, TEMPLATE, GapShape, GapValues, PoolingParameters


def loop_gap(x):
    """Per channel: (average, sum, maximum), by plain loops."""
    out = []
    for channel in x:
        cells = [v for row in channel for v in row]
        out.append((Fraction(sum(cells), len(cells)), sum(cells), max(cells)))
    return out


def _gap_slots(variant):
    return sorted((s.id for s in variant.slots if s.type.kind == "fraction"), key=lambda s: int(s[1:]))


def test_gap_values_match_a_loop_with_both_mistakes():
    for seed in range(120):
        for difficulty in ("medium", "hard"):
            variant = TEMPLATE.variant(seed, difficulty)
            x = variant.params.input
            expected = loop_gap(x)
            slots = _gap_slots(variant)
            assert len(slots) == len(x) == (2 if difficulty == "medium" else 3)
            assert [variant.answers[s] for s in slots] == [e[0] for e in expected]
            mistakes = {m.name: m.answers for m in variant.misconceptions}
            for i, slot in enumerate(slots):
                assert mistakes["gap-summed"][slot] == expected[i][1]
                assert mistakes["max-vs-average"][slot] == expected[i][2]
            assert any(Fraction(e[0]).denominator > 1 for e in expected)  # at least one true fraction


def test_gap_values_on_the_slides_pooling_example():
    # Slide 002: 2x2 average pooling of this map gives [[6, 13], [9, 2.5]], max pooling [[13, 23], [17, 4]].
    x = ((3, 13, 17, 11), (5, 3, 1, 23), (7, 1, 2, 3), (11, 17, 1, 4))
    part = GapValues((x,))
    assert part.keys("c") == {"c1": Fraction(61, 8)} == {"c1": Fraction(6 + 13 + 9) / 4 + Fraction(5, 2) / 4}
    wrong = {b.name: a["c1"] for b, a in part.beliefs("c")}
    assert wrong == {"gap-summed": 122, "max-vs-average": 23}


def test_params_are_torch_ready():
    variant = TEMPLATE.variant(4, "hard")
    data = variant.params.to_json()
    x = np.array(data["input"], dtype=float)
    out = avg_pool2d(x, tuple(data["kernel_size"]))
    assert out.shape == (x.shape[0], 1, 1)
    assert np.allclose(out.ravel(), [float(variant.answers[s]) for s in _gap_slots(variant)])


def test_gap_shape_and_its_mistakes():
    for c, h, w in [(2048, 7, 7), (1024, 7, 7), (64, 5, 8)]:
        part = GapShape((c, h, w))
        assert part.keys("b") == {"b": (c, 1, 1)}
        wrong = {b.name: a["b"] for b, a in part.beliefs("b")}
        assert wrong == {"gap-keeps-hw": (c, h, w), "gap-as-2x2": (c, h // 2, w // 2)}


def test_pooling_has_no_parameters_and_the_mistakes_count_as_a_student_would():
    for k, c in [(2, 3), (3, 32), (3, 64)]:
        part = PoolingParameters("max", k, 2, c)
        assert part.keys("d") == {"d": 0}
        wrong = {b.name: a["d"] for b, a in part.beliefs("d")}
        assert wrong == {"pool-window-weights": k * k, "pool-weights-per-channel": k * k * c,
                         "pool-as-conv": k * k * c * c + c}


def test_gradient_claims():
    x = np.array([[1, 5, 2, 0], [3, 2, 7, 1], [0, 4, 1, 2], [6, 1, 3, 9]])
    grad = np.array([[1.0, 2.0], [3.0, 4.0]])
    back = max_pool2d_backward(x, grad, 2)
    assert np.count_nonzero(back) == 4 and back[0, 1] == 1.0 and back[1, 2] == 2.0 and back[3, 0] == 3.0
    assert np.allclose(avg_pool2d_backward(x, grad, 2), np.kron(grad, np.ones((2, 2))) / 4)
    assert CLAIMS["max-grad"].true and CLAIMS["avg-grad"].true and not CLAIMS["no-grad"].true


def test_size_claims():
    for n in (4, 28, 56):
        assert pool_output_size(n, 2, 2) == n // 2        # 2x2, stride 2 halves: 1 value in 4 kept
    assert pool_output_size(55, 3, 2) == 27               # AlexNet's overlapping pooling
    assert 6 * 2 == 12 and 16 * 2 == 32                   # LeNet-5's S2 and S4: coefficient + bias per map
    assert CLAIMS["halves"].true and CLAIMS["lenet"].true and not CLAIMS["stride-must"].true


def test_parameter_claims_leave_when_the_count_is_asked():
    for seed in range(100):
        for difficulty in ("easy", "medium"):
            variant = TEMPLATE.variant(seed, difficulty)
            ids = {q[1] for q in variant.params.questions if q[0] == "tf"}
            assert not ids & {"none", "kk", "gap-weights"}
            assert variant.answers[next(s.id for s in variant.slots if s.type.kind == "integer")] == 0


def test_variants_by_difficulty():
    for seed in range(60):
        shapes = {d: [type(p).__name__ for p in TEMPLATE.parts(TEMPLATE.variant(seed, d).params)] for d in TEMPLATE.difficulties}
        assert shapes == {"easy": ["TrueFalse", "TrueFalse", "SingleChoice", "PoolingParameters"],
                          "medium": ["TrueFalse", "SingleChoice", "PoolingParameters", "GapValues"],
                          "hard": ["MultipleChoice", "GapShape", "GapValues"]}
