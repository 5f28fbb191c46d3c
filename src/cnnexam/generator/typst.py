"""Typst source and PDFs: a student's paper, its answer key, and the class answer sheet.

The look lives in ``templates/*.typ.j2`` (``preamble.typ.j2`` defines the Typst functions the other
templates call); this module only prepares data, escapes prose and translates the blocks' LaTeX subset
into Typst math. PDFs are compiled in-process with the ``typst`` package, using only the fonts embedded
in it, and carry no creation date, so the same paper always gives the same bytes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from cnnexam.messages import cut
from cnnexam.model.answers import AnswerType
from cnnexam.model.grading import raw_text

from .paper import Paper, Question
from .render import SlotView, environment, segments, slot_views

# ---------------------------------------------------------------------------------------------------
# Prose: Typst markup with inline math

_MARKUP_SPECIAL = re.compile(r"[\\#$*_@<>\[\]`~/]")
_LINE_START = re.compile(r"^([ \t]*)([=+-]|\d+\.)(?=[ \t]|$)", re.MULTILINE)  # heading, list, enum markers


def escape_typst(text: str) -> str:
    """``text`` as Typst markup that prints literally (no emphasis, labels, comments, lists or headings)."""
    text = _MARKUP_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2)[0].isdigit()
                                                   else m.group(2)[:-1] + "\\."), text)


_SPANS = re.compile(r"(\$[^$]*\$|`[^`]*`)")


@lru_cache(maxsize=8192)  # prompts repeat across a class; only their numbers change
def prose(text: str) -> str:
    """Prose as Typst markup: inline ``$...$`` is LaTeX-subset math and ```...``` code (as in the
    notebooks' Markdown); everything else prints literally, including an unpaired ``$`` or backtick."""
    pieces = _SPANS.split(text)
    return _markup(("text", p) if i % 2 == 0 else ("math" if p[0] == "$" else "code", p[1:-1])
                   for i, p in enumerate(pieces))


def spec_prose(text: str) -> str:
    """The spec's instructions as Typst markup: paragraphs and lists of prose as :func:`prose` reads it,
    with the stricter reading of dollars that :mod:`.spectext` describes ("$5 and $10" is money)."""
    from .spectext import blocks, spans

    parts = []
    for kind, pieces, start in blocks(text):
        if kind == "paragraph":
            parts.append(_markup(spans(pieces[0])))
        else:
            items = ", ".join(f"[{_markup(spans(p))}]" for p in pieces)
            parts.append(f"#list({items})" if kind == "bullets" else f"#enum(start: {start}, {items})")
    return "\n\n".join(parts)


def _markup(pieces) -> str:
    out = []
    for kind, content in pieces:
        if kind == "text":
            out.append(escape_typst(content))
        elif kind == "math":
            math = latex_to_typst(content)
            out.append(f"${math}$" if math else "")
        else:  # in braces, so text right after it cannot continue the expression
            out.append(f"#{{raw({typst_string(content)})}}")
    return "".join(out)


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "").replace("\t", "\\t")
    return f'"{escaped}"'


# ---------------------------------------------------------------------------------------------------
# The LaTeX subset of the blocks, as Typst math

_GREEK = {name: name for name in ("alpha", "beta", "gamma", "delta", "zeta", "eta", "theta", "iota", "kappa", "lambda",
                                  "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "chi", "psi", "omega",
                                  "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
                                  "Omega")}
# LaTeX's \epsilon and \phi are Typst's .alt forms.
_GREEK.update(epsilon="epsilon.alt", varepsilon="epsilon", phi="phi.alt", varphi="phi", vartheta="theta.alt")

