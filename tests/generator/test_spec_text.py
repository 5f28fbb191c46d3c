"""What instructors and rosters write (instructions, names, ids, titles) prints as written in the notebook
and the PDF: only the instructions' $...$ maths and `code` are read as such."""

import dataclasses
import html as htmllib
import re

import pytest
from test_typst import PLAIN, compile_clean, synthetic_paper

from cnnexam.generator.notebook import render_notebooks
from cnnexam.generator.spec import SpecError, Student, load_spec
from cnnexam.generator.typst import escape_typst, render_typst, typst_string
from cnnexam.messages import cut

VALID = '''course = "Deep Learning"
title = "Quiz"
seed = 7

[[sections]]
[[sections.questions]]
template = "conv2d-output"
'''

INSTRUCTIONS = "Fees: $5 and $10 (\\$x$ too). Use $x_i$ and `np.sum`."


def with_instructions(text: str):
    paper = synthetic_paper()
    return dataclasses.replace(paper, spec=dataclasses.replace(paper.spec, instructions=text))


def header(paper) -> str:
    return render_notebooks(paper)[0]["cells"][0]["source"]


def test_dollars_that_are_money_print_literally_and_maths_stays_maths():
    paper = with_instructions(INSTRUCTIONS)
    assert "Fees: \\$5 and \\$10 (\\$x\\$ too). Use $x_i$ and `np.sum`." in header(paper)
    source = render_typst(paper)
    assert 'Fees: \\$5 and \\$10 (\\$x\\$ too). Use $x_(i)$ and #{raw("np.sum")}.' in source
    compile_clean(source)


def test_instructions_keep_their_paragraphs_and_lists():
    """Rules written as a list print as one in both formats, not as one run-on line."""
    text = ("90 minutes.\nNo notes.\n\nRules:\n- No phones.\n- One sheet of $\\frac{1}{2}$ page,\n  both sides.\n"
            "1. Answer every question.\n2. Run the last cell.\n\n-5 points stays text.")
    paper = with_instructions(text)
    assert ("90 minutes.\nNo notes.\n\nRules:\n\n- No phones.\n- One sheet of $\\frac{1}{2}$ page, both sides.\n\n"
            "1. Answer every question.\n2. Run the last cell.\n\n\\-5 points stays text.") in header(paper)
    source = render_typst(paper)
    assert "#list([No phones.], [One sheet of $frac(1, 2)$ page, both sides.])" in source
    assert "#enum(start: 1, [Answer every question.], [Run the last cell.])" in source
    compile_clean(source)


@pytest.mark.parametrize("text, message", [
    ("Use $\\foo{x}$.", "cannot translate the LaTeX '\\\\foo{x}': the command \\foo is not in the supported subset"),
    ("Use $x^$.", "cannot translate the LaTeX 'x^': a command or ^/_ without its argument"),
])
def test_maths_the_papers_cannot_print_is_an_error_at_load_time(tmp_path, text, message):
    path = tmp_path / "exam.toml"
    path.write_text(VALID.replace("seed = 7\n", f"seed = 7\ninstructions = '''{text}'''\n"), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == (f"{path}: instructions: {message}; expected text with $...$ maths in the LaTeX "
                                "subset of the questions (a dollar that is not maths: \\$)")


HOSTILE = "Ada *the* _first_ $x$ `c` <b>b</b> [l](javascript:alert(1)) ~~s~~ &amp; \\o/"


def test_names_ids_course_and_title_render_literally_in_the_notebook():
    mistune = pytest.importorskip("mistune")
    paper = synthetic_paper(Student("s_1$`[x]", HOSTILE))
    paper = dataclasses.replace(paper, spec=dataclasses.replace(paper.spec, course="# C*1*", title="<i>Mid_term_</i>"))
    heading, student = header(paper).split("\n")[:2]
    html = mistune.create_markdown(plugins=["strikethrough", "table", "url"])(heading + "\n\n" + student)
    for tag in ("<em>", "<code>", "<a ", "<b>", "<i>", "<del>"):
        assert tag not in html
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "# C*1*: <i>Mid_term_</i>" in text and f"Student: {HOSTILE} (s_1$`[x])" in text
    assert "\\$x\\$" in student  # Jupyter's maths: an escaped dollar is a dollar


def test_names_ids_course_and_title_print_literally_on_the_paper():
    paper = synthetic_paper(Student("s_1$`[x]", HOSTILE))
    paper = dataclasses.replace(paper, spec=dataclasses.replace(paper.spec, course="# C*1*", title="<i>Mid_term_</i>"))
    source = render_typst(paper)
    # the running header: one line, long values cut; the title block holds them whole
    assert f"[{escape_typst('# C*1* · <i>Mid_term_</i>')}]" in source
    assert f"[{escape_typst(cut(HOSTILE, 26))} · {escape_typst('s_1$`[x]')} · version" in source
    assert f"name: {typst_string(HOSTILE)}, id: {typst_string('s_1$`[x]')}" in source
    compile_clean(source)


@pytest.mark.parametrize("text", [HOSTILE, "s_1$`[x]", "# C*1*", "<i>Mid_term_</i>"])
def test_what_the_paper_escapes_prints_as_written(text):
    # the test above finds escape_typst's output in the paper; this checks that output prints the text itself
    compile_clean(PLAIN + f"#assert.eq(plain[{escape_typst(text)}], {typst_string(text)})")


def test_a_title_is_one_line(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_text(VALID.replace('title = "Quiz"', 'title = """Quiz\nPart 2"""'), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == f"{path}: title: expected one line of text, got 'Quiz\\nPart 2'"
