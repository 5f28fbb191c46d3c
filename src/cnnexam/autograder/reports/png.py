"""A score histogram as a PNG, written with zlib and struct alone.

A bar chart needs no plotting library: this draws bars, axes and tick labels (a 3x5 pixel font for digits
and ``%``, scaled up) into an RGB buffer and encodes it as an 8-bit truecolor PNG (IHDR, one IDAT, IEND).
The bytes depend only on the counts, so the file is reproducible.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 640, 400
_BACKGROUND, _AXIS, _BAR, _TEXT = (255, 255, 255), (60, 60, 60), (70, 110, 180), (30, 30, 30)
_FONT = {  # 3x5 glyphs, one string of 15 pixels per character, row by row
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111", "%": "101001010100101", "-": "000000111000000",
}
_SCALE = 2
_LEFT, _RIGHT, _TOP, _BOTTOM = 50, 20, 30, 40


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(_BACKGROUND) * (width * height))

    def fill(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        """Fill the rectangle [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        row = bytes(color) * max(0, x1 - x0)
        for y in range(max(0, y0), min(self.height, y1)):
            start = 3 * (y * self.width + x0)
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, text: str, color=_TEXT) -> None:
        """Draw ``text`` with its top-left corner at (x, y)."""
        for i, char in enumerate(text):
            glyph = _FONT.get(char, "0" * 15)
            for k, bit in enumerate(glyph):
                if bit == "1":
                    px = x + (4 * i + k % 3) * _SCALE
                    py = y + (k // 3) * _SCALE
                    self.fill(px, py, px + _SCALE, py + _SCALE, color)

    def png(self) -> bytes:
        stride = 3 * self.width
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def text_width(text: str) -> int:
    return (4 * len(text) - 1) * _SCALE


def histogram(counts: list[int], labels: list[str], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A bar per count, labelled underneath with ``labels`` (len(counts) + 1 bin edges) and with its count on top."""
    if len(labels) != len(counts) + 1:
        raise ValueError(f"labels: expected {len(counts) + 1} bin edges, got {len(labels)}")
    canvas = _Canvas(width, height)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    base = _TOP + plot_h
    tallest = max(counts, default=0) or 1
    step = plot_w / max(1, len(counts))
    for i, count in enumerate(counts):
        x0, x1 = _LEFT + round(i * step) + 2, _LEFT + round((i + 1) * step) - 2
        top = base - round(plot_h * count / tallest)
        canvas.fill(x0, top, x1, base, _BAR)
        label = str(count)
        canvas.text((x0 + x1 - text_width(label)) // 2, top - 6 * _SCALE - 2, label)
    for i, label in enumerate(labels):
        x = _LEFT + round(i * step)
        canvas.fill(x, base, x + 1, base + 5, _AXIS)
        canvas.text(x - text_width(label) // 2, base + 8, label)
    canvas.fill(_LEFT, base, _LEFT + plot_w, base + 1, _AXIS)  # x axis
    canvas.fill(_LEFT - 1, _TOP, _LEFT, base + 1, _AXIS)  # y axis
    return canvas.png()