_SYMBOLS = {
    **_GREEK,
    "times": "times", "cdot": "dot.op", "ast": "ast.op", "div": "div", "pm": "plus.minus", "mp": "minus.plus",
    "lfloor": "floor.l", "rfloor": "floor.r", "lceil": "ceil.l", "rceil": "ceil.r",
    "in": "in", "notin": "in.not", "le": "lt.eq", "leq": "lt.eq", "ge": "gt.eq", "geq": "gt.eq", "lt": "lt",
    "gt": "gt", "approx": "approx", "ne": "eq.not", "neq": "eq.not", "equiv": "equiv", "sim": "tilde.op",
    "propto": "prop", "ll": "lt.double", "gg": "gt.double",
    "sum": "sum", "prod": "product", "partial": "partial", "nabla": "nabla", "infty": "infinity",
    "to": "arrow.r", "rightarrow": "arrow.r", "leftarrow": "arrow.l", "Rightarrow": "arrow.r.double",
    "mapsto": "arrow.r.bar", "ldots": "dots.h", "dots": "dots.h", "cdots": "dots.c", "vdots": "dots.v",
    "circ": "compose", "odot": "dot.o", "otimes": "times.o", "oplus": "plus.o",
    "forall": "forall", "exists": "exists", "mid": "divides", "vert": "|", "lvert": "|", "rvert": "|",
    "Vert": "||", "|": "||", "langle": "chevron.l", "rangle": "chevron.r",
    "max": "max", "min": "min", "ln": "ln", "log": "log", "exp": "exp", "sin": "sin", "cos": "cos",
    "tan": "tan", "arg": "arg", "lim": "lim", "sup": "sup", "inf": "inf", "det": "det",
    "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "ell": "ell", "top": "top",
    ",": "thin", ";": "med", ":": "med", "!": "", " ": "thin", "\n": "thin", "quad": "quad", "qquad": "wide",
    "{": "\\{", "}": "\\}", "%": "%", "_": "\\_", "#": "\\#", "&": "\\&", "$": "\\$",
}
_TEXT_COMMANDS = {"mathrm", "text", "textrm"}
_STYLE_COMMANDS = {"mathbf": "bold", "boldsymbol": "bold", "mathcal": "cal", "mathbb": "bb", "overline": "overline",
                   "underline": "underline"}
