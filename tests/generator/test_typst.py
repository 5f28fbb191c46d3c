"""The Typst renderer: LaTeX-subset math, escaping, every block and answer kind, what a student paper
must not show, determinism, and the whole catalog compiling without errors or warnings."""

from dataclasses import dataclass
from fractions import Fraction

import re

import pytest

from cnnexam.generator.paper import Paper, Question, assemble
from cnnexam.generator.spec import ExamSpec, QuestionSpec, Section, Student
from cnnexam.generator.typst import (class_answer_sheet, compile_pdf, compiler, escape_typst, latex_to_typst, prose,
                                     question_groups, render_typst, sheet_row, typst_string)
from cnnexam.model.answers import (ArrayAnswer, CodeAnswer, FractionAnswer, IntegerAnswer, MultipleChoiceAnswer,
                                   NumberAnswer, ShapeAnswer, ShortTextAnswer, SingleChoiceAnswer, SymbolicAnswer,
                                   TrueFalseAnswer)
from cnnexam.model.blocks import AnswerBox, Bullets, Code, Math, Matrix, SlotRef, Steps, Table, Tensor, Text
from cnnexam.model.template import Params, Slot, Variant
from cnnexam.templates import all_templates


def compile_clean(source: str) -> bytes:
    """The PDF, asserting that Typst reported neither an error (raised) nor a warning."""
    pdf, warnings = compiler().compile_with_warnings(input=source.encode("utf-8"), format="pdf")
    assert not warnings, [w.message for w in warnings]
    return pdf


# ---- LaTeX subset -> Typst math ---------------------------------------------------------------------

@pytest.mark.parametrize("tex, typst", [
    (r"\frac{a}{b}", "frac(a, b)"),
    (r"\frac{n + 2p - k}{s} + 1", "frac(n + 2 p - k, s) + 1"),
    (r"\lfloor (n + 2p - k)/s \rfloor + 1", r"floor.l ( n + 2 p - k ) \/ s floor.r + 1"),
    (r"o = \lceil x/2 \rceil", r"o = ceil.l x \/ 2 ceil.r"),
    (r"3 \times 4 \cdot 5", "3 times 4 dot.op 5"),
    ("3*3*C", "3 dot.op 3 dot.op C"),
    (r"e^{z_j}", "e^(z_(j))"),
    (r"G_x^2 + D_K^2 M", "G_(x)^(2) + D_(K)^(2) M"),
    (r"\sqrt{G_x^2 + G_y^2}", "sqrt(G_(x)^(2) + G_(y)^(2))"),
    (r"\theta = \mathrm{atan2}(G_y, G_x)", 'theta = op("atan2") ( G_(y) , G_(x) )'),
    (r"\alpha \beta \gamma \Delta \sigma", "alpha beta gamma Delta sigma"),
    (r"a \in S, b \le c \ge d \approx e \ne f", "a in S , b lt.eq c gt.eq d approx e eq.not f"),
    (r"p_j = e^{z_j} / \sum_k e^{z_k}", r"p_(j) = e^(z_(j)) \/ sum_(k) e^(z_(k))"),
    (r"\partial L / \partial z_j = p_j - [j = y]", r"partial L \/ partial z_(j) = p_(j) - [ j = y ]"),
    (r"L = -\ln p_y", "L = - ln p_(y)"),
    (r"\max(0, i-n/2)", r"max ( 0 , i - n \/ 2 )"),
    (r"\left( k + \alpha \right)^\beta", "( k + alpha )^(beta)"),
    (r"k \cdot k \cdot (C_{in}/groups)", r'k dot.op k dot.op ( C_("in") \/ "groups" )'),
    ("1x1 reduce: 1*1*4*8 = 32, plus batch norm 16", '"1x1 reduce:" 1 dot.op 1 dot.op 4 dot.op 8 = 32 , "plus batch norm" 16'),
    ("a = 1\nb = 2", r"a = 1 \ b = 2"),
    (r"x \\ y", r"x \ y"),
    (r"\text{if } x < y", '"if " x lt y'),
    (r"\tanh(x) + \dfrac{1}{2} + \tfrac{a}{b} + \binom{n}{k}", "tanh ( x ) + frac(1, 2) + frac(a, b) + binom(n, k)"),
    (r"\|W^\top x\|_\ell", "|| W^(top) x ||_(ell)"),
    ("a # b $ c @ d & e \"f\"", r'a \# b \$ c \@ d \& e \" f \"'),
])
def test_latex_to_typst(tex, typst):
    assert latex_to_typst(tex) == typst


