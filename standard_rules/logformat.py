"""Telling the log formats of contract/EVENTS.md apart by content, not by file name.

The first non-blank bytes decide (after a UTF-8 byte-order mark): `{` is JSON Lines, `<` is XES
(XML whose root element is `log`), and anything else is CSV when its first line is a header
naming the required columns in English or Chinese (csvlog.COLUMN_NAMES). Otherwise the format
is unknown (None). An XML prolog (declaration, comments, DOCTYPE) can be longer than the head
read: `prolog_only` tells the caller to read on before deciding.
"""

from __future__ import annotations

import re
from typing import Literal

from standard_rules.csvlog import is_csv_header

LogFormat = Literal["jsonl", "xes", "csv"]
BOM = b"\xef\xbb\xbf"
_ROOT = re.compile(rb"<(?![?!])([\w.:-]+)")  # the first element's name, past <?xml?>, <!DOCTYPE>
_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)  # an unfinished one runs to the end


def detect_format(head: bytes) -> LogFormat | None:
    """The format of a log from its first bytes (a few KiB are plenty)."""
    text = head.removeprefix(BOM).lstrip()
    if not text:
        return "jsonl"  # an empty log: nothing to read in any format
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"<"):
        root = _ROOT.search(_COMMENT.sub(b"", text))  # XES only when the root element is <log>
        return "xes" if root is not None and root.group(1).rpartition(b":")[2] == b"log" else None
    first = text.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a header cut in the middle of a character at the end of `head`
        line = first[: exc.start].decode("utf-8", errors="ignore")
    return "csv" if is_csv_header(line) else None


def prolog_only(head: bytes) -> bool:
    """Whether `head` is XML that has not reached its root element yet (read more to tell)."""
    text = head.removeprefix(BOM).lstrip()
    return text.startswith(b"<") and _ROOT.search(_COMMENT.sub(b"", text)) is None