_ACCENTS = {"hat": "hat", "bar": "macron", "tilde": "tilde", "vec": "arrow", "dot": "dot"}
# Characters that Typst math reads specially and LaTeX prints as themselves.
_LITERAL = {"/": "\\/", "*": "dot.op", "<": "lt", ">": "gt", '"': '\\"', "#": "\\#", "$": "\\$", "@": "\\@",
            "&": "\\&", "~": "tilde.op", "`": "\\`", ";": "\\;", ":": 'class("punctuation", :)'}


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<size>\d+(?:x\d+)+(?![A-Za-z]))    # "3x3", "2x2x3": a size, printed as text
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[^\W\d_]{2,}\d*)            # "groups", "atan2": upright text
  | (?P<letter>[^\W\d_])                 # a variable
  | (?P<command>\\)
  | (?P<group>\{)
  | (?P<close>\})
  | (?P<attach>[\^_])
  | (?P<punct>[,:.;])
  | (?P<prime>')
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


@dataclass
class _Tok:
    kind: str  # "atom" (math), "word" (text), "space", "punct" (, : ; .), "attach" (^x, _x, ')
    text: str


class _LatexReader:
    """A small recursive reader: commands, braces, sub/superscripts, words and plain characters."""

    def __init__(self, tex: str) -> None:
        self.s = tex
        self.i = 0

    def error(self, what: str) -> ValueError:
        return ValueError(f"cannot translate the LaTeX {self.s!r}: {what}")

    def sequence(self, closing: bool = False) -> list[_Tok]:
        """Tokens up to the end, or with ``closing`` up to the ``}`` that ends the group."""
        toks: list[_Tok] = []
        s = self.s
        while self.i < len(s):
            m = _TOKEN.match(s, self.i)
            kind, text = m.lastgroup, m.group()
            self.i = m.end()
            if kind == "space":
                toks.append(_Tok("atom", "\\") if "\n" in text else _Tok("space", " "))
            elif kind in ("size", "word"):
                toks.append(_Tok("word", text))
            elif kind in ("number", "letter"):
                toks.append(_Tok("atom", text))
            elif kind == "command":
                self.i -= 1
                toks.extend(self.command())
            elif kind == "group":
                toks.extend(self.sequence(closing=True))
            elif kind == "close":
                if not closing:
                    raise self.error("an unmatched }")
                return toks
            elif kind == "attach":
                toks.append(_Tok("attach", text + "(" + _emit(self.argument()) + ")"))
            elif kind == "punct":
                toks.append(_Tok("punct", text))
            elif kind == "prime":
                toks.append(_Tok("attach", "'"))
            else:
                toks.append(_Tok("atom", _LITERAL.get(text, text)))
        if closing:
            raise self.error("a { without its }")
        return toks

    def argument(self) -> list[_Tok]:
        """One argument: a {group}, a command with its own arguments, or a single character."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            raise self.error("a command or ^/_ without its argument")
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            return self.sequence(closing=True)
        if c == "\\":
            return self.command()
        self.i += 1
        return [_Tok("atom", _LITERAL.get(c, c))]

    def raw_argument(self) -> str:
        if self.i >= len(self.s) or self.s[self.i] != "{":
            raise self.error("expected {...} after a text command")
        end = self.s.find("}", self.i)
        if end < 0:
            raise self.error("a { without its }")
        text = self.s[self.i + 1:end]
        self.i = end + 1
        return text

    def command(self) -> list[_Tok]:
        s = self.s
        m = _COMMAND.match(s, self.i)
        if not m:
            raise self.error("a lone backslash at the end")
        name = m.group(1)
        self.i = m.end()
        if name == "\\":
            return [_Tok("atom", "\\")]
        if name in ("left", "right"):
            if self.i < len(s) and s[self.i] == ".":  # an invisible delimiter
                self.i += 1
                return []
            return self.argument() if self.i < len(s) and s[self.i] == "\\" else []
        if name in ("frac", "dfrac", "tfrac", "binom"):
            num, den = _emit(self.argument(), arg=True), _emit(self.argument(), arg=True)
            return [_Tok("atom", f"{'binom' if name == 'binom' else 'frac'}({num}, {den})")]
        if name == "sqrt":
            if self.i < len(s) and s[self.i] == "[":
                end = s.find("]", self.i)
                if end < 0:
                    raise self.error("a [ without its ]")
                index = _emit(_LatexReader(s[self.i + 1:end]).sequence(), arg=True)
                self.i = end + 1
                return [_Tok("atom", f"root({index}, {_emit(self.argument(), arg=True)})")]
            return [_Tok("atom", f"sqrt({_emit(self.argument(), arg=True)})")]
        if name == "operatorname":
            return [_Tok("atom", f"op({typst_string(self.raw_argument())})")]
        if name in _TEXT_COMMANDS:
            return [_Tok("word", self.raw_argument())]
        if name in _STYLE_COMMANDS:
            return [_Tok("atom", f"{_STYLE_COMMANDS[name]}({_emit(self.argument(), arg=True)})")]
        if name in _ACCENTS:
            return [_Tok("atom", f"accent({_emit(self.argument(), arg=True)}, {_ACCENTS[name]})")]
        if name in _SYMBOLS:
            return [_Tok("atom", _SYMBOLS[name])] if _SYMBOLS[name] else []
        raise self.error(f"the command \\{name} is not in the supported subset")


_PUNCT = {",": ",", ".": ".", ";": "\\;", ":": 'class("punctuation", :)'}
_PUNCT_IN_ARGUMENT = {",": "\\,", ";": "\\;"}  # a bare comma would separate a function's arguments


def _emit(toks: list[_Tok], arg: bool = False) -> str:
    """Tokens as Typst math. A run of words, with the spaces and punctuation between them and the
    punctuation right after, becomes one upright text ("1x1 reduce:"); a word right before "(" an
    operator name like sin. Colons are punctuation, as in prose."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "word":
            j = end = i  # extend over "word (space|punct|word)*" ending on a word or the punctuation after it
            while j + 1 < len(toks) and toks[j + 1].kind in ("word", "space", "punct"):
                j += 1
                if toks[j].kind == "word" or (toks[j].kind == "punct" and end == j - 1):
                    end = j
            text = typst_string("".join(t.text for t in toks[i:end + 1]))
            call = end + 1 < len(toks) and toks[end + 1].text == "(" and toks[end].kind == "word"
            out.append(f"op({text})" if call else text)
            i = end + 1
            continue
        if tok.kind == "attach":
            if out:
                out[-1] += tok.text
            else:
                out.append('""' + tok.text)
        elif tok.kind == "punct":
            out.append((_PUNCT_IN_ARGUMENT if arg else {}).get(tok.text, _PUNCT[tok.text]))
        elif tok.kind != "space":
            out.append(tok.text)
        i += 1
    return " ".join(out).strip()


@lru_cache(maxsize=8192)
def latex_to_typst(tex: str) -> str:
    """The blocks' LaTeX subset as Typst math (without the dollars).

    Handles ``\\frac``, ``\\sqrt``, ``\\lfloor``/``\\rfloor``, ``\\lceil``/``\\rceil``, ``\\times``,
    ``\\cdot``, ``^``/``_`` with or without braces, ``\\mathrm``/``\\text``, Greek letters, relations
    (``\\in``, ``\\le``, ``\\ge``, ``\\approx``, ``\\ne``), ``\\sum``, ``\\partial``, ``\\ln``/``\\max``/``\\min``,
    ``\\left``/``\\right`` and line breaks. Words of two or more letters print upright as text
    ("groups", "atan2"), single letters as variables; ``*`` prints as a centred dot and ``/`` as a
    slash. An unknown command raises ValueError naming it.
    """
    return _emit(_LatexReader(tex.strip()).sequence())


# ---------------------------------------------------------------------------------------------------
# Papers and keys

@dataclass(frozen=True)
class Grid:
    """One 2-D grid of an answer: its number of columns, the longest entry, and the entries row by row."""

    columns: int
    widest: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Box:
    """What an answer box shows. On a student paper ``key``, ``dims`` and ``chosen`` are empty and the
    grid cells blank; an array whose shape the prompt does not state gets no grid at all."""

    letter: str
    label: str
    points: float
    type: AnswerType
    key: str | None = None  # the answer as the key prints it
    grids: tuple[Grid, ...] = ()  # arrays: one grid per channel
    dims: tuple[str, ...] = ()  # shapes: one entry per dimension
    chosen: tuple[int, ...] = ()  # choices: the right options


def _grids(shape: tuple[int, ...], cells: list[str]) -> tuple[Grid, ...]:
    """Split row-major ``cells`` of ``shape`` into 2-D grids (a 1-D array is one row)."""
    columns = shape[-1]
    rows = shape[-2] if len(shape) > 1 else 1
    size = rows * columns
    widest = max((len(c) for c in cells), default=1)
    return tuple(Grid(columns, widest, tuple(cells[i:i + size])) for i in range(0, len(cells), size))


def _shape_of(value) -> tuple[int, ...]:
    return (len(value),) + _shape_of(value[0]) if isinstance(value, (list, tuple)) and value else ()


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, (list, tuple)) else [value]


