"""Quoting what a user gave inside an error message, cut short so a pasted array or a long file name
does not bury the message, and listing names in a warning. No imports beyond the standard library: the
CLI's argument parsing uses it."""

from __future__ import annotations


def cut(text: str, limit: int = 40) -> str:
    """``text`` up to ``limit`` characters, ending in "..." when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value, limit: int = 40, count: bool = False) -> str:
    """``repr(value)`` as a message quotes it, cut short when long (keeping the closing quote or bracket);
    with ``count``, a cut one says how long the whole was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return cut(text[:-1], limit - 1) + text[-1] + (f" ({len(text):,} characters)" if count else "")


def listed(items, most: int) -> str:
    """The first ``most`` of ``items`` joined by commas, then how many more there are."""
    items = list(items)
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")
