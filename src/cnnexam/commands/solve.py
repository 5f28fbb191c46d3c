"""``cnnexam solve``: a calculator for checking a problem by hand, answered by the reference engine.

Arrays are Python literals (``"[[1,2],[3,4]]"``, read with ``ast.literal_eval``); shapes and the weight
layout follow the engine (a 2-D input is one image, a 3-D one a (C, H, W) sample; a 2-D weight is one
filter). Results print as aligned rows (``[[12 12 17] ...``), ``--steps`` adds the worked arithmetic and
``--json`` prints everything machine-readable instead.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import numbers
from fractions import Fraction

from cnnexam.messages import shown

_quoted = functools.partial(shown, limit=60, count=True)  # a pasted array can be long
MAX_STEPS = 2000  # output cells whose arithmetic --steps prints; more is no longer checking by hand


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "solve",
        help="compute one answer (convolution, pooling, output size, parameter count), optionally worked",
        description="A calculator for checking a problem by hand, answered by the reference engine. "
        "Arrays are Python literals such as \"[[1,2],[3,4]]\"; --steps adds the worked arithmetic.",
    )
    operations = parser.add_subparsers(dest="operation", metavar="OPERATION", required=True)
    for add in (_add_conv2d, _add_conv_transpose, _add_max_pool, _add_avg_pool, _add_output_size, _add_params):
        add(operations)


# ---- argument types (argparse reports their errors as "argument --option: message", exit code 2) ----


def array_literal(text: str):
    """A number or a rectangular nested list of numbers, read with ``ast.literal_eval``."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise argparse.ArgumentTypeError(f"not a Python literal of numbers: {_quoted(text)}") from None
    _shape(value, text)
    return value


def int_or_pair(text: str):
    """``N`` or ``H,W``."""
    parts = text.split(",")
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or H,W (integers), got {_quoted(text)}") from None
    if len(values) not in (1, 2):
        raise argparse.ArgumentTypeError(f"expected N or H,W (integers), got {_quoted(text)}")
    return values[0] if len(values) == 1 else values


def padding_value(text: str):
    """``same``, ``valid``, ``N`` or ``H,W``."""
    if text in ("same", "valid"):
        return text
    try:
        return int_or_pair(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected same, valid, N or H,W, got {_quoted(text)}") from None


def _shape(value, text: str) -> tuple[int, ...]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return ()
    if isinstance(value, (list, tuple)) and value:
        shapes = {_shape(item, text) for item in value}
        if len(shapes) == 1:
            return (len(value), *shapes.pop())
        raise argparse.ArgumentTypeError(f"rows of different lengths (not a rectangular array): {_quoted(text)}")
    raise argparse.ArgumentTypeError(f"expected numbers or nested lists of numbers, got {_quoted(value)} in {_quoted(text)}")


# ---- subcommands ----


def _operation(operations, name: str, summary: str) -> argparse.ArgumentParser:
    return operations.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}.")


def _input_options(parser, pool: bool = False) -> None:
    parser.add_argument("--input", type=array_literal, required=True, help="(H, W), (C, H, W) or (N, C, H, W) array")
    if pool:
        parser.add_argument("--kernel-size", type=int_or_pair, required=True, metavar="N|H,W")
        parser.add_argument("--stride", type=int_or_pair, metavar="N|H,W", help="default: the kernel size")
        parser.add_argument("--padding", type=int_or_pair, default=0, metavar="N|H,W", help="default: 0")
        parser.add_argument("--ceil-mode", action="store_true", help="round the output size up (torch's rule)")


def _output_options(parser) -> None:
    parser.add_argument("--steps", action="store_true", help="also print the worked arithmetic")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead")


