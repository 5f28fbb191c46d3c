"""Each answer type: what it accepts, what it refuses (format errors), and the credit it gives."""

from fractions import Fraction

import pytest

from cnnexam.model.answers import (
    AnswerFormatError,
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


def score(answer_type, raw, key):
    return answer_type.check(answer_type.parse(raw), key).score


def test_integer():
    t = IntegerAnswer()
    assert score(t, "294912", 294912) == 1 and score(t, "294_912", 294912) == 1 and score(t, "2*3", 6) == 1
    assert score(t, "8/2", 4) == 1 and score(t, "4.0", 4) == 1
    assert score(t, "5", 6) == 0
    with pytest.raises(AnswerFormatError, match="^3/2 is not a whole number$"):
        t.parse("3/2")


def test_number_tolerance_follows_the_stated_rounding():
    t = NumberAnswer(decimals=2)
    key = Fraction(1, 8)  # 0.125: both roundings of the tie are accepted
    assert score(t, "0.13", key) == 1 and score(t, "0.12", key) == 1 and score(t, "0.125", key) == 1
    assert score(t, "0.14", key) == 0 and score(t, "0.11", key) == 0
    assert t.format(key) == "0.13"
    rel = NumberAnswer(decimals=None, rel_tol=0.01)
    assert score(rel, "101", 100) == 1 and score(rel, "102", 100) == 0


def test_fraction_accepts_both_spellings_exactly():
    t = FractionAnswer()
    assert score(t, "15/4", Fraction(15, 4)) == 1 and score(t, "3.75", Fraction(15, 4)) == 1
    assert score(t, "3 + 3/4", Fraction(15, 4)) == 1
    assert score(t, "3.33", Fraction(10, 3)) == 0  # a rounded decimal is not the exact value
    assert score(t, "30/8", Fraction(15, 4)) == 1


def test_matrix_shape_errors_and_partial_credit():
    t = ArrayAnswer(shape=(3, 3))
    key = ((12, 12, 17), (10, 17, 19), (9, 6, 14))
    assert score(t, "[[12,12,17],[10,17,19],[9,6,14]]", key) == 1
    assert score(t, "[[12,12,17],[10,17,19],[9,6,0]]", key) == pytest.approx(8 / 9)
    with pytest.raises(AnswerFormatError, match="^it is 2 rows of 3, not a 3x3 matrix$"):
        t.parse("[[12,12,17],[10,17,19]]")
    with pytest.raises(AnswerFormatError, match=r"^its rows have different lengths \(2 and 3\)$"):
        t.parse("[[1,2,3],[4,5],[6,7,8]]")
    with pytest.raises(AnswerFormatError, match="^it has 1 level of brackets, not 2$"):
        t.parse("[1, 2, 3]")
    hidden = ArrayAnswer(shape=(3, 3), shape_given=False)
    credit = hidden.check(hidden.parse("[[1, 2], [3, 4]]"), key)  # finding the shape is part of the task
    assert credit.score == 0 and "not the expected shape" in credit.detail
    assert "3x3" not in hidden.instructions()
    fractions = ArrayAnswer(shape=(1, 2), element="fraction")
    assert score(fractions, "[[15/4, 3.75]]", ((Fraction(15, 4), Fraction(15, 4)),)) == 1


def test_shape_spellings_and_partial_credit():
    t = ShapeAnswer(ndim=3)
    for raw in ("(6, 28, 28)", "[6,28,28]", "6x28x28", "6 × 28 × 28", "6 X 28 X 28", "6, 28, 28"):
        assert t.parse(raw) == (6, 28, 28), raw
    assert score(t, "(6, 28, 27)", (6, 28, 28)) == pytest.approx(2 / 3)
    with pytest.raises(AnswerFormatError, match="^it has 2 dimensions, not 3$"):
        t.parse("28x28")
    with pytest.raises(AnswerFormatError, match="^the dimension 2.5 is not a whole number$"):
        t.parse("(6, 2.5, 28)")


def test_single_choice_by_letter_or_text():
    t = SingleChoiceAnswer(options=("ResNet", "VGG-16", "AlexNet"))
    for raw in ("B", "b", "(b)", "b)", "VGG 16", "vgg-16"):
        assert t.parse(raw) == 1, raw
    with pytest.raises(AnswerFormatError, match="^'D' is not one of the letters A to C or the text of an option$"):
        t.parse("D")
    assert t.to_json(2) == "C" and t.format(0) == "A) ResNet"


def test_multiple_choice_wrong_picks_cancel_right_ones():
    t = MultipleChoiceAnswer(options=("a", "b", "c", "d"))
    key = frozenset({0, 2})
    assert t.parse("A, C") == key and t.parse("ac") == key and t.parse(["A", "C"]) == key
    assert score(t, "A, C", key) == 1
    assert score(t, "A", key) == 0.5
    assert score(t, "A, B", key) == 0
    assert score(t, "A, B, C, D", key) == 0  # ticking everything earns nothing
    assert t.parse("none") == frozenset()


def test_true_false_and_short_text():
    tf = TrueFalseAnswer()
    assert tf.parse("True") is True and tf.parse("f") is False and tf.parse(True) is True
    with pytest.raises(AnswerFormatError, match="^'maybe' is neither True nor False$"):
        tf.parse("maybe")
    text = ShortTextAnswer(accepted=("ResNet", "residual network", "residual networks"))
    assert score(text, "  Residual-Network. ", "ResNet") == 1 and score(text, "resnet", "ResNet") == 1
    assert score(text, "DenseNet", "ResNet") == 0


def test_symbolic_formula_checked_at_valid_points():
    t = SymbolicAnswer(variables=("n", "p", "f", "s"), points=((7, 0, 3, 2), (6, 1, 3, 2), (10, 2, 5, 3), (9, 0, 2, 2)))
    key = "floor((n + 2*p - f)/s) + 1"
    assert score(t, "floor((n+2p-f)/s)+1".replace("2p", "2*p"), key) == 1
    assert score(t, "⌊(n + 2*p - f)/s⌋ + 1", key) == 1
    assert score(t, "(n + 2*p - f)//s + 1", key) == 1
    assert score(t, "floor((n + 2*p - f + s)/s)", key) == 1  # equivalent, though written differently
    assert score(t, "floor((n + 2*p - f)/s)", key) == 0  # forgot the +1
    assert score(t, "(n + 2*p - f)/s + 1", key) == 0  # no floor: wrong where the stride does not fit
    for bad, message in (("__import__('os')", "unknown function|only numbers"), ("q + 1", "unknown name 'q'"),
                         ("n ** n", "small whole-number powers"), ("n +", "cannot be read|can be read")):
        with pytest.raises(AnswerFormatError, match=message):
            t.parse(bad)


def test_code_results_compared_case_by_case():
    t = CodeAnswer(cases=("small", "strided"), function="conv2d")
    key = {"small": [[1, 2]], "strided": [[3]]}
    assert score(t, {"small": [[1, 2]], "strided": [[3]]}, key) == 1
    assert score(t, {"small": [[1, 2]], "strided": [[4]]}, key) == 0.5
    with pytest.raises(AnswerFormatError, match="no result for test case"):
        t.parse({"small": [[1, 2]]})


def test_integer_accepts_thousands_separators_but_not_lists():
    t = IntegerAnswer()
    assert t.parse("3,000,000") == 3_000_000 and t.parse("294 912") == 294_912 and t.parse("-1,024") == -1024
    with pytest.raises(AnswerFormatError, match="^it is a list of 3 values, not one number$"):
        t.parse("3,00,0")


def test_shape_refuses_empty_dimensions_and_products_without_commas():
    """Without commas the dimensions are separated by x, × or spaces, which arithmetic could not be told
    from: ``6*28*28`` (a student's 6 × 28 × 28) is one number, so it is refused rather than misread."""
    t = ShapeAnswer(ndim=3)
    for raw, message in (("9**9**9", "not a list of whole numbers"), ("6,,28,28", "missing before a comma"),
                         ("(,6,28,28)", "missing before a comma"), ("6x28x", "a dimension is missing"),
                         ("2*3*4", "2\\*3\\*4 multiplies the dimensions into one number"),
                         ("6 x 12-4 x 8", "not a list of whole numbers"), ("(9**9**9, 1, 1)", "too large"),
                         ("(-1, 2, 3)", "negative"), ("[[6, 28, 28]]", "a dimension is a list")):
        with pytest.raises(AnswerFormatError, match=message):
            t.parse(raw)


def test_shape_with_commas_reads_arithmetic_decimals_and_a_trailing_comma():
    t = ShapeAnswer(ndim=3)
    for raw in ("(16, 12-4, 12-4)", "(2*8, 8, 8)", "[16, 8.0, 8]", "(16, 8, 8,)", "[16,8,8,]", "16, 8, 8,",
                "(32/2, 8, 8)", [16, 8.0, 8]):
        assert t.parse(raw) == (16, 8, 8), raw
    square = ShapeAnswer(ndim=2)
    assert square.parse("(5.0, 5.0)") == (5, 5) and square.parse("(10/2, 5)") == (5, 5)
    assert square.parse("(5, 5,)") == (5, 5) and square.parse("[5,5,]") == (5, 5)
    with pytest.raises(AnswerFormatError, match="^the dimension 2.4 is not a whole number$"):
        square.parse("(12/5, 5)")


def test_symbolic_refuses_nested_powers_before_evaluating_them():
    """Each power is small, but nested they multiply: (((n+1)**8)**8)**8... is n to a power with
    billions of digits at the first point. Refused when read, as a format problem."""
    t = SymbolicAnswer(variables=("n", "p"), points=((28, 1), (7, 2)))
    nested = "(n + 1)"
    for _ in range(12):
        nested = f"({nested})**8"
    for bad in (nested, "((n**8)**8)**8", "((2**8)**8)**8", "(n*n)**8 * (n**8)**8"):
        with pytest.raises(AnswerFormatError, match="powers"):
            t.parse(bad)
    assert score(t, "(n**2)**2 - n**4 + n + p", "n + p") == 1  # small nested powers are fine


def test_the_minus_sign_of_our_pdfs_wherever_a_number_is():
    assert score(IntegerAnswer(), "\u22123", -3) == 1 and score(IntegerAnswer(), "\u22123,000", -3000) == 1
    assert score(NumberAnswer(decimals=2), "\u22120.25", Fraction(-1, 4)) == 1
    assert score(FractionAnswer(), "\u221215/4", Fraction(-15, 4)) == 1
    assert score(ArrayAnswer(shape=(1, 2)), "[[\u22121, 2]]", ((-1, 2),)) == 1
    t = SymbolicAnswer(variables=("n",), points=((5,), (8,)))
    assert score(t, "n \u2212 1", "n - 1") == 1


def test_a_trailing_comma_after_one_number_is_read_as_the_number():
    """``q = 47/9,`` makes a one-value tuple in Python, but with a single comma at the end nothing else can
    be meant; a tuple or list written with brackets is refused with a message saying why."""
    assert IntegerAnswer().parse("83040,") == 83040 and IntegerAnswer().parse(" 83040 , ") == 83040
    assert FractionAnswer().parse("47/9,") == Fraction(47, 9) and NumberAnswer().parse("0.25,") == Fraction(1, 4)
    for raw in ("(83040,)", "[83040]", [83040]):
        with pytest.raises(AnswerFormatError, match="^it is a list or tuple holding one value: write the value alone"):
            IntegerAnswer().parse(raw)
    for raw in ("83,040,", "1, 2,", ","):
        with pytest.raises(AnswerFormatError):
            IntegerAnswer().parse(raw)


def test_a_number_that_is_not_whole_is_shown_as_typed():
    t = IntegerAnswer()
    for raw in ("83.040", "83039.99999999999", "83040.5,"):
        with pytest.raises(AnswerFormatError, match=f"^{raw.rstrip(',')} is not a whole number$"):
            t.parse(raw)
    with pytest.raises(AnswerFormatError, match="^83.04 is not a whole number$"):
        t.parse(83.04)


def test_a_wrong_kind_of_number_in_a_matrix_is_a_wrong_entry():
    """3.5 in a matrix of whole numbers loses that entry, as a wrong whole number would, not the matrix."""
    t = ArrayAnswer(shape=(2, 2))
    key = ((3, -4), (-1, 4))
    credit = t.check(t.parse("[[3, -4], [-1, 3.5]]"), key)
    assert credit.score == 0.75 and credit.detail == "3 of 4 entries are right; 1 entry is not a whole number"
    assert t.check(t.parse("[[3, -4], [-1, 4.0]]"), key).score == 1
    assert t.check(t.parse("[[3, -4], [-1, 8/2]]"), key).score == 1


def test_numbers_written_as_text_in_a_matrix_are_numbers():
    """key.json writes fractions as "13/4"; a student copying that style is read as the number."""
    t = ArrayAnswer(shape=(2, 2), element="fraction")
    key = ((Fraction(13, 4), 5), (Fraction(7, 2), 0))
    assert score(t, '[["13/4", 5], ["3.5", "0"]]', key) == 1
    assert score(t, [["13/4", 5], [" 7/2 ", 0]], key) == 1
    assert score(ArrayAnswer(shape=(1, 2)), '[["-3", "\u22124"]]', ((-3, -4),)) == 1


def test_an_entry_that_is_no_number_is_refused_by_its_position():
    t = ArrayAnswer(shape=(2, 2))
    for raw, message in (("[[1, 2], [None, 4]]", "row 2, column 1 is None"), ('[[1, "?"], [3, 4]]', "row 1, column 2 is the text '\\?'"),
                         ("[[1, 2], [3, ...]]", "row 2, column 2 is \\.\\.\\."), ("[[x, 2], [3, 4]]", "row 1, column 1 is x"),
                         ("[[True, 2], [3, 4]]", "row 1, column 1 is True"), ([[1, 2], [3, None]], "row 2, column 2 is None"),
                         ('[["1, 2", 2], [3, 4]]', "row 1, column 1 is the text '1, 2'")):
        with pytest.raises(AnswerFormatError, match=f"^the entry at {message}, not a number$"):
            t.parse(raw)
    with pytest.raises(AnswerFormatError, match="^the entry at matrix 2, row 1, column 2 is None, not a number$"):
        ArrayAnswer(shape=(2, 1, 2)).parse("[[[1, 2]], [[3, None]]]")
    with pytest.raises(AnswerFormatError, match="^the entry at position 3 is None, not a number$"):
        ArrayAnswer(shape=(3,)).parse("[1, 2, None]")


def test_single_choice_with_the_option_text_after_the_letter():
    t = SingleChoiceAnswer(options=("28 layers", "Box blur kernel", "VGG-16", "22 layers"))
    for raw, index in (("A) 28 layers", 0), ("d) 22 layers", 3), ("D: 22 layers", 3), ("A) Box blur kernel", None),
                       ("B) Box blur kernel", 1), ("(b) box  blur kernel.", 1), ("c. vgg16", 2), ("box blur kernel", 1),
                       ("BoxBlur Kernel", 1), ('["D"]', 3), ("['d']", 3), (["D"], 3), ("('D',)", 3)):
        if index is None:
            with pytest.raises(AnswerFormatError, match="^the letter A and the text 'Box blur kernel' name different "
                                                        "options \\(A and B\\)$"):
                t.parse(raw)
        else:
            assert t.parse(raw) == index, raw
    with pytest.raises(AnswerFormatError, match="^the text after A is not the text of option A: write the letter alone$"):
        t.parse("A) 23 layers")
    with pytest.raises(AnswerFormatError, match="^there is no option E: the letters go from A to D$"):
        t.parse("E) 28 layers")
    with pytest.raises(AnswerFormatError):
        t.parse('["A", "B"]')


def test_multiple_choice_joined_by_a_word_says_to_use_commas():
    t = MultipleChoiceAnswer(options=("a", "b", "c", "d"))
    for raw, word in (("A and B", "and"), ("a & c", "&"), ("B or D", "or")):
        with pytest.raises(AnswerFormatError, match=f"^separate the letters with commas, not with '{word}'$"):
            t.parse(raw)


def test_a_rounded_decimal_for_an_exact_value_gets_a_hint_and_no_credit():
    t = FractionAnswer()
    for raw, key in (("4.111111111111111", Fraction(37, 9)), ("3.89", Fraction(35, 9)), ("3.88", Fraction(35, 9)),
                     ("-0.33", Fraction(-1, 3))):
        credit = t.check(t.parse(raw), key)
        assert credit.score == 0 and credit.detail.startswith("close, but the answer must be exact"), raw
    for raw, key in (("3.7", Fraction(35, 9)), ("4", Fraction(37, 9)), ("7/2", Fraction(35, 9)), ("3.9", 4)):
        assert t.check(t.parse(raw), key) == Credit(0.0), raw
    matrix = ArrayAnswer(shape=(1, 3), element="fraction")
    credit = matrix.check(matrix.parse("[[3.89, 1/3, 0.5]]"), ((Fraction(35, 9), Fraction(1, 3), Fraction(1, 3)),))
    assert credit.score == pytest.approx(1 / 3)
    assert credit.detail == "1 of 3 entries are right; some are rounded decimals: write exact fractions"


def test_symbolic_reads_formulas_as_students_write_them():
    """2P is 2*P, floor[...] is floor(...), and lowercase names stand for uppercase variables when no two
    variables differ only in case."""
    t = SymbolicAnswer(variables=("N", "P", "F", "S"), points=((7, 0, 3, 2), (6, 1, 3, 2), (10, 2, 5, 3), (9, 0, 2, 2)))
    key = "floor((N + 2*P - F)/S) + 1"
    for raw in ("floor((N+2P-F)/S)+1", "floor((n+2p-f)/s)+1", "floor[(N + 2P - F)/S] + 1", "Floor((N + 2 P - F)/S) + 1",
                "⌊(n + 2p − f)/s⌋ + 1", "floor((N + 2.0P - F)/S) + 1"):
        assert score(t, raw, key) == 1, raw
    assert score(t, "floor((N + 2P - F)/S)", key) == 0 and score(t, "floor((N + P - F)/S) + 1", key) == 0
    for bad, message in (("floor[(N, P)]", "takes one argument"), ("floor[((N**8)**8)**8]", "powers"),
                         ("floor((N + 2Q - F)/S)", "cannot be read"), ("N + q", "unknown name 'q'"),
                         ("sqrt[N]", "only numbers"),
                         ("N/2P", r"'/2P' can be read two ways: write /\(2\*P\) or /2\*P")):  # N/(2P) or (N/2)P?
        with pytest.raises(AnswerFormatError, match=message):
            t.parse(bad)
    both = SymbolicAnswer(variables=("n", "N"), points=((1, 2),))
    assert str(both.parse("2n + N")) == "N + 2*n"
    with pytest.raises(AnswerFormatError, match="cannot be read"):
        both.parse("2 x")


def test_a_sparse_key_gives_no_credit_for_zeros():
    """A max-pool gradient: 6x6 with 9 nonzero entries. All zeros used to get 27 of 36; now credit counts the
    entries that are not 0 in the key or in the answer."""
    t = ArrayAnswer(shape=(6, 6), element="fraction")
    key = [[0] * 6 for _ in range(6)]
    for i in range(3):
        for j in range(3):
            key[2 * i][2 * j + 1] = i * 3 + j + 1
    key = tuple(map(tuple, key))
    zeros = t.check(t.parse(str([[0] * 6] * 6)), key)
    assert zeros.score == 0 and zeros.detail == ("0 of 9 entries are right, counting those that are not 0 in the "
                                                 "key or the answer")
    assert score(t, str([list(row) for row in key]), key) == 1
    shifted = [[0] + list(row[:-1]) for row in key]  # every gradient routed one column to the right
    assert score(t, str(shifted), key) == 0
    one_wrong = [list(row) for row in key]
    one_wrong[0][1] = 5
    assert score(t, str(one_wrong), key) == pytest.approx(8 / 9)
    one_extra = [list(row) for row in key]
    one_extra[5][5] = 1
    assert score(t, str(one_extra), key) == pytest.approx(9 / 10)
    dense = ArrayAnswer(shape=(2, 2))
    assert score(dense, "[[0, 0], [0, 0]]", ((1, 2), (0, 0))) == 0.5  # half zeros is not sparse: per entry


def test_sparse_key_credit_counts_entries_that_are_zero_within_tolerance_as_zero():
    """On a mostly-zero key, 0.001 everywhere reads as 0 in every cell (within the rounding tolerance):
    it must earn no more than all zeros, whose right entries are only the key's zeros."""
    answer = ArrayAnswer(shape=(4, 4), element="number", decimals=2)
    key = [[Fraction(3, 2), 0, 0, 0], [0, Fraction(1, 4), 0, 0], [0] * 4, [0] * 4]
    assert answer.check([[Fraction(1, 1000)] * 4 for _ in range(4)], key).score == 0
    assert answer.check([[0] * 4 for _ in range(4)], key).score == 0
    assert answer.check([[Fraction(3, 2), 0, 0, 0], [0] * 4, [0] * 4, [0] * 4], key).score == 0.5


@pytest.mark.parametrize("value, key, near", [
    ("3.89", Fraction(35, 9), True), ("3.88", Fraction(35, 9), True), ("4.111111111111111", Fraction(37, 9), True),
    ("0.1", Fraction(1, 1000), False), ("0.4", Fraction(1, 3), False), ("3.9", 4, False), ("0.3", Fraction(1, 3), True)])
def test_the_close_hint_is_for_the_key_rounded_or_cut_only(value, key, near):
    from cnnexam.model.answers import _rounded_near

    assert _rounded_near(Fraction(value), key) is near


def test_a_comma_after_the_closing_bracket_is_dropped():
    """`x = [[1, 2], [3, 4]],` is a one-value tuple in Python; the student meant the matrix."""
    assert ArrayAnswer(shape=(2, 2)).parse("[[1, 2], [3, 4]],") == ((1, 2), (3, 4))
    assert ShapeAnswer(ndim=3).parse("(6, 28, 28),") == (6, 28, 28)
    with pytest.raises(AnswerFormatError):
        ArrayAnswer(shape=(2, 2)).parse("[[1, 2], [3, 4]], [[1, 2], [3, 4]]")  # two matrices stay refused


def test_multiple_choice_splits_run_together_letters_only():
    """'AC' is A and C; 'ResNet' is an option's text, not six letters."""
    t = MultipleChoiceAnswer(options=("ResNet", "VGG", "AlexNet", "LeNet-5", "GoogLeNet", "MobileNet"))
    assert t.parse("AC") == t.parse("a, c") == frozenset({0, 2})
    assert t.parse("ResNet, VGG") == frozenset({0, 1})
    assert t.parse("A, ResNet") == frozenset({0})


def test_choices_written_as_python_values():
    """A list or set of option texts or letters, and a letter with a trailing comma (a one-value tuple)."""
    options = ("LeNet-5 uses max pooling and ReLU", "VGG stacks 3x3 convolutions", "ResNet adds skip connections",
               "AlexNet won ILSVRC 2012")
    many = MultipleChoiceAnswer(options=options)
    assert many.parse('["VGG stacks 3x3 convolutions", "ResNet adds skip connections"]') == frozenset({1, 2})
    assert many.parse('{"B", "C"}') == many.parse('["b", "c"]') == frozenset({1, 2})
    assert many.parse('["LeNet-5 uses max pooling and ReLU"]') == frozenset({0})  # its 'and' separates nothing
    one = SingleChoiceAnswer(options=options)
    assert one.parse('"D",') == one.parse("'d',") == 3


@pytest.mark.parametrize("answer_type, raw, point", [
    (NumberAnswer(decimals=2), "4,25", "4.25"), (FractionAnswer(), "0,035", "0.035"), (IntegerAnswer(), "12,5", "12.5")])
def test_a_decimal_comma_is_told_to_be_a_point(answer_type, raw, point):
    with pytest.raises(AnswerFormatError, match=f"^{raw} is two numbers to Python: write a decimal with a point "
                                                 rf"\({point}\)$"):
        answer_type.parse(raw)
    assert IntegerAnswer().parse("83,040") == 83040  # thousands stay thousands


def test_a_matrix_written_as_rows_of_numbers_without_brackets_is_told_so():
    # Python reads "-10 -1" as -10 - 1: the message must not say "one value"
    with pytest.raises(AnswerFormatError, match="^its numbers are not in brackets$"):
        ArrayAnswer(shape=(2, 2)).parse("-10 -1\n-8 -12")