def answer_box(view: SlotView, value=None, key: bool = False) -> Box:
    """The box of one slot; with ``key`` it shows ``value``, the slot's answer."""
    slot, kind = view.slot, view.slot.type.kind
    box = Box(view.letter, slot.label or slot.id, view.points, slot.type)
    if kind == "array":
        if key:
            cells = [slot.type.format(v) for v in _flat(value)]
            return replace(box, key=slot.type.format(value), grids=_grids(_shape_of(value), cells))
        return replace(box, grids=_grids(slot.type.shape, [""] * math.prod(slot.type.shape)) if slot.type.shape_given else ())
    if kind == "shape":
        return replace(box, key=slot.type.format(value), dims=tuple(str(d) for d in value)) if key else \
            replace(box, dims=("",) * slot.type.ndim)
    if not key:
        return box
    if kind == "single-choice":
        return replace(box, key=slot.type.format(value), chosen=(value,))
    if kind == "multiple-choice":
        return replace(box, key=slot.type.format(value), chosen=tuple(sorted(value)))
    return replace(box, key=slot.type.format(value))


@dataclass(frozen=True)
class QuestionView:
    """A question as the paper template needs it: its prompt in segments (blocks, then the slot ids
    answered after them, see :func:`segments`) and the answer box of each slot."""

    question: Question
    parts: list[tuple[list, list[str]]]
    boxes: dict[str, Box]


