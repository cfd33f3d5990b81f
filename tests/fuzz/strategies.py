"""Hypothesis strategies for hostile event logs: mostly well-formed enough to reach the checks
behind the parsers (real activity codes, timestamps at the ends of the calendar, amounts of
hundreds of digits, control characters in ids), then cut, spliced and sprinkled with bytes.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import strategies as st

from standard_rules.pack import default_pack
from standard_rules.xes import write_xes

ACTIVITIES = sorted(default_pack().contract_activities)
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "\x1b[2J\x1b]0;pwned\x07",
    "\r\n",
    "\u202e",
    "\ufeff",
    "<script>",
    "=1+1",
    "|",
    '"',
    "委派",
    "\ud7ff",
]

texts = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=12),
    st.text(alphabet="AB-0123456789()浙民诉前调号", min_size=1, max_size=12),
)
activities = st.one_of(st.sampled_from(ACTIVITIES), texts)


@st.composite
def timestamps(draw: st.DrawFn) -> Any:
    year = draw(st.sampled_from([1, 2, 1899, 1900, 2025, 2026, 2099, 2100, 9999]))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 31))  # 31 February is a bad timestamp, as it should be
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 59]))
    offset = draw(st.sampled_from(["+08:00", "Z", "z", "+23:59", "-23:59", "+00:00", ""]))
    fraction = draw(st.sampled_from(["", ".5", ".123456789"]))
    sep = draw(st.sampled_from(["T", "t", " "]))
    good = f"{year:04d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:00{fraction}{offset}"
    return draw(st.one_of(st.just(good), texts, st.integers(), st.none()))


amounts = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(int("9" * 400)),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    st.booleans(),
)
data = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "amount": amounts,
            "claim_amount": amounts,
            "outcome": st.sampled_from(["settled_performed", "confirmed", "filed", "x"]),
            "mode": st.sampled_from(["pre_filing", "post_filing", None]),
            "result": st.sampled_from(["valid", "rejected", 1]),
            "voluntary": st.one_of(st.booleans(), texts),
            "until": timestamps(),
            "effective_on": timestamps(),
            "mediator_org": texts,
        },
    ),
    texts,
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {
        "case": draw(st.one_of(st.sampled_from(["A-1", "B-2", "C-3"]), texts)),
        "activity": draw(activities),
        "at": draw(timestamps()),
    }
    if draw(st.booleans()):
        record["org"] = draw(st.one_of(texts, st.sampled_from(["临海市消保委", "临海市人民法院"])))
    value = draw(data)
    if value is not None:
        record["data"] = value
    if draw(st.integers(0, 9)) == 0:
        del record[draw(st.sampled_from(["case", "activity", "at"]))]
    return record


@st.composite
def mutated(draw: st.DrawFn, document: bytes) -> bytes:
    """The bytes cut short, spliced with junk, or left alone."""
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(document)))
        action = draw(st.sampled_from(["cut", "insert", "bom", "crlf"]))
        if action == "cut":
            document = document[:where]
        elif action == "insert":
            junk = draw(
                st.one_of(
                    st.binary(max_size=8),
                    st.sampled_from([b"\x00", b"\xff\xfe", b"\n\n", b'"', b"<", b"]]>", b"&#0;"]),
                )
            )
            document = document[:where] + junk + document[where:]
        elif action == "bom":
            document = b"\xef\xbb\xbf" + document
        else:
            document = document.replace(b"\n", b"\r\n")
    return document


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


@st.composite
def jsonl_logs(draw: st.DrawFn) -> bytes:
    lines = [_json_line(r) for r in draw(st.lists(records(), max_size=25))]
    odd = st.sampled_from(["", "   ", "[]", "null", '{"case": 1}', "{"])
    lines += draw(st.lists(odd, max_size=3))
    lines = draw(st.permutations(lines))
    return draw(mutated("\n".join(lines).encode("utf-8", "surrogatepass")))


HEADERS = [
    ["case", "activity", "at", "org", "data"],
    ["案号", "环节", "时间", "机构", "数据"],
    ["CASE", "Activity", "At", "data.amount", "data.outcome"],
    ["case", "activity", "at", "case"],
    ["case", "activity"],
]


@st.composite
def csv_logs(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(HEADERS))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for record in draw(st.lists(records(), max_size=25)):
        row = []
        for column in header:
            name = column.lower()
            if name in ("data", "数据"):
                value = record.get("data")
                row.append(_json_line(value) if isinstance(value, dict) else str(value or ""))
            elif name.startswith("data."):
                value = record.get("data")
                row.append(str(value.get(name[5:], "")) if isinstance(value, dict) else "")
            else:
                field = {"案号": "case", "环节": "activity", "时间": "at", "机构": "org"}
                row.append(str(record.get(field.get(column, name), "")))
        if draw(st.integers(0, 9)) == 0:
            row.append("extra")
        writer.writerow(row)
    text = out.getvalue()
    if draw(st.integers(0, 9)) == 0:
        text += '"an unfinished quoted field\n'
    return draw(mutated(text.encode("utf-8", "surrogatepass")))


PROLOGS = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<?xml version="1.0" encoding="x-bogus"?>\n',
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
    '<?xml version="1.0" encoding="UTF-16"?>\n',
    '<?xml version="1.0" encoding="GBK"?>\n',
    '<?xml version="1.0" encoding="GB18030"?>\n',
    '<?xml version="1.0" encoding="Shift_JIS"?>\n',
    '<?xml version="1.0"?>\n<!-- ' + "注释 " * 3000 + "-->\n",
    '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaa">]>\n',
    "",
]


@st.composite
def xes_logs(draw: st.DrawFn) -> bytes:
    rows = []
    for record in draw(st.lists(records(), max_size=20)):
        record.setdefault("case", "A-1")
        record.setdefault("activity", "")
        record.setdefault("at", "")
        if not isinstance(record.get("data"), dict):
            record.pop("data", None)
        rows.append(record)
    rows.sort(key=lambda r: str(r["case"]))
    body = "".join(write_xes(rows)).split("\n", 1)[1]  # past the writer's own declaration
    if draw(st.booleans()):
        body = body.replace('<string key="amount"', '<int key="amount"')
    if draw(st.integers(0, 5)) == 0:
        body = body.replace("<log ", "<note ", 1).replace("</log>", "</note>")
    document = draw(st.sampled_from(PROLOGS)) + body
    return draw(mutated(document.encode("utf-8", "surrogatepass")))


any_log = st.one_of(jsonl_logs(), csv_logs(), xes_logs(), st.binary(max_size=300))
