"""``cnnexam`` called through ``main(argv)``: printed answers, JSON, worked steps and error handling."""

import json
import shlex
import subprocess
import sys

import pytest

from cnnexam import __version__
from cnnexam.cli import main

SLIDE = [
    "--input", "[[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]]",
    "--weight", "[[0,1,2],[2,2,0],[0,1,2]]",
]
POOL_INPUT = "[[1,3,2,1],[2,9,1,1],[1,4,2,3],[5,6,1,2]]"


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def collapse(text):
    return " ".join(text.split())


def test_conv2d_slide_example(capsys):
    code, out, err = run(capsys, "solve", "conv2d", *SLIDE, "--stride", "1", "--padding", "0")
    assert code == 0 and err == ""
    assert collapse(out) == "[[12 12 17] [10 17 19] [9 6 14]]"
    assert out.splitlines()[2] == " [9  6  14]]"  # left-aligned columns, rows on their own lines


def test_conv2d_json(capsys):
    code, out, _ = run(capsys, "solve", "conv2d", *SLIDE, "--json", "--steps")
    payload = json.loads(out)
    assert code == 0
    assert payload["result"] == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert payload["shape"] == [3, 3]
    assert payload["steps"][0]["text"] == "out[0,0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12"


def test_conv2d_steps(capsys):
    code, out, _ = run(capsys, "solve", "conv2d", *SLIDE, "--steps")
    assert code == 0
    assert "out[0,0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12" in out
    assert "out[2,2] = 2*0 + 2*1 + 3*2 + 0*2 + 2*2 + 2*0 + 0*0 + 0*1 + 1*2 = 14" in out
    assert collapse(out).endswith("[[12 12 17] [10 17 19] [9 6 14]]")


def test_conv2d_options(capsys):
    # the vertical-edge example with 'same' padding, stride 2 and a bias
    image = str([[10, 10, 10, 0, 0, 0]] * 6)
    code, out, _ = run(capsys, "solve", "conv2d", "--input", image, "--weight", "[[1,0,-1],[1,0,-1],[1,0,-1]]")
    assert code == 0 and collapse(out) == "[[0 30 30 0] [0 30 30 0] [0 30 30 0] [0 30 30 0]]"
    code, out, _ = run(capsys, "solve", "conv2d", "--input", image, "--weight", "[[1,0,-1],[1,0,-1],[1,0,-1]]",
                       "--padding", "1", "--stride", "2,3", "--bias", "1")
    assert code == 0 and collapse(out) == "[[-19 21] [-29 31] [-29 31]]"
    code, out, _ = run(capsys, "solve", "conv2d", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", "--weight", "[[1,1]]",
                       "--padding", "same", "--dilation", "2")
    assert code == 0 and collapse(out) == "[[2 4 2] [5 10 5] [8 16 8]]"  # x[i,j-1] + x[i,j+1]


def test_conv2d_channels_and_groups(capsys):
    x = "[[[1,2],[3,4]],[[5,6],[7,8]]]"
    code, out, _ = run(capsys, "solve", "conv2d", "--input", x, "--weight", "[[[[1]]],[[[2]]]]", "--groups", "2")
    assert code == 0
    assert out == "[[[1  2]\n  [3  4]]\n\n [[10 12]\n  [14 16]]]\n"


def test_conv2d_float_result(capsys):
    code, out, _ = run(capsys, "solve", "conv2d", "--input", "[[0.1, 0.2, 0.5]]", "--weight", "[[1, 1]]")
    assert code == 0 and collapse(out) == "[[0.3 0.7]]"


