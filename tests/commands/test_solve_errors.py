"""``cnnexam solve`` on input it cannot compute: a one-line error in the command's own terms."""

import pytest

from cnnexam.cli import main

ONES = ["--input", "[[1,1],[1,1]]"]


@pytest.mark.parametrize("argv, message", [
    (["conv2d", "--input", "[[10000000000,1],[1,1]]", "--weight", "[[10000000000]]"],
     "--input, --weight: integers this large could overflow"),
    (["conv2d", "--input", f"[[{10**25},1],[1,1]]", "--weight", "[[1]]"], "--input: integers beyond the int64 range"),
    (["conv2d", *ONES, "--weight", "[[1]]", "--padding", "100000000"], "--padding: the padded input would need"),
    (["conv2d", *ONES, "--weight", "[[1]]", "--stride", str(10**22)], "--stride: must be at most 2,147,483,647"),
    (["conv-transpose", *ONES, "--weight", "[[1]]", "--stride", "1000000000"], "--stride, --dilation: the output"),
    (["max-pool", *ONES, "--kernel-size", "3"], "--kernel-size: the dilated kernel (3) is larger"),
    (["conv2d", *ONES, "--weight", "[[1]]", "--padding", "200", "--steps"], "--steps: the result has 161,604 cells"),
])
def test_solve_refuses_with_one_line(capsys, argv, message):
    assert main(["solve", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cnnexam: error: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1


def test_a_long_bad_literal_is_not_echoed_in_full(capsys):
    text = "[[1,2]," + ",".join(["[1]"] * 400) + "]"
    assert main(["solve", "conv2d", "--input", text, "--weight", "[[1]]"]) == 2
    err = capsys.readouterr().err
    assert "rows of different lengths" in err and f"({len(repr(text)):,} characters)" in err
    assert len(err.splitlines()[-1]) < 250