def test_latex_to_typst_every_command_in_the_catalog_compiles():
    cases = [r"\frac{1}{2}", r"\lfloor x \rfloor", r"\lceil x \rceil", r"a \times b", r"a \cdot b", "x^2_i",
             r"\sqrt{x}", r"\sqrt[3]{x}", r"\mathrm{atan2}(y, x)", r"\alpha \beta \theta", r"a \in b", r"a \le b",
             r"a \ge b", r"a \approx b", r"a \ne b", r"\sum_{j=\max(0, i-n/2)}^{\min(N-1, i+n/2)} (a^j)^2",
             r"\partial L", r"\ln p", r"\left( x \right)", r"C_{in} \cdot C_{out}", "1x1 conv: 3*3 = 9\n2x2 pool: 4",
             r"\operatorname{softmax}(z)", r"\hat{y} \cdot \mathbf{w}", r"\{a, b\}", "theta = atan(-1/(-11)) ≈ -5.2"]
    source = "\n\n".join(f"${latex_to_typst(t)}$ and $ {latex_to_typst(t)} $" for t in cases)
    compile_clean(source)


def test_latex_to_typst_every_supported_command_compiles():
    from cnnexam.generator import typst as renderer

    commands = [rf"x \{name} y" for name in renderer._SYMBOLS if name.isalpha()]
    commands += [rf"\{name}{{x}}" for name in [*renderer._STYLE_COMMANDS, *renderer._ACCENTS, *renderer._TEXT_COMMANDS]]
    commands += [r"a\,b\;c\:d\!e\ f", r"\{ \% \_ \# \& \$ \}", r"\operatorname{relu}(x)",
                 r"\dfrac{1}{2} \tfrac{1}{2} \binom{n}{k}"]
    compile_clean("\n\n".join(f"${latex_to_typst(c)}$" for c in commands))


@pytest.mark.parametrize("tex, message", [
    (r"\foo{x}", r"the command \\foo is not in the supported subset"),
    (r"\frac{a}{b", "a { without its }"),
    ("a}", "an unmatched }"),
    ("x^", "without its argument"),
    (r"\sqrt[3{x}", "a \\[ without its \\]"),
])
def test_latex_to_typst_rejects_what_it_cannot_translate(tex, message):
    with pytest.raises(ValueError, match=message):
        latex_to_typst(tex)


# ---- prose --------------------------------------------------------------------------------------------

# Flattens markup content back to the text it prints; anything markup made of it (strong, emph, list,
# heading, label, reference, raw, ...) fails the assertion.
PLAIN = """#let plain(c) = {
  let f = repr(c.func())
  if c.has("text") { c.text } else if f == "sequence" { c.children.map(plain).join() }
  else if f == "space" { " " } else if f == "smartquote" { if c.double { "\\"" } else { "'" } }
  else { panic("interpreted as markup: " + f) }
}
"""


@pytest.mark.parametrize("text", [
    "a # b $ c * d _ e @ f < g > h [ i ] j \\ k ` l ~ m / n // o /* p */ q",
    "*bold* _emph_ <label> @ref #let x = 1 $x$ `code`",
    "= Not a heading", "- not a list", "+ not a list", "12. not a list", "/ Term: not a term", "3.15",
    "two\n- lines", "http://example.com", "5 * 3 = 15 and 2^3 = 8",
])
def test_escape_typst_prints_literally(text):
    compile_clean(PLAIN + f"#assert.eq(plain[{escape_typst(text)}], {typst_string(text.replace(chr(10), ' '))})")


def test_escape_typst_keeps_typographic_minus():
    # Typst prints a hyphen before a digit as a minus sign, which is what a number needs.
    printed = typst_string("\u2212" + "3 + 4")
    compile_clean(PLAIN + f"#assert.eq(plain[{escape_typst('-3 + 4')}], {printed})")