def _conv_options(parser, transposed: bool) -> None:
    layout = "(C_in, C_out/groups, kh, kw)" if transposed else "(C_out, C_in/groups, kh, kw)"
    parser.add_argument(
        "--weight", type=array_literal, required=True, help=f"(kh, kw) filter, (C, kh, kw) filter or {layout} bank"
    )
    parser.add_argument("--bias", type=array_literal, help="a number (one filter) or one per output channel")
    parser.add_argument("--stride", type=int_or_pair, default=1, metavar="N|H,W", help="default: 1")
    if transposed:
        parser.add_argument("--padding", type=int_or_pair, default=0, metavar="N|H,W", help="default: 0")
        parser.add_argument("--output-padding", type=int_or_pair, default=0, metavar="N|H,W", help="default: 0")
    else:
        parser.add_argument(
            "--padding", type=padding_value, default=0, metavar="same|valid|N|H,W", help="default: 0"
        )
    parser.add_argument("--dilation", type=int_or_pair, default=1, metavar="N|H,W", help="default: 1")
    parser.add_argument("--groups", type=int, default=1, help="default: 1")


def _add_conv2d(operations) -> None:
    parser = _operation(operations, "conv2d", "convolution layer (cross-correlation, as torch.nn.functional.conv2d)")
    _input_options(parser)
    _conv_options(parser, transposed=False)
    _output_options(parser)
    parser.set_defaults(run=_run_conv2d)


def _add_conv_transpose(operations) -> None:
    parser = _operation(operations, "conv-transpose", "transposed convolution (conv_transpose2d)")
    _input_options(parser)
    _conv_options(parser, transposed=True)
    _output_options(parser)
    parser.set_defaults(run=_run_conv_transpose)


def _add_max_pool(operations) -> None:
    parser = _operation(operations, "max-pool", "max pooling (max_pool2d)")
    _input_options(parser, pool=True)
    parser.add_argument("--dilation", type=int_or_pair, default=1, metavar="N|H,W", help="default: 1")
    _output_options(parser)
    parser.set_defaults(run=_run_max_pool)


def _add_avg_pool(operations) -> None:
    parser = _operation(operations, "avg-pool", "average pooling (avg_pool2d); exact fractions for integer input")
    _input_options(parser, pool=True)
    parser.add_argument(
        "--count-include-pad",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="divide by the whole window, padding included (torch's default)",
    )
    _output_options(parser)
    parser.set_defaults(run=_run_avg_pool)


def _add_output_size(operations) -> None:
    parser = _operation(operations, "output-size", "output size of a convolution, pooling or transposed layer")
    parser.add_argument("--kind", choices=("conv", "pool", "transpose"), default="conv", help="default: conv")
    parser.add_argument("--size", type=int_or_pair, required=True, metavar="N|H,W", help="input size")
    parser.add_argument("--kernel-size", type=int_or_pair, required=True, metavar="N|H,W")
    parser.add_argument("--stride", type=int_or_pair, metavar="N|H,W", help="default: 1 (pool: the kernel size)")
    parser.add_argument(
        "--padding", type=padding_value, default=0, metavar="same|valid|N|H,W", help="default: 0 (same: conv only)"
    )
    parser.add_argument("--dilation", type=int_or_pair, default=1, metavar="N|H,W", help="default: 1")
    parser.add_argument("--ceil-mode", action="store_true", help="pool only: round up (torch's rule)")
    parser.add_argument("--output-padding", type=int_or_pair, default=0, metavar="N|H,W", help="transpose only")
    _output_options(parser)
    parser.set_defaults(run=_run_output_size)


def _add_params(operations) -> None:
    parser = _operation(operations, "params", "learnable parameters of a convolution or linear layer")
    parser.add_argument("--in-channels", type=int)
    parser.add_argument("--out-channels", type=int)
    parser.add_argument("--kernel-size", type=int_or_pair, metavar="N|H,W")
    parser.add_argument("--groups", type=int, default=1, help="default: 1")
    parser.add_argument("--separable", action="store_true", help="depthwise separable (depthwise + 1x1 pointwise)")
    parser.add_argument("--linear", action="store_true", help="a fully connected layer (--in/--out-features)")
    parser.add_argument("--in-features", type=int)
    parser.add_argument("--out-features", type=int)
    parser.add_argument("--no-bias", dest="bias", action="store_false", help="layers without bias")
    _output_options(parser)
    parser.set_defaults(run=_run_params)


# ---- running ----


