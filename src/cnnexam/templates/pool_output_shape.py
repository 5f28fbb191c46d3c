"""Output shape (C, H, W) of a max- or average-pooling layer: kernel size, stride (default: the kernel
size), padding and, at the hard level, ceil_mode (stated).

Slides: 2x2 windows with stride 2 halve the size; f = 3, s = 1 on a 5x5x2 input gives 3x3x2;
AlexNet's overlapping 3x3 stride-2 pooling takes 55x55 to 27x27.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, Code, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.solutions import pool_output_size
from cnnexam.solutions.worked import output_size_steps
from cnnexam.templates._layer_arith import Mistakes, ceil_size, shape_text

# difficulty -> input sizes, share of square inputs, kernels, strides (None: the default), paddings,
# share of ceil_mode=True, share of windows that do not fit
LEVELS = {
    "easy": dict(sizes=tuple(range(4, 65)), square=1.0, kernels=(2, 2, 3), strides=(None, None, 2, 3),
                 paddings=(0,), ceil=0.0, unfit=0.0),
    "medium": dict(sizes=tuple(range(5, 65)) + (55, 112, 224), square=0.6, kernels=(2, 3), strides=(None, 1, 2, 3),
                   paddings=(0, 0, 1), ceil=0.0, unfit=0.6),
    "hard": dict(sizes=tuple(range(5, 65)) + (55, 112, 224), square=0.4, kernels=(2, 3, 4, 5),
                 strides=(None, 1, 2, 3), paddings=(0, 1, 2), ceil=0.6, unfit=0.8),
}
CHANNELS = (1, 2, 3, 6, 8, 16, 32, 64, 96, 128, 256)


@dataclass(frozen=True)
class PoolShapeParams(Params):
    """``torch.nn.MaxPool2d`` / ``AvgPool2d`` arguments (stride None: the kernel size) and the input
    (channels, H, W); ``ceil_mode_stated`` says whether the prompt names ceil_mode."""

    mode: str  # 'max' or 'avg'
    channels: int
    input_size: tuple[int, int]
    kernel_size: int
    stride: int | None
    padding: int
    ceil_mode: bool
    ceil_mode_stated: bool

    @property
    def step(self) -> int:
        return self.kernel_size if self.stride is None else self.stride

    def sizes(self, **changes) -> tuple[int, int]:
        args = dict(size=self.input_size, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                    ceil_mode=self.ceil_mode)
        args.update(changes)
        return pool_output_size(**args)

    def unfit(self) -> list[str]:
        """The dimensions where the windows do not fit evenly (floor and ceil differ)."""
        return [name for name, n in zip(("height", "width"), self.input_size)
                if (n + 2 * self.padding - self.kernel_size) % self.step]


class PoolOutputShape(Template):
    id = "pool-output-shape"
    title = "Output shape of a pooling layer"
    topic = "pooling"
    version = 1
    answer_kinds = ("shape",)
    summary = "Shape (C, H, W) after max/average pooling: kernel, default stride, padding, floor vs ceil_mode."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        want_unfit = rng.random() < level["unfit"]
        ceil_mode = bool(rng.random() < level["ceil"])
        while True:
            h = int(rng.choice(level["sizes"]))
            w = h if rng.random() < level["square"] else int(rng.choice(level["sizes"]))
            k, stride = int(rng.choice(level["kernels"])), level["strides"][rng.integers(len(level["strides"]))]
            padding = int(rng.choice(level["paddings"]))
            params = PoolShapeParams(str(rng.choice(("max", "avg"))), int(rng.choice(CHANNELS)), (h, w), k, stride,
                                     padding, ceil_mode, difficulty == "hard")
            if padding > k // 2 or stride is not None and stride > k or min(h, w) < k + params.step:
                continue  # padding at most half the window (torch's rule), no skipped cells, 2+ windows
            if bool(params.unfit()) == want_unfit:
                return params

    def solve(self, params):
        return {"shape": (params.channels, *params.sizes())}

    def slots(self, params):
        return (Slot("shape", ShapeAnswer(ndim=3), 3, "output shape (C, H, W)"),)

    def question(self, params):
        k, s, p = params.kernel_size, params.stride, params.padding
        name = "max-pooling" if params.mode == "max" else "average-pooling"
        settings = [f"{k}x{k} windows", "stride left at its default" if s is None else f"stride {s}",
                    f"zero padding {p} on every side" if p else "no padding"]
        args = [f"kernel_size={k}"] + ([f"stride={s}"] if s is not None else []) + ([f"padding={p}"] if p else [])
        if params.ceil_mode_stated:
            settings.append(f"ceil_mode={params.ceil_mode}")
            args.append(f"ceil_mode={params.ceil_mode}")
        blocks = [
            Text(f"{'An' if params.mode == 'avg' else 'A'} {name} layer with {', '.join(settings)} is applied to an "
                 f"input of shape (C, H, W) = {shape_text((params.channels, *params.input_size))}. In PyTorch:"),
            Code(f"torch.nn.{'MaxPool2d' if params.mode == 'max' else 'AvgPool2d'}({', '.join(args)})"),
        ]
        if params.ceil_mode:
            blocks.append(Text("With ceil_mode=True the division is rounded up, so a last window that runs past the "
                               "bottom or right edge still counts, unless it would start in the padding."))
        return (*blocks, Text("What is the shape (C, H, W) of the output?"), AnswerBox("shape"))

    def solution(self, params, answers):
        steps = output_size_steps("pool", params.input_size, params.kernel_size, params.stride, params.padding,
                                  ceil_mode=params.ceil_mode)
        rounding = "\\lceil" if params.ceil_mode else "\\lfloor"
        blocks = [Text(f"Per spatial dimension: $o = {rounding} (n + 2p - k)/s {rounding.replace('l', 'r', 1)} + 1$"
                       + (", where the stride defaults to the kernel size: s = " + str(params.kernel_size)
                          if params.stride is None else "") + "."),
                  Steps("\n".join(step.text() for step in steps))]
        if params.unfit():
            blocks.append(Text(f"The windows do not fit the {' and '.join(params.unfit())} evenly: "
                               + ("rounding up keeps the partial last window." if params.ceil_mode
                                  else "the partial last window is dropped (round down).")))
        blocks.append(Text(f"Pooling works on each channel separately: C stays {params.channels}. "
                           f"Output shape: {shape_text(answers['shape'])}."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        c, (h, w) = params.channels, params.input_size

        def shape(**changes):
            return lambda: {"shape": (c, *params.sizes(**changes))}

        if params.step != 1:
            found.add("stride-one-assumed", "slid the window one cell at a time" +
                      (" (pooling's default stride is the kernel size)" if params.stride is None else ""),
                      "Move the window by the stride; when no stride is given, it equals the kernel size.",
                      shape(stride=1))
        if params.unfit():
            if params.ceil_mode:
                found.add("floor-instead-of-ceil", "rounded down although ceil_mode=True",
                          "With ceil_mode=True round up (keeping a partial last window that starts inside).",
                          shape(ceil_mode=False))
            else:
                found.add("ceil-instead-of-floor", "rounded up instead of down",
                          "By default (ceil_mode=False) a window must fit completely: round down.",
                          shape(ceil_mode=True))
        rounded_up = (ceil_size(h, params.step), ceil_size(w, params.step))  # plain ceil, no window dropped
        if params.ceil_mode and params.sizes() != params.sizes(size=rounded_up, ceil_mode=False):
            found.add("kept-window-in-padding", "kept a last window that starts in the padding",
                      "In ceil mode a window that would start in the right or bottom padding is dropped.",
                      shape(size=rounded_up, ceil_mode=False))
        found.add("forgot-plus-one", "forgot the +1 in the output-size formula",
                  "Count the first window too: o = floor((n + 2p - k)/s) + 1.",
                  lambda: {"shape": (c, *(o - 1 for o in answers["shape"][1:]))})
        if params.padding:
            found.add("ignored-padding", "ignored the padding", "Add p on both sides: n + 2p.", shape(padding=0))
        found.add("channels-pooled", "pooled across the channels as well",
                  "Pooling acts on each channel separately: the number of channels does not change.",
                  lambda: {"shape": (pool_output_size(c, params.kernel_size, params.stride, params.padding,
                                                      ceil_mode=params.ceil_mode), *answers["shape"][1:])})
        return found.result()



TEMPLATE = PoolOutputShape()
