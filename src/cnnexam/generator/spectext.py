"""Text that instructors and rosters supply (names, ids, titles, instructions), made safe for the notebook's
Markdown; :mod:`.typst` does the same for the PDF.

Names, ids and titles print literally. ``instructions`` are prose like the questions' text: literal,
except ``$...$`` (the questions' LaTeX subset) and ```code```. A dollar opens maths only as in Pandoc:
followed by a non-space, closed by a dollar after a non-space that no digit follows. So "$5 and $10"
is money, and ``\\$`` writes a dollar that would otherwise open maths. As in Markdown, a blank line starts
a paragraph, and lines starting with ``- `` (or ``* ``) or ``1. `` are the items of a list.
"""

from __future__ import annotations

import re

_SPANS = re.compile(r"((?<!\\)\$(?=[^\s$])[^$]*?(?<=[^\s$\\])\$(?!\d)|`[^`]*`)")


def spans(text: str) -> list[tuple[str, str]]:
    """``text`` as (kind, content) pieces: "text" (an escaped dollar already a dollar), "math" (the LaTeX
    inside the dollars) or "code" (inside the backticks)."""
    out = []
    for i, part in enumerate(_SPANS.split(text)):
        if i % 2 == 0:
            if part:
                out.append(("text", part.replace("\\$", "$")))
        else:
            out.append(("math" if part[0] == "$" else "code", part[1:-1]))
    return out


_ITEM = re.compile(r"[ \t]*(?:[-*•]|(\d{1,3})[.)])[ \t]+(?=\S)")


def blocks(text: str) -> list[tuple[str, list[str], int]]:
    """``text`` as (kind, pieces, start) blocks: "paragraph" (one piece, its lines joined as Markdown joins
    them), "bullets" or "numbers" (one piece per item; ``start``: the first item's number)."""
    out: list[tuple[str, list[str], int]] = []
    kind = ""
    for line in text.splitlines():
        item = _ITEM.match(line)
        if not line.strip():
            kind = ""
        elif item:
            new_kind = "numbers" if item[1] else "bullets"
            if kind != new_kind:
                out.append((new_kind, [], int(item[1] or 1)))
                kind = new_kind
            out[-1][1].append(line[item.end():].strip())
        elif kind in ("bullets", "numbers"):
            out[-1][1][-1] += " " + line.strip()  # a line that goes on with the item above
        else:
            if kind != "paragraph":
                out.append(("paragraph", [""], 1))
                kind = "paragraph"
            out[-1][1][0] += ("\n" if out[-1][1][0] else "") + line
    return out


def check_instructions(text: str) -> None:
    """Raise ValueError when a ``$...$`` of ``text`` is not in the LaTeX subset the papers can print."""
    from .typst import latex_to_typst

    for kind, content in spans(text):
        if kind == "math":
            latex_to_typst(content)


# Markdown acts on these anywhere in a line ('&' starts entities, '<' HTML, '$' maths in Jupyter) ...
_MD_INLINE = re.compile(r"[\\`*_\[\]<>&$~|]")
# ... and on these at the start of a line: headings, quotes, lists, thematic breaks and setext underlines.
_MD_MARKER = r"([#>+=-]|\d+(?=[.)]))"


def escape_markdown(text: str, line_start: bool = True) -> str:
    """``text`` as Markdown that renders literally: no emphasis, links, HTML, maths, lists or headings.
    Indentation is dropped (four spaces would start a code block). ``line_start``: ``text`` begins a line."""
    start = r"(?:\A|(?<=\n))" if line_start else r"(?<=\n)"
    text = re.sub(start + r"[ \t]+", "", text)
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), text)
    return re.sub(start + _MD_MARKER, lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0),
                  text)


def instructions_markdown(text: str) -> str:
    """The instructions as Markdown: paragraphs and lists, maths and code kept for Jupyter to render,
    everything else literal."""
    parts = []
    for kind, pieces, start in blocks(text):
        if kind == "paragraph":
            parts.append(_inline_markdown(pieces[0]))
        else:
            parts.append("\n".join(("- " if kind == "bullets" else f"{start + i}. ") + _inline_markdown(p)
                                   for i, p in enumerate(pieces)))
    return "\n\n".join(parts)


def _inline_markdown(text: str) -> str:
    out = []
    for kind, content in spans(text):
        if kind == "text":
            out.append(escape_markdown(content, line_start=not out or out[-1].endswith("\n")))
        elif kind == "math":
            out.append(f"${content}$")
        else:
            out.append(f"`{content}`")
    return "".join(out)