def test_prose_translates_inline_math_and_code():
    out = prose(r"The size is $\lfloor n/s \rfloor + 1$ (see `torch.nn.functional.conv2d(x, w)`), costs $5 #1.")
    assert r"$floor.l n \/ s floor.r + 1$" in out
    assert '#{raw("torch.nn.functional.conv2d(x, w)")}' in out
    assert out.endswith(r"costs \$5 \#1.")
    compile_clean(out)


def test_typst_string():
    text = 'a "quoted" \\ back\nslash\tend ü'
    literal = typst_string(text)
    compile_clean(f'#assert.eq({literal}.len(), {len(text.encode())})\n#assert({literal}.contains("\\"quoted\\""))')


# ---- papers -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Params(Params):
    n: int = 1


SYMBOLIC_KEY = "floor((n + 2*p - k)/s) + 1"

# One question with every block kind and every answer kind.
_SLOTS = (
    Slot("count", IntegerAnswer(), 1, "a count"),
    Slot("mean", NumberAnswer(decimals=2), 1, "a mean"),
    Slot("ratio", FractionAnswer(), 1, "a ratio"),
    Slot("given", ArrayAnswer(shape=(2, 3)), 2, "a 2x3 matrix"),
    Slot("output", ArrayAnswer(shape=(3, 4), element="fraction", shape_given=False), 2, "the output"),
    Slot("channels", ArrayAnswer(shape=(2, 2, 2)), 2, "two channels"),
    Slot("shape", ShapeAnswer(ndim=3), 1, "the shape"),
    Slot("one", SingleChoiceAnswer(options=("max pooling", "average pooling", r"$\frac{1}{2}$ of both")), 1, "one"),
    Slot("some", MultipleChoiceAnswer(options=("stride", "padding", "dilation")), 1, "some"),
    Slot("truth", TrueFalseAnswer(), 1, "true or false"),
    Slot("name", ShortTextAnswer(accepted=("LeNet",)), 1, "a name"),
    Slot("formula", SymbolicAnswer(variables=("n", "p", "k", "s")), 1, "a formula"),
    Slot("code", CodeAnswer(cases=("small", "large"), function="conv"), 1, "code"),
    Slot("cell", IntegerAnswer(), 1, "a table cell"),
)
_ANSWERS = {
    "count": 4213579, "mean": Fraction(31459, 10000), "ratio": Fraction(15, 4),
    "given": ((1, -2, 3), (4, 5, -6)), "output": ((Fraction(-7, 4), 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12)),
    "channels": (((1, 2), (3, 4)), ((5, 6), (7, 8))), "shape": (16, 14, 14), "one": 1, "some": frozenset({0, 2}),
    "truth": False, "name": "LeNet-5", "formula": SYMBOLIC_KEY, "code": {"small": ((1, 2),), "large": ((3, 4),)},
    "cell": 98765,
}
_QUESTION = (
    Text(r"A prompt with $\frac{a}{b}$, `code`, and characters Typst reads specially: # $ * _ @ < > [ ] \ ~ // "
         + "and a long sentence that has to wrap over more than one line of the page. " * 3),
    Math(r"o = \lfloor (n + 2p - k)/s \rfloor + 1"),
    Matrix("Input X (5x7)", tuple(tuple((-1) ** (i + j) * (10 * i + j) for j in range(7)) for i in range(5))),
    Matrix("Fractions", ((Fraction(1, 9), Fraction(-15, 4)), (0.25, 3))),
    Tensor("Filter (3x2x2)", tuple(Matrix(f"channel {c + 1}", ((c, -c), (1, 2))) for c in range(3))),
    Bullets(("first item with $x_i$", "second item")),
    Code("def conv(x, w):\n    return x  # fill in\n"),
    Table(("layer", "output size"), (("conv1", 28), ("pool1", SlotRef("cell"))), caption="A table"),
    *(AnswerBox(s.id) for s in _SLOTS if s.id != "cell"),
)
_SOLUTION = (Text("Worked: $o = 3$."), Steps("out[0,0] = 3*0 + 3*1 = 3\nout[0,1] = 1"), Math("x = 1\ny = 2"),
             Matrix("Output", ((1, 2), (3, 4))))


ADA, ALAN = Student("s001", "Ada Lovelace"), Student("s002", "Alan Turing")


