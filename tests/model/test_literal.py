"""Reading what students type: exact values, bounded work, clear messages, nothing executed."""

from fractions import Fraction

import pytest

from cnnexam.model.literal import AnswerFormatError, read_value


@pytest.mark.parametrize("text, value", [
    ("12", 12), ("-3", -3), ("15/4", Fraction(15, 4)), ("3.75", Fraction(15, 4)), ("0.1 + 0.2", Fraction(3, 10)),
    ("2*3", 6), ("2**10", 1024), ("7//2", 3), ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]), ("(1, 2)", [1, 2]),
    ("[-1/2, +3]", [Fraction(-1, 2), 3]), ("  42\n", 42), ("1e3", 1000), ("True", True),
])
def test_values_are_exact(text, value):
    assert read_value(text) == value


@pytest.mark.parametrize("text, message", [
    ("9**9**9", "too large"),
    ("10**100", "too large"),
    ("2**0.5", "whole-number exponents"),
    ("__import__('os').system('echo hacked')", "function calls"),
    ("open('/etc/passwd').read()", "function calls|attribute"),
    ("x", "unexpected name 'x'"),
    ("nan", "unexpected name 'nan'"),
    ("1e999", "not a finite number"),
    ("1/0", "division by zero"),
    ("[" * 100 + "]" * 100, "nested too deeply|too many nested"),
    ("[" * 200_000, "too many brackets|too long"),
    ("'twelve'", "got the text"),
    ("{1: 2}", "dictionaries"),
    ("[1, 2", "^'\\[' was never closed$"),
    ("[1 2, 3]", "^it is not valid Python: perhaps a comma is missing$"),
    ("I don't know", "^\"I don't know\" is not a value \\(a number, a list or arithmetic\\)$"),
    ("5x5", "^'5x5' is not a value"),
    ("", "empty"),
    ("lambda: 0", "lambdas"),
    ("[i for i in range(10**9)]", "ListComp"),
])
def test_hostile_or_broken_input_is_a_format_error(text, message):
    with pytest.raises(AnswerFormatError, match=message):
        read_value(text)


def test_long_answers_are_refused_before_parsing():
    with pytest.raises(AnswerFormatError, match="too long"):
        read_value("1+" * 60_000 + "1")


def test_many_values_are_refused():
    with pytest.raises(AnswerFormatError, match="too many values"):
        read_value([1] * 100_001)


def test_loaded_values_follow_the_same_rules():
    assert read_value([[1, 2.5]]) == [[1, Fraction(5, 2)]]
    with pytest.raises(AnswerFormatError, match="finite"):
        read_value([float("nan")])
    with pytest.raises(AnswerFormatError, match="too large"):
        read_value(10**40)
    with pytest.raises(AnswerFormatError, match="unexpected value"):
        read_value({"a": 1})


def test_text_only_when_allowed():
    assert read_value("'max pooling'", allow_text=True) == "max pooling"


def test_the_minus_sign_of_our_pdfs_is_a_minus():
    assert read_value("\u22123") == -3 and read_value("[[\u22121, 2], [3, \u22120.5]]") == [[-1, 2], [3, Fraction(-1, 2)]]


def test_too_many_digits_is_said_plainly():
    """Python's own message advises sys.set_int_max_str_digits(), which means nothing to a student."""
    for text in ("7" * 5000, "[1, " + "7" * 5000 + "]"):
        with pytest.raises(AnswerFormatError, match="^a number in the answer has too many digits$"):
            read_value(text)


def test_a_long_sum_is_not_deep_nesting():
    """A mean written out term by term is a left-leaning chain of operators, not nesting: a hundred terms
    fit in every cell of a matrix, while nested brackets and operands still count."""
    mean = "(" + " + ".join(["7"] * 100) + ")/100"
    assert read_value("(5+3+9+0+1+4+9+2+2)/9") == Fraction(35, 9)
    assert read_value(mean) == 7
    matrix = "[" + ", ".join("[" + ", ".join([mean] * 6) + "]" for _ in range(6)) + "]"
    assert read_value(matrix) == [[7] * 6] * 6
    assert read_value("[[[[(1 + 2)*3 - 4/(5 - 6) + -7]]]]") == [[[[6]]]]
    with pytest.raises(AnswerFormatError, match="nested too deeply"):
        read_value("1 - (1 - (1 - (1 - (1 - (1 - (1 - (1 - (1 - (1 - 1)))))))))")
    with pytest.raises(AnswerFormatError, match="nested too deeply"):
        read_value("- " * 12 + "1")


def test_a_sum_too_long_to_parse_is_said_plainly():
    with pytest.raises(AnswerFormatError, match="^the answer has too many terms or levels of brackets to be read$"):
        read_value("+".join(["1"] * 20_000))


@pytest.mark.parametrize("text", [
    "np.array([[1, 2], [3, 4.5]])", "numpy.array([[1, 2], [3, 9/2]])", "np.asarray([[1, 2], [3, 4.5]])",
    "numpy.asarray(((1, 2), (3, 4.5)))", "torch.tensor([[1, 2], [3, 4.5]])",
    "np.array([[1, 2], [3, 4.5]], dtype=float)", "torch.tensor([[1, 2], [3, 4.5]], dtype=torch.float32)",
    "np.array([[1, 2], [3, 4.5]], dtype='float64')",
])
def test_one_array_call_around_a_literal_is_the_literal(text):
    assert read_value(text) == [[1, 2], [3, Fraction(9, 2)]]


@pytest.mark.parametrize("text, message", [
    ("np.array(np.array([1]))", "without another call"),
    ("np.zeros(3)", "function calls"),
    ("np.array([1]) + 1", "function calls"),
    ("[np.array([1])]", "function calls"),
    ("np.array([1], copy=True)", "only be given dtype"),
    ("np.array([1], dtype=print('x'))", "name a type"),
    ("np.array()", "exactly one value"),
    ("np.array([1], [2])", "exactly one value"),
    ("np.array(*[[1]])", "exactly one value"),
    ("np.array(x)", "unexpected name 'x'"),
    ("array([1])", "function calls"),
])
def test_anything_else_callable_is_still_refused(text, message):
    with pytest.raises(AnswerFormatError, match=message):
        read_value(text)