def _engine_call(run):
    """Report the engine's errors in the command's own terms: ``--kernel-size`` for ``kernel_size``, and a
    clear message where a result is too large for memory or --steps."""

    @functools.wraps(run)
    def wrapped(args) -> int:
        try:
            return run(args)
        except ValueError as error:
            raise ValueError(_flag_names(str(error), args)) from None
        except MemoryError:
            raise ValueError("the result does not fit in memory; check --stride, --padding and --dilation") from None

    return wrapped


def _flag_names(message: str, args) -> str:
    head, colon, rest = message.partition(": ")
    names = head.split(", ")
    if not colon or not all(name in vars(args) for name in names):
        return message
    return ", ".join("--" + name.replace("_", "-") for name in names) + ": " + rest


def _check_steps(args, result) -> None:
    if args.steps and result.size > MAX_STEPS:
        raise ValueError(f"--steps: the result has {result.size:,} cells; --steps prints the arithmetic of at most "
                         f"{MAX_STEPS:,} (leave it out to get the result alone)")


@_engine_call
def _run_conv2d(args) -> int:
    from ..solutions import conv2d
    from ..solutions.worked import conv2d_steps

    options = dict(stride=args.stride, padding=args.padding, dilation=args.dilation, groups=args.groups)
    result = conv2d(args.input, args.weight, args.bias, **options)
    _check_steps(args, result)
    steps = [("steps", "", conv2d_steps(args.input, args.weight, args.bias, **options))] if args.steps else []
    return _emit(args, result, steps)


@_engine_call
def _run_conv_transpose(args) -> int:
    from ..solutions import conv_transpose2d
    from ..solutions.worked import conv_transpose2d_scatter, conv_transpose2d_steps

    options = dict(
        stride=args.stride,
        padding=args.padding,
        output_padding=args.output_padding,
        groups=args.groups,
        dilation=args.dilation,
    )
    arrays = (args.input, args.weight, args.bias)
    result = conv_transpose2d(*arrays, **options)
    _check_steps(args, result)
    steps = []
    if args.steps:
        scatter = conv_transpose2d_scatter(*arrays, **options)
        steps = [
            ("scatter", "each input cell adds input*weight to the output", scatter),
            ("steps", "each output cell sums what it received", conv_transpose2d_steps(*arrays, **options)),
        ]
    return _emit(args, result, steps)


@_engine_call
def _run_max_pool(args) -> int:
    from ..solutions import max_pool2d
    from ..solutions.worked import max_pool2d_steps

    options = dict(stride=args.stride, padding=args.padding, dilation=args.dilation, ceil_mode=args.ceil_mode)
    result = max_pool2d(args.input, args.kernel_size, **options)
    _check_steps(args, result)
    steps = [("steps", "", max_pool2d_steps(args.input, args.kernel_size, **options))] if args.steps else []
    return _emit(args, result, steps)


@_engine_call
def _run_avg_pool(args) -> int:
    from ..solutions import avg_pool2d, avg_pool2d_exact
    from ..solutions._args import as_array
    from ..solutions.worked import avg_pool2d_steps

    options = dict(
        stride=args.stride, padding=args.padding, ceil_mode=args.ceil_mode, count_include_pad=args.count_include_pad
    )
    x = as_array(args.input, "input")
    exact = x.dtype.kind == "i"
    result = (avg_pool2d_exact if exact else avg_pool2d)(x, args.kernel_size, **options)
    _check_steps(args, result)
    steps = [("steps", "", avg_pool2d_steps(x, args.kernel_size, **options))] if args.steps else []
    return _emit(args, result, steps)


@_engine_call
def _run_output_size(args) -> int:
    from ..solutions.worked import output_size_steps

    if args.ceil_mode and args.kind != "pool":
        raise ValueError("--ceil-mode applies to --kind pool only")
    if args.output_padding != 0 and args.kind != "transpose":
        raise ValueError("--output-padding applies to --kind transpose only")
    if isinstance(args.padding, str) and args.kind != "conv":
        raise ValueError(f"--padding {args.padding} applies to --kind conv only")
    formulas = output_size_steps(
        args.kind,
        args.size,
        args.kernel_size,
        args.stride,
        args.padding,
        args.dilation,
        args.ceil_mode,
        args.output_padding,
    )
    value = formulas[0].value if len(formulas) == 1 else tuple(f.value for f in formulas)
    return _emit_scalar(args, value, formulas)