def synthetic_paper(student: Student = ADA) -> Paper:
    variant = Variant("synthetic", 1, "Every block & every answer", "concepts", 7, "medium", _Params(), _QUESTION,
                      _SLOTS, _ANSWERS, _SOLUTION, ())
    spec = ExamSpec("Deep Learning", "Midterm #1", "2026-11-30", "Calculators allowed. No *notes*.", 1, "exam",
                    (Section("Everything", ()),))
    return Paper(student, spec, (Question(1, "Everything", "synthetic", 7, "medium", 16, variant),))


def catalog_paper(ids, difficulty: str = "medium", seed: int = 42, student: Student = ALAN):
    templates = all_templates()
    questions = tuple(QuestionSpec((i,), difficulty if difficulty in templates[i].difficulties
                                   else templates[i].difficulties[0], 10) for i in ids)
    half = len(questions) // 2
    sections = (Section("Part A", questions[:half]), Section("Part B", questions[half:])) if half else \
        (Section("Part A", questions),)
    spec = ExamSpec("Deep Learning", "Midterm", "2026-11-30", "Calculators allowed.", seed, "exam", sections)
    return assemble(spec, student, templates)


BLOCK_KINDS = {"text", "math", "steps", "matrix", "tensor", "table", "bullets", "code", "answer"}
ANSWER_KINDS = {"integer", "number", "fraction", "array", "shape", "single-choice", "multiple-choice", "true-false",
                "short-text", "symbolic", "code"}


def test_synthetic_paper_covers_every_block_and_answer_kind():
    (q,) = synthetic_paper().questions
    assert {b.kind for b in q.variant.question + q.variant.solution} == BLOCK_KINDS
    assert {s.type.kind for s in q.variant.slots} == ANSWER_KINDS


@pytest.mark.parametrize("solution", [False, True])
def test_every_block_and_answer_kind_compiles(solution):
    source = render_typst(synthetic_paper(), solution=solution)
    pdf = compile_clean(source)
    assert pdf.startswith(b"%PDF")
    for piece in ("Deep Learning", "Midterm \\#1", "Ada Lovelace", "s001", synthetic_paper().version_code,
                  "page #counter(page).display() of #counter(page).final().first()"):
        assert piece in source
    assert ("#worked[" in source) == solution


# Question ids whose blocks together cover every block kind.
REAL = ["conv2d-output", "conv2d-multichannel", "lenet-table", "output-size-formula", "conv-output-shape",
        "architecture-facts", "maxpool-backward", "softmax-ce-gradient"]


def test_real_templates_cover_every_block_kind_and_compile():
    paper = catalog_paper(REAL)
    kinds = {b.kind for q in paper.questions for b in q.variant.question + q.variant.solution}
    assert kinds == BLOCK_KINDS
    for solution in (False, True):
        compile_clean(render_typst(paper, solution=solution))


def test_student_paper_gives_no_answer_away():
    paper = synthetic_paper()
    student, key = render_typst(paper), render_typst(paper, solution=True)
    for answer in ("4213579", "98765", "LeNet-5", typst_string(SYMBOLIC_KEY), "3.15", "−7/4", "(1, )))",
                   "(0, 2, )))", "true-false(false)"):
        assert answer in key
        assert answer not in student
    assert student.count(", ()))") == 2 and "true-false(none)" in student  # no option ticked


def test_the_key_gives_each_answer_and_the_working_but_not_the_prompt():
    # The grader has the prompt on the student's paper; the key is the answers and the worked solutions.
    paper = catalog_paper(REAL)
    student, key = render_typst(paper), render_typst(paper, solution=True)
    for q in paper.questions:
        working = " ".join(getattr(b, "text", "") for b in q.variant.solution)
        for b in q.variant.question:
            if b.kind == "text" and len(b.text) > 30 and b.text not in working:
                assert prose(b.text) in student and prose(b.text) not in key
    assert key.count("#answer(") == sum(len(q.variant.slots) for q in paper.questions)  # table blanks too
    assert 'slot-cell("' in student and 'slot-cell("' not in key  # table blanks become answer boxes
    assert key.count("#worked[") == len(paper.questions) and "#worked[" not in student
    assert "Tick one box" in student and "Tick one box" not in key


