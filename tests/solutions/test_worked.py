"""Worked steps: every step's arithmetic, re-evaluated from its text, gives the engine's result."""

import ast
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnexam.solutions import (
    avg_pool2d_exact,
    conv2d,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_size,
    max_pool2d,
    pool_output_size,
)
from cnnexam.solutions import worked
from cnnexam.solutions.worked import (
    AvgPoolStep,
    Formula,
    MaxPoolStep,
    Step,
    avg_pool2d_steps,
    conv2d_steps,
    conv_transpose2d_scatter,
    conv_transpose2d_steps,
    format_number,
    max_pool2d_steps,
    output_size_steps,
)

SLIDE_INPUT = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
SLIDE_WEIGHT = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]


def evaluate(expression: str) -> Fraction:
    """Exact value of the arithmetic a step prints: numbers, + - * /, parentheses, floor, ceil, max."""
    functions = {"floor": math.floor, "ceil": math.ceil, "max": lambda *values: max(values)}

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return Fraction(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            operations = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__"}
            return getattr(left, operations[type(node.op)])(right)
        if isinstance(node, ast.Call) and node.func.id in functions and not node.keywords:
            return Fraction(functions[node.func.id](*(walk(a) for a in node.args)))
        raise AssertionError(f"unexpected syntax in a worked step: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval"))


def check_steps(steps, result, exact=True):
    """Steps cover the result in row-major order, each at its own value, and each expression adds up."""
    assert [s.position for s in steps] == list(np.ndindex(result.shape))
    for step in steps:
        assert step.value == result[step.position]
        if exact:
            assert evaluate(step.expression()) == step.value, step.text()
        else:  # the text rounds operands to 12 significant digits
            assert float(evaluate(step.expression())) == pytest.approx(step.value, rel=1e-9, abs=1e-9)
        assert step.text().endswith(f"= {format_number(step.value)}") or isinstance(step, AvgPoolStep)
        json.dumps(step.as_dict())


# ---- convolution ----


def test_slide_example_steps():
    steps = conv2d_steps(SLIDE_INPUT, SLIDE_WEIGHT)
    assert steps[0].text() == "out[0,0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12"
    assert steps[0] == Step((0, 0), ((3, 0), (3, 1), (2, 2), (0, 2), (0, 2), (1, 0), (3, 0), (1, 1), (2, 2)), None, 12)
    assert [s.value for s in steps] == [12, 12, 17, 10, 17, 19, 9, 6, 14]
    assert all(type(s.value) is int and all(type(x) is int for term in s.terms for x in term) for s in steps)


def test_negative_numbers_are_parenthesised_and_padding_shows_as_zero():
    steps = conv2d_steps([[1, -2], [3, 4]], [[1, -1], [2, 0]], bias=[-3], padding=1)
    assert steps[0].text() == "out[0,0] = 0*1 + 0*(-1) + 0*2 + 1*0 + (-3) = -3"
    assert steps[4].text() == "out[1,1] = 1*1 + (-2)*(-1) + 3*2 + 4*0 + (-3) = 6"


