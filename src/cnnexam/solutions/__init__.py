"""The reference engine: every answer key cnnexam prints is computed here.

Semantics and argument names follow ``torch.nn.functional`` (NCHW, cross-correlation, stride / padding /
dilation as int or pair). A 2-D array is one single-channel image, a 3-D array one (C, H, W) sample, and
results keep the input's rank. Integer inputs give exact int64 results, float inputs float64. Bad
arguments raise ``ValueError`` naming the argument and the reason. Numba kernels live in ``_kernels``
and are compiled (and cached on disk) on first use, never at import.
"""

from .conv import conv2d, conv2d_backward, conv_transpose2d, convolve2d
from .formulas import (
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
from .layers import (
    alexnet_local_response_norm,
    linear,
    linear_backward,
    local_response_norm,
    relu,
    relu_backward,
    softmax_cross_entropy,
)
from .pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_exact,
    max_pool2d,
    max_pool2d_backward,
)

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"conv", "formulas", "layers", "pooling"}]
