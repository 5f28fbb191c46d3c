"""Plain oracles for the layer-arithmetic templates: slide windows one step at a time, count weights
filter by filter, and follow input pixels through a stack; nothing from cnnexam.solutions."""


def positions(size, kernel, stride=1, before=0, after=0, dilation=1):
    """Window positions over ``size`` cells with ``before``/``after`` zeros added: every start whose
    dilated window ends inside the padded input."""
    span = dilation * (kernel - 1) + 1
    count, start = 0, 0
    while start + span <= before + size + after:
        count, start = count + 1, start + stride
    return count


def conv_size(size, kernel, stride=1, padding=0, dilation=1):
    """One dimension of a convolution's output; padding an int, 'valid' or 'same' (torch puts the odd
    zero of an uneven 'same' padding after)."""
    if padding == "same":
        total = dilation * (kernel - 1)
        return positions(size, kernel, stride, total // 2, total - total // 2, dilation)
    pad = 0 if padding == "valid" else padding
    return positions(size, kernel, stride, pad, pad, dilation)


def pool_size(size, kernel, stride=None, padding=0, ceil_mode=False):
    """One dimension of a pooling output. In ceil mode one more window is taken when the fitting ones
    leave cells at the end uncovered, unless it would start in the right padding."""
    stride = kernel if stride is None else stride
    count = positions(size, kernel, stride, padding, padding)
    covered_to = (count - 1) * stride + kernel  # padded cells [0, covered_to) lie in some window or a gap
    if ceil_mode and covered_to < size + 2 * padding and count * stride < size + padding:
        count += 1
    return count


def conv_weights(c_in, c_out, kernel, bias=True, groups=1):
    """Count weights filter by filter: each filter has kernel x kernel taps on each channel of its group,
    and its own bias."""
    total = 0
    for _ in range(c_out):
        total += kernel * kernel * (c_in // groups) + (1 if bias else 0)
    return total


def field(layers):
    """Receptive field of a unit far from the borders: the input indices reached by following every
    tap of every layer back to the input. ``layers`` are (kernel, stride, dilation) from input to output."""
    reached = {0}
    for kernel, stride, dilation in reversed(layers):
        reached = {j * stride + t * dilation for j in reached for t in range(kernel)}
    return max(reached) - min(reached) + 1