def test_float_steps_print_without_noise():
    steps = conv2d_steps([[0.1, 0.2]], [[1.0, 1.0]])
    assert steps[0].text() == "out[0,0] = 0.1*1.0 + 0.2*1.0 = 0.3"


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    stride = draw(st.integers(1, 2) | st.tuples(st.integers(1, 3), st.integers(1, 2)))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 1)) | st.just("valid")
                   | st.just("same" if stride == 1 else 0))
    rank = draw(st.sampled_from([2, 3, 4]) if c_in == 1 and c_out == 1 else st.sampled_from([3, 4]))
    assume_fits = (padding == "same") or _fits((h, w), (kh, kw), stride, padding, dilation)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-5, 6, (draw(st.integers(1, 2)), c_in, h, w))
    x = x[0, 0] if rank == 2 else x[0] if rank == 3 else x
    weight = rng.integers(-3, 4, (c_out, c_in // groups, kh, kw))
    bias = rng.integers(-3, 4, c_out) if draw(st.booleans()) else None
    return assume_fits, x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def _fits(size, kernel, stride, padding, dilation):
    try:
        conv_output_size(size, kernel, stride, 0 if padding == "valid" else padding, dilation)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_steps_add_up_to_the_engine(case):
    fits, x, weight, bias, options = case
    assume(fits)
    result = conv2d(x, weight, bias, **options)
    check_steps(conv2d_steps(x, weight, bias, **options), result)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_conv2d_float_steps(seed):
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=(2, 5, 4)), rng.normal(size=(3, 2, 2, 3))
    result = conv2d(x, weight, padding=1)
    steps = conv2d_steps(x, weight, padding=1)
    check_steps(steps, result, exact=False)
    for step in steps:
        assert math.fsum(a * b for a, b in step.terms) == pytest.approx(step.value, rel=1e-12, abs=1e-12)


def test_single_filter_weights_and_scalar_bias():
    # a 3-D weight over a (C, H, W) input is one filter: one output channel, terms over both channels
    steps = conv2d_steps(np.arange(18).reshape(2, 3, 3), np.ones((2, 2, 2), int), bias=-1)
    assert steps[0].position == (0, 0, 0) and len(steps) == 4
    assert steps[0].text() == "out[0,0,0] = 0*1 + 1*1 + 3*1 + 4*1 + 9*1 + 10*1 + 12*1 + 13*1 + (-1) = 51"
    scatter = conv_transpose2d_scatter(np.ones((2, 1, 1), int), [[[1]], [[2]]])
    assert [s.text() for s in scatter] == [
        "in[0,0,0] = 1: out[0,0,0] += 1*1 = 1",
        "in[1,0,0] = 1: out[0,0,0] += 1*2 = 2",
    ]


# ---- transposed convolution ----


def test_transposed_steps_small_example():
    x, weight = [[1, 2], [3, -1]], [[1, 0], [2, 1]]
    scatter = conv_transpose2d_scatter(x, weight, stride=2)
    assert scatter[1].text() == (
        "in[0,1] = 2: out[0,2] += 2*1 = 2, out[0,3] += 2*0 = 0, out[1,2] += 2*2 = 4, out[1,3] += 2*1 = 2"
    )
    steps = conv_transpose2d_steps(x, weight, bias=[5], stride=1)
    assert steps[4].text() == "out[1,1] = 1*1 + 2*2 + 3*0 + (-1)*1 + 5 = 9"


@st.composite
def transpose_cases(draw):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2))
    output_padding = draw(st.integers(0, max(stride, dilation) - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-5, 6, (draw(st.integers(1, 2)), c_in, h, w))
    if draw(st.booleans()):
        x = x[0]
    weight = rng.integers(-3, 4, (c_in, c_out // groups, kh, kw))
    bias = rng.integers(-3, 4, c_out) if draw(st.booleans()) else None
    options = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    return x, weight, bias, options


@settings(max_examples=150, deadline=None)
@given(transpose_cases())
def test_transposed_steps_add_up_to_the_engine(case):
    x, weight, bias, options = case
    size = (x.shape[-2], x.shape[-1])
    try:
        conv_transpose_output_size(size, weight.shape[2:], options["stride"], options["padding"],
                                   options["output_padding"], options["dilation"])
    except ValueError:
        assume(False)
    result = conv_transpose2d(x, weight, bias, **options)
    check_steps(conv_transpose2d_steps(x, weight, bias, **options), result)
    # scattering every input cell and adding the bias builds the same result
    total = np.zeros(result.shape, dtype=np.int64)
    if bias is not None:
        total += np.asarray(bias).reshape(-1, 1, 1)
    for cell in conv_transpose2d_scatter(x, weight, bias, **options):
        assert cell.value == x[cell.position]
        for where, w in cell.targets:
            total[where] += cell.value * w
    np.testing.assert_array_equal(total, result)


# ---- pooling ----


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.none() | st.integers(1, 3))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    shape = draw(st.sampled_from([(), (2,), (2, 1)])) + (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.integers(-9, 10, shape), (kh, kw), stride, padding, draw(st.booleans())


def _pool_fits(x, kernel, stride, padding, dilation, ceil_mode):
    try:
        pool_output_size(x.shape[-2:], kernel, stride, padding, dilation, ceil_mode)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(pool_cases(), st.integers(1, 2))
def test_max_pool_steps_add_up_to_the_engine(case, dilation):
    x, kernel, stride, padding, ceil_mode = case
    assume(_pool_fits(x, kernel, stride, padding, dilation, ceil_mode))
    try:
        result = max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    except ValueError as error:  # a dilated window holding only padding has no maximum
        assert str(error).startswith("dilation:")
        return
    steps = max_pool2d_steps(x, kernel, stride, padding, dilation, ceil_mode)
    check_steps(steps, result)
    assert all(isinstance(s, MaxPoolStep) and s.values for s in steps)


@settings(max_examples=150, deadline=None)
@given(pool_cases(), st.booleans())
def test_avg_pool_steps_add_up_to_the_exact_engine(case, count_include_pad):
    x, kernel, stride, padding, ceil_mode = case
    assume(_pool_fits(x, kernel, stride, padding, 1, ceil_mode))
    result = avg_pool2d_exact(x, kernel, stride, padding, ceil_mode, count_include_pad)
    steps = avg_pool2d_steps(x, kernel, stride, padding, ceil_mode, count_include_pad)
    check_steps(steps, result)
    assert all(isinstance(s.value, Fraction) for s in steps)


def test_pool_step_texts():
    x = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]]  # the slides' pooling example
    assert [s.text() for s in max_pool2d_steps(x, 2)][:2] == [
        "out[0,0] = max(1, 3, 2, 9) = 9",
        "out[0,1] = max(2, 1, 1, 1) = 2",
    ]
    texts = [s.text() for s in avg_pool2d_steps(x, 2)]
    assert texts == [
        "out[0,0] = (1 + 3 + 2 + 9)/4 = 15/4 = 3.75",
        "out[0,1] = (2 + 1 + 1 + 1)/4 = 5/4 = 1.25",
        "out[1,0] = (1 + 4 + 5 + 6)/4 = 4",
        "out[1,1] = (2 + 3 + 1 + 2)/4 = 2",
    ]
    assert avg_pool2d_steps([[1, 1, -1]], (1, 3))[0].text() == "out[0,0] = (1 + 1 + (-1))/3 = 1/3 ≈ 0.3333"


def test_pool_padding_in_steps():
    # max pooling never takes padding; average pooling counts padded zeros only with count_include_pad
    x = [[-1, -2], [-3, -4]]
    assert max_pool2d_steps(x, 2, 1, 1)[0] == MaxPoolStep((0, 0), (-1,), -1)
    assert avg_pool2d_steps(x, 2, 1, 1)[0] == AvgPoolStep((0, 0), (0, 0, 0, -1), Fraction(-1, 4))
    assert avg_pool2d_steps(x, 2, 1, 1, count_include_pad=False)[0] == AvgPoolStep((0, 0), (-1,), Fraction(-1))
    assert avg_pool2d_steps(x, 2, 1, 1)[0].text() == "out[0,0] = (0 + 0 + 0 + (-1))/4 = -1/4 = -0.25"


def test_avg_pool_ceil_mode_window_stops_at_the_padding():
    # the last window of a ceil-mode pooling hangs past the input: torch divides by the cells it covers
    steps = avg_pool2d_steps([[1, 2, 3, 4, 5]], (1, 2), ceil_mode=True)
    assert steps[-1] == AvgPoolStep((0, 2), (5,), Fraction(5))


def test_avg_pool_float_input_steps():
    steps = avg_pool2d_steps([[0.5, 1.5], [2.0, 4.0]], 2)
    assert steps[0].text() == "out[0,0] = (0.5 + 1.5 + 2.0 + 4.0)/4 = 2.0"


# ---- closed forms ----


def test_output_size_formula_texts():
    assert output_size_steps("conv", 7, 3, 2)[0].text() == "floor((7 + 2*0 - 1*(3-1) - 1)/2) + 1 = 3"
    assert output_size_steps("conv", 7, 4, padding="same")[0].text() == "floor((7 + (1 + 2) - 1*(4-1) - 1)/1) + 1 = 7"
    assert [f.text() for f in output_size_steps("transpose", (3, 4), 3, 2, output_padding=1)] == [
        "height: (3-1)*2 - 2*0 + 1*(3-1) + 1 + 1 = 8",
        "width: (4-1)*2 - 2*0 + 1*(3-1) + 1 + 1 = 10",
    ]
    dropped = output_size_steps("pool", 5, 2, padding=1, ceil_mode=True)[0]
    assert dropped == Formula(
        "", "ceil((5 + 2*1 - 1*(2-1) - 1)/2) + 1 - 1", 3,
        "window 4 would start at 3*2 = 6 >= 5 + 1, in the right padding",
    )
    with pytest.raises(ValueError, match="kind: expected 'conv', 'pool' or 'transpose', got 'dense'"):
        output_size_steps("dense", 7, 3)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["conv", "pool", "transpose"]),
    size=st.integers(1, 20) | st.tuples(st.integers(1, 20), st.integers(1, 20)),
    kernel=st.integers(1, 5),
    stride=st.none() | st.integers(1, 4),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 3),
    ceil_mode=st.booleans(),
    output_padding=st.integers(0, 1),
)
def test_output_size_formulas_evaluate_to_their_value(kind, size, kernel, stride, padding, dilation, ceil_mode,
                                                      output_padding):
    options = dict(ceil_mode=ceil_mode and kind == "pool", output_padding=output_padding if kind == "transpose" else 0)
    try:
        formulas = output_size_steps(kind, size, kernel, stride, padding, dilation, **options)
    except ValueError:
        assume(False)
    expected = {
        "conv": lambda: conv_output_size(size, kernel, stride or 1, padding, dilation),
        "pool": lambda: pool_output_size(size, kernel, stride, padding, dilation, options["ceil_mode"]),
        "transpose": lambda: conv_transpose_output_size(size, kernel, stride or 1, padding, output_padding, dilation),
    }[kind]()
    assert tuple(f.value for f in formulas) == (expected if isinstance(expected, tuple) else (expected,))
    for formula in formulas:
        assert evaluate(formula.expression) == formula.value, formula.text()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 7), st.integers(1, 3), st.booleans())
