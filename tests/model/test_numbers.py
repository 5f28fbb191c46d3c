from fractions import Fraction

import pytest

from cnnexam.model.numbers import exact, fmt, fmt_fraction_and_decimal, freeze, to_jsonable


@pytest.mark.parametrize("value, decimals, text", [
    (3, None, "3"), (Fraction(15, 4), None, "15/4"), (Fraction(8, 4), None, "2"), (-0.0, None, "0.0"),
    (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (-0.001, 2, "0.00"), (Fraction(2, 3), 3, "0.667"),
    (0.9, 2, "0.90"), (2.5, 0, "3"), (-2.5, 0, "-3"), (1, 2, "1.00"), (Fraction(-1, 3), 4, "-0.3333"),
])
def test_fmt_is_consistent(value, decimals, text):
    assert fmt(value, decimals) == text


def test_rounding_is_exact_not_binary():
    # 2.675 is 2.67499999... in binary; students (and the key) round the decimal they see: 2.68.
    assert fmt(2.675, 2) == "2.68"
    assert f"{2.675:.2f}" == "2.67"


def test_exact_and_freeze():
    import numpy as np

    assert exact(0.1) == Fraction(1, 10) and exact(np.int64(4)) == 4 and type(exact(np.int64(4))) is int
    frozen = freeze(np.array([[1, 2], [3, 4]]))
    assert frozen == ((1, 2), (3, 4)) and type(frozen[0][0]) is int
    with pytest.raises(ValueError):
        exact(float("inf"))


def test_worked_fraction_text_and_json():
    assert fmt_fraction_and_decimal(Fraction(15, 4)) == "15/4 = 3.75"
    assert fmt_fraction_and_decimal(Fraction(1, 3)) == "1/3 ≈ 0.3333"
    assert fmt_fraction_and_decimal(Fraction(4, 2)) == "2"
    assert to_jsonable(((Fraction(1, 2), 3), (True, None))) == [["1/2", 3], [True, None]]


def test_fmt_plain_shows_a_value_as_it_is_typed():
    from cnnexam.model.numbers import fmt_plain

    assert fmt_plain(Fraction(2076, 25)) == "83.04" and fmt_plain(Fraction(-1, 8)) == "-0.125"
    assert fmt_plain(Fraction(8303999999999999, 100000000000)) == "83039.99999999999"
    assert fmt_plain(Fraction(7, 3)) == "7/3" and fmt_plain(12) == "12" and fmt_plain(Fraction(4, 2)) == "2"
