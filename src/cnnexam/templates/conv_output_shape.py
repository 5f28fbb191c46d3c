"""Output shape (C, H, W) of a convolutional layer: filters, kernel, stride, padding (a number, 'valid' or
'same') and, at the hard level, dilation. Strides that do not fit the input are common from the medium
level on: the output size is then rounded down (slides: N = 7, F = 3, S = 3 gives (7-3)/3 + 1 = 2.33,
so 2 positions).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, Code, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.solutions import conv_output_size, same_padding
from cnnexam.solutions.worked import output_size_steps
from cnnexam.templates._layer_arith import Mistakes, ceil_size, shape_text

SIZES = tuple(range(7, 65)) + (96, 112, 128, 224, 227)
# difficulty -> input sizes, square input?, kernel sizes, strides, paddings, dilations, share of unfit strides
LEVELS = {
    "easy": dict(sizes=tuple(range(5, 33)), square=1.0, kernels=(1, 3, 5), strides=(1, 2),
                 paddings=(0, 1, 2, "valid", "same"), dilations=(1,), unfit=0.0),
    "medium": dict(sizes=SIZES, square=0.6, kernels=(1, 3, 5, 7), strides=(1, 2, 3),
                   paddings=(0, 1, 2, 3, "valid", "same"), dilations=(1,), unfit=0.6),
    "hard": dict(sizes=SIZES, square=0.4, kernels=(2, 3, 4, 5, 7, 11), strides=(1, 2, 3, 4),
                 paddings=(0, 1, 2, 3, "valid", "same"), dilations=(1, 2, 2, 3), unfit=0.6),
}
IN_CHANNELS = (1, 3, 8, 16, 32, 64, 96, 128, 256)
OUT_CHANNELS = (4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


@dataclass(frozen=True)
class ConvShapeParams(Params):
    """The arguments of ``torch.nn.Conv2d`` and the input's spatial size (H, W); the input is
    (in_channels, H, W)."""

    in_channels: int
    out_channels: int
    kernel_size: int
    stride: int
    padding: int | str
    dilation: int
    input_size: tuple[int, int]

    def conv_args(self, **changes) -> dict:
        args = dict(size=self.input_size, kernel_size=self.kernel_size, stride=self.stride,
                    padding=self.padding, dilation=self.dilation)
        args.update(changes)
        return args


def total_padding(params: ConvShapeParams) -> int:
    """Rows (or columns) of zeros added in all, per dimension."""
    if params.padding == "same":
        return sum(same_padding(params.kernel_size, params.dilation))
    return 0 if params.padding == "valid" else 2 * params.padding


def channels_text(count: int) -> str:
    return "the single input channel" if count == 1 else f"all {count} input channels"


def unfit_dimensions(params: ConvShapeParams) -> list[str]:
    """The dimensions ('height', 'width') where the stride leaves a remainder (the output is rounded down)."""
    span = params.dilation * (params.kernel_size - 1) + 1
    return [name for name, n in zip(("height", "width"), params.input_size)
            if (n + total_padding(params) - span) % params.stride]


class ConvOutputShape(Template):
    id = "conv-output-shape"
    title = "Output shape of a convolutional layer"
    topic = "convolution"
    version = 1
    answer_kinds = ("shape",)
    summary = ("Shape (C, H, W) after a conv layer: filters, kernel, stride (floor when it does not fit), padding, "
               "dilation.")

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        want_unfit = rng.random() < level["unfit"]
        while True:
            h = int(rng.choice(level["sizes"]))
            w = h if rng.random() < level["square"] else int(rng.choice(level["sizes"]))
            k, s = int(rng.choice(level["kernels"])), int(rng.choice(level["strides"]))
            d = int(rng.choice(level["dilations"])) if k > 1 else 1
            padding = level["paddings"][rng.integers(len(level["paddings"]))]
            if padding == "same" and s != 1 or isinstance(padding, int) and padding > (d * (k - 1) + 1) // 2:
                continue
            c_in = int(rng.choice(IN_CHANNELS[:5] if difficulty == "easy" else IN_CHANNELS))
            c_out = int(rng.choice(OUT_CHANNELS[:9] if difficulty == "easy" else OUT_CHANNELS))
            params = ConvShapeParams(c_in, c_out, k, s, padding, d, (h, w))
            if c_in == c_out or min(h, w) + total_padding(params) < d * (k - 1) + 1 + s:  # at least 2 positions
                continue
            if bool(unfit_dimensions(params)) == want_unfit:
                return params

    def solve(self, params):
        h, w = conv_output_size(**params.conv_args())
        return {"shape": (params.out_channels, h, w)}

    def slots(self, params):
        return (Slot("shape", ShapeAnswer(ndim=3), 3, "output shape (C, H, W)"),)

    def question(self, params):
        k, s, p, d = params.kernel_size, params.stride, params.padding, params.dilation
        padding = {"same": "padding 'same'", "valid": "padding 'valid'", 0: "no padding"}.get(
            p, f"zero padding {p} on every side")
        dilation = f", dilation {d}" if d > 1 else ""
        code = f"torch.nn.Conv2d({params.in_channels}, {params.out_channels}, kernel_size={k}, stride={s}, " \
               f"padding={p!r}" + (f", dilation={d})" if dilation else ")")
        return (
            Text(f"An input of shape (C, H, W) = {shape_text((params.in_channels, *params.input_size))} goes "
                 f"through a convolutional layer with {params.out_channels} filters of size {k}x{k} (each "
                 f"spanning {channels_text(params.in_channels)}), stride {s}, {padding}{dilation}. "
                 "In PyTorch:"),
            Code(code),
            Text("What is the shape (C, H, W) of the output (one sample, no batch dimension)?"),
            AnswerBox("shape"),
        )

    def solution(self, params, answers):
        c, h, w = answers["shape"]
        steps = output_size_steps("conv", params.input_size, params.kernel_size, params.stride, params.padding,
                                  params.dilation)
        blocks = [Text("Per spatial dimension: $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$ "
                       "(with d = 1 this is $\\lfloor (n + 2p - k)/s \\rfloor + 1$).")]
        if params.padding == "same":
            top, bottom = same_padding(params.kernel_size, params.dilation)
            blocks.append(Text(f"padding='same' adds d(k-1) = {top + bottom} zeros per dimension ({top} before, "
                               f"{bottom} after), so at stride 1 the size stays the same."))
        elif params.padding == "valid":
            blocks.append(Text("padding='valid' means no padding: p = 0."))
        blocks.append(Steps("\n".join(step.text() for step in steps)))
        unfit = unfit_dimensions(params)
        if unfit:
            blocks.append(Text(f"The stride does not fit the {' and '.join(unfit)}: the division leaves a remainder, "
                               "so the last rows or columns cannot start another full window; round down."))
        blocks.append(Text(f"Channels: every filter gives one output channel, so C = {c} "
                           f"(each filter sums over {channels_text(params.in_channels)})."))
        blocks.append(Text(f"Output shape: {shape_text((c, h, w))}."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        c = params.out_channels

        def shape(**changes):
            return lambda: {"shape": (c, *conv_output_size(**params.conv_args(**changes)))}

        h, w = params.input_size
        s, p = params.stride, params.padding
        if unfit_dimensions(params):
            found.add("ceil-instead-of-floor", "rounded the division up instead of down",
                      "A window must fit completely inside the padded input: round (n + 2p - k)/s down.",
                      shape(size=(ceil_size(h, s), ceil_size(w, s))))
        found.add("forgot-plus-one", "forgot the +1 in the output-size formula",
                  "Count the first window position too: o = floor((n + 2p - k)/s) + 1.",
                  lambda: {"shape": (c, *(o - 1 for o in answers["shape"][1:]))})
        if isinstance(p, int) and p > 0:
            found.add("padded-one-side", "added the padding on one side only (p instead of 2p)",
                      "Zero padding p is added on both sides: the padded size is n + 2p.",
                      shape(size=(h + p, w + p), padding=0))
        if p == "same":
            found.add("same-as-no-padding", "treated padding='same' as no padding",
                      "'same' pads the input so that, at stride 1, the output keeps the input's height and width.",
                      shape(padding=0))
        found.add("channels-from-input", "kept the number of input channels",
                  "A conv layer has one output channel per filter: C_out is the number of filters.",
                  lambda: {"shape": (params.in_channels, *answers["shape"][1:])})
        if params.dilation > 1:
            found.add("ignored-dilation", "ignored the dilation (used the kernel size as the window size)",
                      "A dilated kernel spans d(k-1) + 1 cells.", shape(dilation=1))
        if s > 1:
            found.add("ignored-stride", "moved the window one cell at a time instead of by the stride",
                      "Divide by the stride: o = floor((n + 2p - k)/s) + 1.", shape(stride=1))
        return found.result()



TEMPLATE = ConvOutputShape()