def test_an_array_of_unstated_shape_gets_a_neutral_area_not_a_grid():
    student, key = (render_typst(synthetic_paper(), solution=s).split("#title-block(")[1] for s in (False, True))
    # Grids on the paper only for the stated shapes: the 2x3 matrix and the two 2x2 channels.
    assert student.count("answer-grid(") == 3
    assert student.count("answer-grid(3, ") == 1 and student.count("answer-grid(2, ") == 2
    assert "answer-grid(4, " not in student and "free-area(none)" in student
    assert "answer-grid(4, " in key and "free-area(none)" not in key


def test_the_neutral_area_is_the_same_for_every_output_size():
    # conv2d-output asks for an output whose size is part of the question: different students, different
    # output sizes, the same area.
    sources = [render_typst(catalog_paper(["conv2d-output"], student=Student(f"s{i}", "X"))).split("#title-block(")[1]
               for i in range(6)]
    shapes = {catalog_paper(["conv2d-output"], student=Student(f"s{i}", "X")).questions[0].variant.slot("output").type.shape
              for i in range(6)}
    assert len(shapes) > 1
    for source in sources:
        assert "answer-grid(" not in source and source.count("free-area(none)") == 1


def test_shape_answers_have_one_blank_per_dimension():
    student = render_typst(synthetic_paper())
    assert "shape-box(none, none, none, )" in student
    assert "shape-box([16], [14], [14], )" in render_typst(synthetic_paper(), solution=True)


def test_same_paper_same_source_and_same_pdf_bytes():
    a, b = render_typst(synthetic_paper()), render_typst(synthetic_paper())
    assert a == b
    pdf = compile_pdf(a)
    assert pdf == compile_pdf(b)
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf
    assert render_typst(synthetic_paper(Student("s003", "Grace Hopper"))) != a


@pytest.mark.parametrize("difficulty, seed", [("easy", 1), ("medium", 2), ("hard", 3)])
def test_the_whole_catalog_compiles_without_errors_or_warnings(difficulty, seed):
    paper = catalog_paper(list(all_templates()), difficulty, seed)
    assert len(paper.questions) == len(all_templates())
    for solution in (False, True):
        compile_clean(render_typst(paper, solution=solution))


def test_class_answer_sheet():
    papers = [catalog_paper(REAL, student=Student(f"s{i:03d}", f"Student {i}")) for i in range(12)]
    spec = papers[0].spec
    source = class_answer_sheet(spec, [sheet_row(p) for p in papers])
    compile_clean(source)
    assert "table.header(repeat: true" in source and "flipped: true" in source
    assert source.count("head-cell[Q") == len(REAL)
    for paper in papers:
        assert paper.student.id in source and paper.version_code in source
    lenet = papers[0].questions[2].variant
    shape = next(s for s in lenet.slots if s.type.kind == "shape")
    assert escape_typst(shape.type.format(lenet.answers[shape.id])) in source
    short = catalog_paper(REAL[:3])
    assert "flipped: false" in class_answer_sheet(short.spec, [sheet_row(short)])
    with pytest.raises(ValueError, match="rows: expected at least one student"):
        class_answer_sheet(spec, [])


def test_a_long_exam_gets_its_answer_sheet_in_readable_tables():
    """35 questions in one table left each column a few letters wide, answers running into each other."""
    assert [list(g) for g in question_groups(12)] == [list(range(12))]
    assert [len(g) for g in question_groups(13)] == [6, 7]
    assert [len(g) for g in question_groups(35)] == [12, 11, 12]
    assert [g.start for g in question_groups(35)] == [0, 12, 23]
    papers = [catalog_paper(list(all_templates()), student=Student(f"s{i:03d}", f"Student {i}")) for i in range(3)]
    source = class_answer_sheet(papers[0].spec, [sheet_row(p) for p in papers])
    compile_clean(source)
    assert source.count("#table(") == 3 and source.count("table.header(") == 3
    assert [int(n) for n in re.findall(r"head-cell\[Q(\d+) ", source)] == list(range(1, 36))
    assert re.findall(r"Questions \d+ to \d+", source) == ["Questions 1 to 12", "Questions 13 to 23",
                                                           "Questions 24 to 35"]
    for paper in papers:
        assert source.count(f"[{paper.student.id}]") == 3  # every table lists every student