def test_parameter_formulas_evaluate_to_their_value(cin, cout, kernel, groups, bias):
    formulas = [
        worked.conv_params_steps(cin * groups, cout * groups, kernel, bias, groups),
        worked.conv_params_steps(cin, cout, (kernel, 1), bias),
        worked.depthwise_separable_params_steps(cin, cout, kernel, bias),
        worked.linear_params_steps(cin * 100, cout, bias),
    ]
    for formula in formulas:
        assert evaluate(formula.expression) == formula.value, formula.text()


def test_parameter_formula_texts():
    assert worked.conv_params_steps(3, 10, 3).text() == "3*3*3*10 + 10 = 280"
    assert worked.conv_params_steps(128, 256, 3, bias=False).text() == "3*3*128*256 = 294912"
    assert worked.conv_params_steps(6, 4, 3, groups=2).text() == "3*3*(6/2)*4 + 4 = 112"
    assert worked.depthwise_separable_params_steps(32, 64, 3).text() == "3*3*32 + 32 + 32*64 + 64 = 2432"
    assert worked.linear_params_steps(400, 120).text() == "400*120 + 120 = 48120"


def test_format_number():
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(-0.0) == "0.0"
    assert format_number(2.0) == "2.0"
    assert format_number(1e-20) == "1e-20"
    assert format_number(np.int64(-3).item()) == "-3"
    assert format_number(Fraction(6, 4)) == "3/2"
    assert format_number(Fraction(4, 2)) == "2"