@_engine_call
def _run_params(args) -> int:
    from ..solutions import worked

    if args.linear:
        _require(args, "--linear", ("in_features", "out_features"), ("in_channels", "out_channels", "kernel_size"))
        if args.separable or args.groups != 1:
            raise ValueError("--separable and --groups do not apply to --linear")
        formula = worked.linear_params_steps(args.in_features, args.out_features, args.bias)
    else:
        _require(args, "a convolution", ("in_channels", "out_channels", "kernel_size"), ("in_features", "out_features"))
        if args.separable:
            if args.groups != 1:
                raise ValueError("--groups does not apply to --separable")
            formula = worked.depthwise_separable_params_steps(
                args.in_channels, args.out_channels, args.kernel_size, args.bias
            )
        else:
            formula = worked.conv_params_steps(
                args.in_channels, args.out_channels, args.kernel_size, args.bias, args.groups
            )
    return _emit_scalar(args, formula.value, [formula])


def _require(args, what: str, needed: tuple[str, ...], excluded: tuple[str, ...]) -> None:
    missing = [f"--{name.replace('_', '-')}" for name in needed if getattr(args, name) is None]
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)}")
    extra = [f"--{name.replace('_', '-')}" for name in excluded if getattr(args, name) is not None]
    if extra:
        raise ValueError(f"{what} does not take {', '.join(extra)}")


# ---- output ----


def _emit(args, result, sections: list) -> int:
    """Print an array result after its worked steps, given as ``(json_key, heading, steps)`` sections."""
    values = result.tolist()
    if args.json:
        payload = {"operation": args.operation, "shape": list(result.shape), "result": _json_values(values)}
        if result.dtype == object:
            payload["decimal"] = _map(values, float)
        for key, _, section in sections:
            payload[key] = [step.as_dict() for step in section]
        print(json.dumps(payload))
        return 0
    for _, heading, section in sections:
        if heading:
            print(f"{heading}:")
        for step in section:
            print(step.text())
        print()
    print(format_array(values))
    return 0


def _emit_scalar(args, value, formulas: list) -> int:
    if args.json:
        payload = {"operation": args.operation, "result": list(value) if isinstance(value, tuple) else value}
        if args.steps:
            payload["steps"] = [f.as_dict() for f in formulas]
        print(json.dumps(payload))
        return 0
    if args.steps:
        for formula in formulas:
            print(formula.text())
    print(value)
    return 0


def format_array(values) -> str:
    """A nested list as aligned rows: ``[[12 12 17]`` / `` [9  6  14]]``, each column left-aligned to
    its widest entry (no padding before a closing bracket), blank lines between (C, H, W) blocks."""
    from ..solutions.worked import format_number

    texts = _map(values, format_number)
    if not isinstance(texts, list):
        return texts
    rows = list(_rows(texts))
    widths = [max(len(row[j]) for row in rows if j < len(row)) for j in range(max(len(row) for row in rows))]

    def render(block, depth: int) -> str:
        if not block or not isinstance(block[0], list):
            return "[" + " ".join(t.ljust(widths[j]) for j, t in enumerate(block)).rstrip() + "]"
        separator = "\n" * (_ndim(block) - 1) + " " * (depth + 1)
        return "[" + separator.join(render(child, depth + 1) for child in block) + "]"

    return render(texts, 0)


def _rows(texts):
    if texts and isinstance(texts[0], list):
        for child in texts:
            yield from _rows(child)
    else:
        yield texts


def _ndim(block) -> int:
    return 1 + _ndim(block[0]) if isinstance(block, list) and block else 0


def _map(values, function):
    if isinstance(values, list):
        return [_map(v, function) for v in values]
    return function(values)


def _json_values(values):
    """Exact fractions as strings (``"15/4"``); ints and floats as they are."""
    return _map(values, lambda v: str(v) if isinstance(v, Fraction) else v)
