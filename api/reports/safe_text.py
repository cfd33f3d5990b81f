"""Text from a log made safe to print: control characters shown, never obeyed.

A case id, an organisation or a message in a log is written by outsiders. Printed raw to a
terminal, `\x1b[2J` clears the screen, `\x1b]0;…\x07` retitles the window, `\r` overwrites the
line before it, and a bidirectional override (U+202E) reorders what the reader sees. Each such
character is shown as its escape (`\x1b`, `\u202e`) in the text and Markdown outputs; the HTML
and Excel outputs escape or drop them on their own.
"""

from __future__ import annotations

import re

# C0 and C1 controls (tab and newline too: every field is printed on one line), DEL, and the
# bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """`text` on one line, each control or bidi character written as its escape."""
    return _UNSAFE.sub(_escape, str(text))