def test_conv_transpose(capsys):
    argv = ["solve", "conv-transpose", "--input", "[[1,2],[3,-1]]", "--weight", "[[1,0],[2,1]]", "--stride", "2"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and collapse(out) == "[[1 0 2 0] [2 1 4 2] [3 0 -1 0] [6 3 -2 -1]]"
    code, out, _ = run(capsys, *argv, "--steps", "--padding", "1", "--output-padding", "1")
    assert code == 0
    assert "in[1,1] = -1: out[1,1] += (-1)*1 = -1, out[1,2] += (-1)*0 = 0, out[2,1] += (-1)*2 = -2, " in out
    assert "out[0,0] = 1*1 = 1" in out
    # the stride-2 result above, grown by one row and column and cropped by one on every side
    assert collapse(out).endswith("[[1 4 2] [0 -1 0] [3 -2 -1]]")
    payload = json.loads(run(capsys, *argv, "--steps", "--json")[1])
    assert payload["scatter"][0]["text"] == (
        "in[0,0] = 1: out[0,0] += 1*1 = 1, out[0,1] += 1*0 = 0, out[1,0] += 1*2 = 2, out[1,1] += 1*1 = 1"
    )
    assert payload["steps"][0]["text"] == "out[0,0] = 1*1 = 1"


def test_max_pool(capsys):
    code, out, _ = run(capsys, "solve", "max-pool", "--input", POOL_INPUT, "--kernel-size", "2", "--steps")
    assert code == 0
    assert "out[0,0] = max(1, 3, 2, 9) = 9" in out
    assert collapse(out).endswith("[[9 2] [6 3]]")
    code, out, _ = run(capsys, "solve", "max-pool", "--input", POOL_INPUT, "--kernel-size", "3", "--stride", "1")
    assert code == 0 and collapse(out) == "[[9 9] [9 9]]"


def test_avg_pool_prints_exact_fractions(capsys):
    code, out, _ = run(capsys, "solve", "avg-pool", "--input", POOL_INPUT, "--kernel-size", "2")
    assert code == 0 and collapse(out) == "[[15/4 5/4] [4 2]]"  # the slide's 3.75 1.25 / 4 2
    code, out, _ = run(capsys, "solve", "avg-pool", "--input", POOL_INPUT, "--kernel-size", "2", "--steps", "--json")
    payload = json.loads(out)
    assert payload["result"] == [["15/4", "5/4"], ["4", "2"]]
    assert payload["decimal"] == [[3.75, 1.25], [4.0, 2.0]]
    assert payload["steps"][0]["text"] == "out[0,0] = (1 + 3 + 2 + 9)/4 = 15/4 = 3.75"


def test_avg_pool_padding_and_ceil_mode(capsys):
    argv = ["solve", "avg-pool", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", "--kernel-size", "2", "--padding", "1"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and collapse(out) == "[[1/4 5/4] [11/4 7]]"
    code, out, _ = run(capsys, *argv, "--no-count-include-pad")
    assert code == 0 and collapse(out) == "[[1 5/2] [11/2 7]]"
    code, out, _ = run(capsys, "solve", "avg-pool", "--input", "[[1,2,3]]", "--kernel-size", "1,2", "--ceil-mode")
    assert code == 0 and collapse(out) == "[[3/2 3]]"


def test_output_size(capsys):
    argv = ["solve", "output-size", "--size", "7", "--kernel-size", "3", "--stride", "2", "--padding", "0"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out == "3\n"
    code, out, _ = run(capsys, *argv, "--steps")
    assert out == "floor((7 + 2*0 - 1*(3-1) - 1)/2) + 1 = 3\n3\n"
    code, out, _ = run(capsys, "solve", "output-size", "--kind", "pool", "--size", "5,6", "--kernel-size", "2",
                       "--json")
    assert code == 0 and json.loads(out)["result"] == [2, 3]
    code, out, _ = run(capsys, "solve", "output-size", "--kind", "transpose", "--size", "3", "--kernel-size", "3",
                       "--stride", "2", "--output-padding", "1")
    assert code == 0 and out == "8\n"


def test_params(capsys):
    code, out, _ = run(capsys, "solve", "params", "--in-channels", "3", "--out-channels", "10", "--kernel-size", "3",
                       "--steps")
    assert code == 0 and out == "3*3*3*10 + 10 = 280\n280\n"
    code, out, _ = run(capsys, "solve", "params", "--in-channels", "128", "--out-channels", "256", "--kernel-size",
                       "3", "--no-bias")
    assert out == "294912\n"
    code, out, _ = run(capsys, "solve", "params", "--in-channels", "32", "--out-channels", "64", "--kernel-size", "3",
                       "--separable", "--json")
    assert json.loads(out) == {"operation": "params", "result": 2432}
    code, out, _ = run(capsys, "solve", "params", "--in-channels", "4", "--out-channels", "6", "--kernel-size", "3",
                       "--groups", "2")
    assert out == "114\n"
    code, out, _ = run(capsys, "solve", "params", "--linear", "--in-features", "400", "--out-features", "120")
    assert out == "48120\n"


@pytest.mark.parametrize(
    "command, message",
    [
        ("conv2d --input '[[1,2],[3,4]' --weight [[1]]", "argument --input: not a Python literal"),
        ("conv2d --input '[[1,2],[3]]' --weight [[1]]", "argument --input: rows of different lengths"),
        ("conv2d --input \"__import__('os').getcwd()\" --weight [[1]]", "argument --input: not a Python literal"),
        ("conv2d --input [[1,2]] --weight \"[['a']]\"", "argument --weight: expected numbers"),
        ("conv2d --input [[1,2]] --weight [[1]] --stride x", "argument --stride: expected N or H,W"),
        ("conv2d --input [[1,2]] --weight [[1]] --padding full", "argument --padding: expected same, valid"),
        ("max-pool --input [[1,2]]", "the following arguments are required: --kernel-size"),
        ("output-size --size 7 --kernel-size 3 --kind dense", "argument --kind: invalid choice"),
        ("", "the following arguments are required: OPERATION"),
    ],
)
def test_usage_errors_exit_2_with_the_option_named(capsys, command, message):
    code, out, err = run(capsys, "solve", *shlex.split(command))
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_no_command_is_a_usage_error(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "the following arguments are required: COMMAND" in err


@pytest.mark.parametrize(
    "command, message",
    [
        ("conv2d --input [[1,2],[3,4]] --weight [[1,1,1],[1,1,1],[1,1,1]]", "weight: the kernel spans 3 pixels"),
        ("conv2d --input [[1,2],[3,4]] --weight [[1]] --stride 0", "stride: must be at least 1"),
        ("conv2d --input [[1,2],[3,4]] --weight [[[[1]]],[[[2]]]]", "weight: a 2-D input is one single-channel image"),
        ("max-pool --input [[1,2],[3,4]] --kernel-size 2 --padding 2", "padding: must be at most half the kernel"),
        ("output-size --size 7 --kernel-size 3 --ceil-mode", "--ceil-mode applies to --kind pool only"),
        ("output-size --size 7 --kernel-size 3 --kind pool --padding same", "--padding same applies to --kind conv"),
        ("output-size --size 7 --kernel-size 3 --output-padding 1", "--output-padding applies to --kind transpose"),
        ("output-size --size 2 --kernel-size 5", "--kernel-size: the dilated kernel (5) is larger"),
        ("params --in-channels 3 --kernel-size 3", "a convolution needs --out-channels"),
        ("params --linear --in-features 3 --out-features 2 --kernel-size 3", "--linear does not take --kernel-size"),
        ("params --linear --in-features 3 --out-features 2 --groups 2", "do not apply to --linear"),
        ("params --in-channels 4 --out-channels 4 --kernel-size 3 --separable --groups 2", "--groups does not apply"),
        ("params --in-channels 3 --out-channels 4 --kernel-size 3 --groups 2", "in_channels=3 is not divisible"),
    ],
)
def test_bad_values_exit_2_without_a_traceback(capsys, command, message):
    code, out, err = run(capsys, "solve", *shlex.split(command))
    assert code == 2 and out == ""
    assert err.startswith("cnnexam: error: ") and message in err and "Traceback" not in err


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"cnnexam {__version__}\n"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "solve" in out
    code, out, _ = run(capsys, "solve", "avg-pool", "--help")
    assert code == 0 and "--count-include-pad" in out and "--no-count-include-pad" in out


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["solve", "conv2d", "--help"]])
def test_help_imports_neither_numba_nor_numpy(argv):
    script = (
        "import sys, contextlib, io, cnnexam.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = cnnexam.cli.main({argv!r})\n"
        "print(code, sorted(m for m in ('numba', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == "0 []\n"


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """A gradebook of two students who handed in their solution notebooks."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "two.csv").write_text("id,name\ns001,Ada\ns002,Alan\n", encoding="utf-8")
    out = folder / "out"
    assert main(["init", str(folder)]) == 0
    assert main(["generate", str(folder / "exam.toml"), "--roster", str(folder / "two.csv"), "--out", str(out),
                 "--formats", "ipynb", "--workers", "1"]) == 0
    assert main(["grade", str(out), str(out / "instructor" / "solutions"), "--workers", "1"]) == 0
    return out / "grades.sqlite"


def test_report_out_that_cannot_be_written(gradebook, tmp_path, capsys):
    capsys.readouterr()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    cases = [
        ("stats", tmp_path / "file", "is a file; expected a folder"),
        ("feedback", tmp_path / "file", "is a file; expected a folder"),
        ("canvas-csv", tmp_path / "missing" / "grades.csv", f"the folder {tmp_path / 'missing'} does not exist"),
        ("canvas-csv", tmp_path, "is a folder; expected a file name"),
    ]
    for fmt, out, message in cases:
        code, _, err = run(capsys, "report", str(gradebook), "--format", fmt, "--out", str(out))
        assert (code, err) == (1, f"cnnexam: error: --out {out}: {message}\n")