def _question_view(question: Question, key: bool) -> QuestionView:
    boxes = {slot_id: answer_box(view, question.variant.answers[slot_id] if key else None, key)
             for slot_id, view in slot_views(question).items()}
    return QuestionView(question, segments(question.variant.question), boxes)


def _points(points: float) -> str:
    return f"{points:g} pt" + ("" if points == 1 else "s")


def _array(texts) -> str:
    return "(" + "".join(typst_string(t) + ", " for t in texts) + ")"


def _ruled_rows(cells, columns: int, width: int) -> str:
    """Row-major ``cells`` as the Typst array of text lines that ``ruled`` draws: each entry right-aligned
    in ``width`` characters with one space after it, in no-break spaces (plain ones would collapse), and
    a true minus sign."""
    pad = [c.replace("-", "\u2212").rjust(width - 1, "\u00a0") + "\u00a0" for c in cells]
    return _array("".join(pad[i:i + columns]) for i in range(0, len(pad), columns))


@lru_cache(maxsize=1)
def _env():
    env = environment("typ")
    env.filters.update(prose=prose, spec_prose=spec_prose, esc=escape_typst, math=latex_to_typst, tstr=typst_string,
                       pts=_points, cut=cut,
                       ruled=_ruled_rows, cells=lambda m: [m.cell_text(v) for row in m.rows for v in row],
                       widest=lambda m: max((len(m.cell_text(v)) for row in m.rows for v in row), default=1))
    return env


def render_typst(paper: Paper, solution: bool = False) -> str:
    """The Typst source of a student's paper, or with ``solution`` of its answer key: per question each
    part's answer in its box, then the worked solution. The key leaves out the prompts, which the grader
    has on the student's paper; that halves its pages and its compile time."""
    questions = [_question_view(q, solution) for q in paper.questions]
    return _env().get_template("paper.typ.j2").render(paper=paper, spec=paper.spec, questions=questions,
                                                      solution=solution)


@dataclass(frozen=True)
class SheetRow:
    """One student's row of the class answer sheet: small, so a class's rows travel cheaply between
    processes and fit in memory together."""

    name: str
    id: str
    version_code: str
    answers: tuple[tuple[tuple[str, str], ...], ...]  # per question: (letter, compact answer) per slot


def sheet_row(paper: Paper) -> SheetRow:
    answers = tuple(tuple((v.letter, _compact(v, q.variant.answers[slot_id])) for slot_id, v in slot_views(q).items())
                    for q in paper.questions)
    return SheetRow(paper.student.name, paper.student.id, paper.version_code, answers)


def _compact(view: SlotView, value) -> str:
    """An answer as short as it reads unambiguously: letters for choices, the key's format otherwise."""
    text = raw_text(view.slot, value)
    return text if isinstance(text, str) else view.slot.type.format(value)


