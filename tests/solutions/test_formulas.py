"""Closed forms against definitional counts (window positions, index intervals, loops over weights) and
against the lecture slides' numbers."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnexam.solutions import (
    conv_macs,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    depthwise_separable_params,
    linear_macs,
    linear_params,
    pool_output_size,
    receptive_field,
    same_padding,
)

small = st.integers(1, 6)


# ---- definitional oracles: slide a window and count, never use the formula ----


def count_windows(size, span, stride, before, after):
    """Window positions that fit in the padded input, by sliding one step at a time."""
    count, start = 0, -before
    while start + span <= size + after:
        count, start = count + 1, start + stride
    return count


def count_pool_windows(size, span, stride, padding, ceil_mode):
    """Pooling windows: in ceil mode a window is added while the previous one has not reached the end of
    the padded input, as long as it starts inside the input or the left padding."""
    if not ceil_mode:
        return count_windows(size, span, stride, padding, padding)
    count, start = 0, 0  # start in padded coordinates; the previous window started at start - stride
    while start < size + padding and start - stride + span < size + 2 * padding:
        count, start = count + 1, start + stride
    return count


# ---- output sizes ----


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 30), kernel=small, stride=small, padding=st.integers(0, 4), dilation=st.integers(1, 3))
def test_conv_output_size_counts_window_positions(size, kernel, stride, padding, dilation):
    span = dilation * (kernel - 1) + 1
    expected = count_windows(size, span, stride, padding, padding)
    if expected == 0:
        with pytest.raises(ValueError, match="kernel_size: the dilated kernel"):
            conv_output_size(size, kernel, stride, padding, dilation)
    else:
        assert conv_output_size(size, kernel, stride, padding, dilation) == expected


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 30), kernel=small, dilation=st.integers(1, 3))
def test_same_padding_keeps_the_size_and_puts_the_extra_after(size, kernel, dilation):
    before, after = same_padding(kernel, dilation)
    assert count_windows(size, dilation * (kernel - 1) + 1, 1, before, after) == size
    assert after - before in (0, 1)
    assert conv_output_size(size, kernel, 1, "same", dilation) == size


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(1, 30),
    kernel=small,
    stride=st.none() | small,
    data=st.data(),
    dilation=st.integers(1, 3),
    ceil_mode=st.booleans(),
)
def test_pool_output_size_counts_window_positions(size, kernel, stride, data, dilation, ceil_mode):
    padding = data.draw(st.integers(0, kernel // 2))
    span = dilation * (kernel - 1) + 1
    expected = count_pool_windows(size, span, kernel if stride is None else stride, padding, ceil_mode)
    if expected == 0:
        with pytest.raises(ValueError, match="kernel_size: the dilated kernel"):
            pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    else:
        assert pool_output_size(size, kernel, stride, padding, dilation, ceil_mode) == expected


def test_pool_ceil_mode_drops_a_window_that_starts_in_the_right_padding():
    # ceil((5 + 2 - 2)/2) + 1 = 4, but window 4 would start at padded index 6, past the input's end
    assert pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert pool_output_size(5, 2, 2, padding=1) == 3
    assert pool_output_size(6, 3, 2, ceil_mode=True) == 3  # the last window overhangs by one
    assert pool_output_size(6, 3, 2) == 2
    assert pool_output_size(1, 2, 2, ceil_mode=True) == 1  # a window larger than the input, allowed as in torch


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 12), kernel=small, stride=small, padding=st.integers(0, 3), dilation=st.integers(1, 3),
       data=st.data())
def test_conv_transpose_output_size_inverts_the_convolution(size, kernel, stride, padding, dilation, data):
    output_padding = data.draw(st.integers(0, max(stride, dilation) - 1))
    # A stride-s convolution maps s consecutive sizes onto `size`; the transposed convolution gives the
    # smallest of them, and output_padding picks a larger one.
    preimages = [m for m in range(1, 100) if _conv_size_or_zero(m, kernel, stride, padding, dilation) == size]
    assume(len(preimages) == stride)  # else padding crops sizes below 1 away
    expected = preimages[0] + output_padding
    assert conv_transpose_output_size(size, kernel, stride, padding, output_padding, dilation) == expected
    if output_padding < stride:
        assert expected in preimages


def _conv_size_or_zero(size, kernel, stride, padding, dilation):
    return count_windows(size, dilation * (kernel - 1) + 1, stride, padding, padding)


def test_pairs_in_pairs_out():
    assert conv_output_size((7, 9), 3) == (5, 7)
    assert conv_output_size(7, (3, 1), stride=(2, 1)) == (3, 7)
    assert conv_output_size(7, 3, padding=(1, 0)) == (7, 5)
    assert pool_output_size((4, 6), 2) == (2, 3)
    assert conv_transpose_output_size((2, 3), 3, stride=2) == (5, 7)
    assert same_padding(4) == (1, 2)
    assert same_padding((3, 4), dilation=(1, 3)) == ((1, 1), (4, 5))
    assert receptive_field([((3, 1), 1), (2, (2, 1))]) == (4, 2)
    assert conv_output_size(7, 3, padding="valid") == 5


def test_output_size_bad_values_name_the_argument():
    with pytest.raises(ValueError, match="size: must be at least 1"):
        conv_output_size(0, 3)
    with pytest.raises(ValueError, match="size: must be at least 1"):
        pool_output_size(-4, 2)
    with pytest.raises(ValueError, match="stride: must be at least 1"):
        conv_output_size(7, 3, stride=0)
    with pytest.raises(ValueError, match="padding: must be at least 0"):
        conv_output_size(7, 3, padding=-1)
    message = r"kernel_size: the dilated kernel \(5\) is larger than the padded input \(4\)$"
    with pytest.raises(ValueError, match=message):
        conv_output_size(4, 3, dilation=2)
    with pytest.raises(ValueError, match="padding: expected an int, a pair, 'valid' or 'same', got 'full'"):
        conv_output_size(7, 3, padding="full")
    with pytest.raises(ValueError, match="padding: 'same' is not supported for strided convolutions"):
        conv_output_size(7, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding: must be at most half the kernel size"):
        pool_output_size(7, 3, padding=2)
    with pytest.raises(ValueError, match="kernel_size: expected an int or a pair of ints"):
        pool_output_size(7, (3, 3, 3))
    with pytest.raises(ValueError, match="output_padding: must be smaller than the stride or the dilation"):
        conv_transpose_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="padding: 2 crops the whole output"):
        conv_transpose_output_size(1, 3, padding=2)
    with pytest.raises(ValueError, match="dilation: must be at least 1"):
        same_padding(3, dilation=0)


# ---- parameter and multiply-accumulate counts ----


def count_conv_weights(in_channels, out_channels, kh, kw, groups):
    """One weight per (filter, input channel it sees, kernel row, kernel column)."""
    count = 0
    for o in range(out_channels):
        group = o // (out_channels // groups)
        for c in range(in_channels):
            if c // (in_channels // groups) == group:
                count += kh * kw
    return count


@settings(max_examples=200, deadline=None)
@given(groups=st.integers(1, 4), cin=small, cout=small, kh=small, kw=small, bias=st.booleans())
def test_conv_params_count_every_weight(groups, cin, cout, kh, kw, bias):
    c_in, c_out = cin * groups, cout * groups
    expected = count_conv_weights(c_in, c_out, kh, kw, groups) + (c_out if bias else 0)
    assert conv_params(c_in, c_out, (kh, kw), bias, groups) == expected
    if kh == kw:
        assert conv_params(c_in, c_out, kh, bias, groups) == expected


@settings(max_examples=100, deadline=None)
@given(c_in=small, c_out=small, kernel=small, bias=st.booleans())
def test_depthwise_separable_is_a_depthwise_then_a_pointwise_convolution(c_in, c_out, kernel, bias):
    depthwise = count_conv_weights(c_in, c_in, kernel, kernel, groups=c_in) + (c_in if bias else 0)
    pointwise = count_conv_weights(c_in, c_out, 1, 1, groups=1) + (c_out if bias else 0)
    assert depthwise_separable_params(c_in, c_out, kernel, bias) == depthwise + pointwise


@settings(max_examples=100, deadline=None)
@given(n_in=st.integers(1, 50), n_out=st.integers(1, 50), bias=st.booleans())
def test_linear_counts(n_in, n_out, bias):
    weights = sum(1 for _ in range(n_out) for _ in range(n_in))
    assert linear_params(n_in, n_out, bias) == weights + (n_out if bias else 0)
    assert linear_macs(n_in, n_out) == weights


@settings(max_examples=100, deadline=None)
@given(groups=st.integers(1, 3), cin=st.integers(1, 3), cout=st.integers(1, 3), kernel=st.integers(1, 3),
       oh=st.integers(1, 4), ow=st.integers(1, 4))
def test_conv_macs_count_every_multiplication(groups, cin, cout, kernel, oh, ow):
    c_in, c_out = cin * groups, cout * groups
    macs = 0
    for o in range(c_out):
        for _ in range(oh * ow):
            macs += sum(kernel * kernel for c in range(c_in) if c // cin == o // cout)
    assert conv_macs(c_in, c_out, kernel, (oh, ow), groups) == macs
    if oh == ow:
        assert conv_macs(c_in, c_out, kernel, oh, groups) == macs


def test_count_bad_values_name_the_argument():
    with pytest.raises(ValueError, match="groups: in_channels=6 is not divisible by groups=4"):
        conv_params(6, 8, 3, groups=4)
    with pytest.raises(ValueError, match="groups: out_channels=6 is not divisible by groups=4"):
        conv_macs(8, 6, 3, 5, groups=4)
    with pytest.raises(ValueError, match="in_channels: expected an integer of at least 1, got 0"):
        conv_params(0, 8, 3)
    with pytest.raises(ValueError, match="out_channels: expected an integer of at least 1, got -2"):
        depthwise_separable_params(3, -2, 3)
    with pytest.raises(ValueError, match="kernel_size: must be at least 1"):
        conv_params(3, 8, 0)
    with pytest.raises(ValueError, match="out_features: expected an integer of at least 1, got 2.5"):
        linear_params(3, 2.5)
    with pytest.raises(ValueError, match="in_features: expected an integer of at least 1"):
        linear_macs(-1, 4)
    with pytest.raises(ValueError, match="output_size: must be at least 1"):
        conv_macs(3, 8, 3, 0)
    with pytest.raises(ValueError, match="groups: expected an integer of at least 1, got 0"):
        conv_params(3, 8, 3, groups=0)


# ---- receptive field ----


def interval_receptive_field(layers):
    """Propagate the index interval of one output unit back to the input: a unit at [lo, hi] of a layer's
    output reads [lo*stride, hi*stride + dilation*(kernel - 1)] of its input."""
    lo = hi = 0
    for kernel, stride, dilation in reversed(layers):
        lo, hi = lo * stride, hi * stride + dilation * (kernel - 1)
    return hi - lo + 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(small, st.integers(1, 3), st.integers(1, 3)), max_size=6), st.booleans())
def test_receptive_field_equals_the_propagated_interval(layers, without_dilation):
    if without_dilation:
        layers = [(k, s, 1) for k, s, _ in layers]
        assert receptive_field([(k, s) for k, s, _ in layers]) == interval_receptive_field(layers)
    assert receptive_field(layers) == interval_receptive_field(layers)


def test_receptive_field_bad_layers():
    with pytest.raises(ValueError, match=r"layers\[1\]: expected \(kernel_size, stride\) or"):
        receptive_field([(3, 1), (3,)])
    with pytest.raises(ValueError, match=r"layers\[0\] stride: must be at least 1"):
        receptive_field([(3, 0)])


# ---- the slides' numbers ----


def test_slide_parameter_counts():
    assert conv_params(128, 256, 3, bias=False) == 294_912  # 128x256x3x3
    assert conv_params(128, 64, 3, bias=False) == 73_728  # 3x3x128x64
    assert conv_params(3, 1, 5) == 76 and conv_params(3, 10, 5) == 760  # 5x5x3 + 1, ten filters
    assert conv_params(10, 1, 5) == 251 and conv_params(10, 16, 5) == 4_016  # 5x5x10 + 1, sixteen filters
    assert conv_params(3, 10, 3) == 280  # ten 3x3x3 filters with bias: 28 each
    # a dense layer on a 1000x1000x3 image with 1000 units: 3 billion weights
    assert linear_params(1000 * 1000 * 3, 1000, bias=False) == 3_000_000_000
    # "Why convolutions": 32x32x3 -> 28x28x6 fully connected is 3072 x 4704 (about 14M) weights
    assert linear_params(32 * 32 * 3, 28 * 28 * 6, bias=False) == 14_450_688
    # ... while six 5x5 filters on that 3-channel input have (5*5*3 + 1)*6 = 456 parameters. The slide's
    # "5x5 = 25 + 1 = 26 per filter, 6 x 26 = 156" forgets the 3 input channels: 156 is the count for a
    # single-channel input.
    assert conv_params(3, 6, 5) == 456
    assert conv_params(1, 6, 5) == 156


def test_slide_vgg_small_kernels():
    d = 64
    three_3x3 = 3 * conv_params(d, d, 3, bias=False)
    assert three_3x3 == 27 * d * d
    assert conv_params(d, d, 7, bias=False) == 49 * d * d
    # With biases the slide writes 49d^2 + d and 27d^2 + d; the first is right, but three layers have
    # three bias vectors: 27d^2 + 3d.
    assert conv_params(d, d, 7) == 49 * d * d + d
    assert 3 * conv_params(d, d, 3) == 27 * d * d + 3 * d
    # the same receptive field: three stacked 3x3 see 7x7, two see 5x5
    assert receptive_field([(3, 1)] * 3) == 7 == receptive_field([(7, 1)])
    assert receptive_field([(3, 1)] * 2) == 5
    # two 3x3 layers of 128 channels against one 5x5
    assert 2 * conv_params(128, 128, 3, bias=False) == 294_912
    assert conv_params(128, 128, 5, bias=False) == 409_600


def test_slide_output_sizes():
    assert conv_output_size(6, 3) == 4  # valid
    assert conv_output_size(6, 3, padding=1) == 6  # (6 + 2 - 3 + 1)
    assert [same_padding(f)[0] for f in (3, 5, 7)] == [1, 2, 3]  # p = (f - 1)/2
    assert conv_output_size(7, 3, stride=2) == 3  # (7 + 0 - 3)/2 + 1
    assert conv_output_size(227, 11, stride=4) == 55  # AlexNet's first layer
    assert pool_output_size(5, 3, stride=1) == 3  # max pooling f=3, s=1 on 5x5
    assert pool_output_size(4, 2) == 2  # average pooling f=2, s=2 on 4x4


def test_slide_lenet_like_table():
    """The CONV-POOL-CONV-POOL-FC-FC-SOFTMAX table: activation shape, size and parameters per layer.

    This slide's numbers all agree with the formulas. The widely copied version of the table lists
    208, 416, 48,001, 10,081 and 841 parameters instead: it leaves out the input channels of CONV1
    (5*5*8 + 8 = 208 instead of 5*5*3*8 + 8 = 608) and of CONV2 (5*5*16 + 16 = 416 instead of 3,216),
    and gives the fully connected layers one bias instead of one per unit (400*120 + 1 = 48,001).
    """
    rows = []
    shape = (32, 32, 3)
    rows.append(("input", shape, 3_072, 0))
    for name, kind, size, channels in [
        ("CONV1", "conv", 5, 8),
        ("POOL1", "pool", 2, None),
        ("CONV2", "conv", 5, 16),
        ("POOL2", "pool", 2, None),
    ]:
        h, w, c = shape
        if kind == "conv":
            out = conv_output_size((h, w), size, stride=1)
            params = conv_params(c, channels, size)
            shape = (*out, channels)
        else:
            shape = (*pool_output_size((h, w), size, stride=2), c)
            params = 0
        rows.append((name, shape, shape[0] * shape[1] * shape[2], params))
    features = shape[0] * shape[1] * shape[2]
    for name, units in [("FC3", 120), ("FC4", 84), ("softmax", 10)]:
        rows.append((name, (units, 1), units, linear_params(features, units)))
        features = units

    assert rows == [
        ("input", (32, 32, 3), 3_072, 0),
        ("CONV1", (28, 28, 8), 6_272, 608),
        ("POOL1", (14, 14, 8), 1_568, 0),
        ("CONV2", (10, 10, 16), 1_600, 3_216),
        ("POOL2", (5, 5, 16), 400, 0),
        ("FC3", (120, 1), 120, 48_120),
        ("FC4", (84, 1), 84, 10_164),
        ("softmax", (10, 1), 10, 850),
    ]
