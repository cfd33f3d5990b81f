"""XES (IEEE 1849) for event logs, mapped as contract/EVENTS.md says: case → trace
concept:name, activity → concept:name, at → time:timestamp, actor/role/org → org:resource,
org:role, org:group, data.* → attributes of the same names. Written as a stream of lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1849-2016" xes.features="nested-attributes" '
    'xmlns="http://www.xes-standard.org/">\n'
    '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    '  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n'
)
FIELDS = (("actor", "org:resource"), ("role", "org:role"), ("org", "org:group"))


def _attribute(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"<boolean key={quoteattr(key)} value={quoteattr(str(value).lower())}/>"
    if isinstance(value, int):
        return f"<int key={quoteattr(key)} value={quoteattr(str(value))}/>"
    if isinstance(value, float):
        return f"<float key={quoteattr(key)} value={quoteattr(repr(value))}/>"
    if isinstance(value, Mapping | list):  # data.reckoned: JSON text, not a Python repr
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"<string key={quoteattr(key)} value={quoteattr(str(value))}/>"


def write_xes(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Records of one case must be consecutive (as `suitiao export` writes them)."""
    yield HEADER
    current: str | None = None
    for record in records:
        case = str(record["case"])
        if case != current:
            if current is not None:
                yield "  </trace>\n"
            yield f'  <trace>\n    <string key="concept:name" value={quoteattr(case)}/>\n'
            current = case
        parts = [
            f'<string key="concept:name" value={quoteattr(str(record["activity"]))}/>',
            f'<date key="time:timestamp" value={quoteattr(str(record["at"]))}/>',
        ]
        parts += [_attribute(xes, record[key]) for key, xes in FIELDS if record.get(key)]
        parts += [_attribute(k, v) for k, v in (record.get("data") or {}).items()]
        yield "    <event>" + "".join(parts) + "</event>\n"
    if current is not None:
        yield "  </trace>\n"
    yield "</log>\n"
