"""Plain oracles for the network templates: slide a window one step at a time to count output positions,
and count weights per filter; nothing from cnnexam.solutions or the templates' helpers."""

from cnnexam.templates._arch import Conv, Flatten, Linear, MaxPool


def windows(size, kernel, stride, padding=0):
    """Positions of a window sliding over ``size`` cells padded by ``padding`` on both sides."""
    count, start = 0, -padding
    while start + kernel <= size + padding:
        count, start = count + 1, start + stride
    return count


def conv_weights(c_in, c_out, kernel, groups=1):
    """Weights of a convolution: every filter has kernel x kernel taps on each channel of its group."""
    return sum(kernel * kernel * (c_in // groups) for _ in range(c_out))


def walk(input_shape, layers):
    """{layer name: (output shape, parameters)} for a stack of the templates' layer records, with the
    checks a real network needs: windows fit, outputs are not empty, a flatten precedes a dense layer."""
    shape, out, flat = tuple(input_shape), {}, False
    for layer in layers:
        if isinstance(layer, Conv):
            assert not flat
            size = windows(shape[1], layer.kernel_size, layer.stride, layer.padding)
            assert layer.kernel_size <= shape[1] + 2 * layer.padding and size >= 1, layer
            params = conv_weights(shape[0], layer.out_channels, layer.kernel_size, layer.groups) + layer.out_channels
            shape = (layer.out_channels, size, size)
        elif isinstance(layer, MaxPool):
            assert not flat and layer.kernel_size <= shape[1], layer
            size = windows(shape[1], layer.kernel_size, layer.stride)
            shape, params = (shape[0], size, size), 0
        elif isinstance(layer, Flatten):
            total = 1
            for d in shape:
                total *= d
            shape, params, flat = (total,), 0, True
        else:
            assert isinstance(layer, Linear) and flat, f"{layer.name} comes before a flatten"
            params = shape[0] * layer.out_features + layer.out_features
            shape = (layer.out_features,)
        out[layer.name] = (shape, params)
    return out