def class_answer_sheet(spec, rows) -> str:
    """The Typst source of a printable table of every student's answers (student, id, version code, then
    per question its answers; ``rows`` from :func:`sheet_row`), landscape when there are many questions.
    A long exam gets one table per group of at most SHEET_QUESTIONS questions, so columns stay readable."""
    rows = list(rows)
    if not rows:
        raise ValueError("rows: expected at least one student for the class answer sheet")
    tables = [(group, _sheet_widths(rows, group)) for group in question_groups(len(spec.questions))]
    return _env().get_template("answer_sheet.typ.j2").render(rows=rows, spec=spec, questions=spec.questions,
                                                             tables=tables)


SHEET_QUESTIONS = 12  # question columns a landscape page holds legibly


def question_groups(count: int, most: int = SHEET_QUESTIONS) -> list[range]:
    """Question indices split into the fewest groups of at most ``most``, as even as they come."""
    groups = -(-count // most) if count else 1
    bounds = [round(i * count / groups) for i in range(groups + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


def _sheet_widths(rows: list[SheetRow], group: range) -> list[str]:
    """The table's column widths: fixed for the student's name, id and version code, and shares of the
    rest for the questions in proportion to their longest answers. Sizes given up front spare Typst
    measuring every cell of a class-sized table first (auto widths took 40% longer and 20% more memory)."""
    name = min(max(len(r.name) for r in rows), 22)
    ident = max(len(r.id) for r in rows)
    widths = [f"{0.5 * name + 0.8:.1f}em", f"{0.55 * ident + 0.8:.1f}em", "5.2em"]
    for q in group:
        longest = max(len(letter) + len(text) + 3 for r in rows for letter, text in r.answers[q])
        # a word that cannot wrap (3000001000) needs its width, or it runs into the next column
        word = max(len(letter) + len(w) + 4 for r in rows for letter, text in r.answers[q] for w in text.split() or [""])
        widths.append(f"{max(min(max(longest, 10), 24), word)}fr")
    return widths


# ---------------------------------------------------------------------------------------------------
# PDF

@lru_cache(maxsize=1)
def compiler():
    """This process's Typst compiler, created on first use (so each worker process makes its own) and
    reused: it keeps fonts and parsed files between documents. It sees only the embedded fonts."""
    import typst

    return typst.Compiler(font_paths=typst.Fonts(include_system_fonts=False), ignore_system_fonts=True)


# A noncharacter, which no font has a glyph for: Typst draws it as it draws any character the fonts lack.
_NO_GLYPH = "\ufdd0"
_SYMBOL_PATH = re.compile(r'<symbol [^>]*><path d="([^"]*)"')


def missing_glyphs(texts) -> list[str]:
    """The characters of ``texts`` that the embedded fonts have no glyph for, in order of first use: Typst
    prints them as empty boxes without a warning (CJK, Thai and emoji among them). Each character is drawn
    on a page of its own and compared with the box a noncharacter gets."""
    chars = list(dict.fromkeys(c for text in texts for c in text if ord(c) > 127
                               and unicodedata.category(c) not in ("Cc", "Cf", "Co", "Mn", "Me", "Zs")))
    if not chars:
        return []
    pages = "\n#pagebreak()\n".join(f"#{typst_string(c)}" for c in [_NO_GLYPH, *chars])
    source = f'#set page(width: auto, height: auto, margin: 0pt)\n#set text(font: "New Computer Modern")\n{pages}\n'
    box, *drawn = (_SYMBOL_PATH.findall(svg.decode()) for svg in compiler().compile(input=source.encode(), format="svg"))
    return [c for c, paths in zip(chars, drawn) if paths == box]


def compile_pdf(source: str, tagged: bool = True) -> bytes:
    """The PDF of a Typst ``source``. The creation time is pinned, so equal sources give equal bytes.

    ``tagged`` PDFs carry the structure screen readers need: student papers do. The instructor's keys
    and answer sheet are made without tags, which takes a tenth off their compile time and over half off
    their size; their accessible form is the solution notebook and key.json."""
    return compiler().compile(input=source.encode("utf-8"), format="pdf", timestamp=0, pdf_tags=tagged)
