"""Document templates: one TOML file per document in templates/, editable by an organisation.

A template is a title and a list of blocks; each block is a paragraph with {placeholders} named
from fields.LABELS. A block with `when = "field"` is printed only when that field is known; every
other placeholder must have a value, or the document is refused with the missing fields named,
never printed with a blank. Unknown placeholders are refused when the template is loaded, so a
typo in an edited template fails at once instead of in front of a party.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from api.documents.fields import LABELS

TEMPLATE_DIR = Path(__file__).parent / "templates"
STYLES = frozenset({"number", "addressee", "body", "item", "heading", "right", "note", "slip"})
# A value that ends a sentence of its own meets the template's full stop: 。。 or ；。 would
# print; so would an empty pair of book-title marks. Each is set right once filled.
TIDY = (("。。", "。"), ("；。", "。"), ("，。", "。"), ("、。", "。"), ("《》", ""))


class TemplateError(ValueError):
    """A template file that cannot be used as written."""


class MissingFields(ValueError):
    """Required fields without a value; `fields` are their keys, in template order."""

    def __init__(self, title: str, fields: list[str]) -> None:
        self.fields = fields
        named = "、".join(f"{LABELS[f]}（{f}）" for f in fields)
        super().__init__(f"{title}缺少必填项：{named}")


class NotReady(ValueError):
    """The case has not reached the point this document belongs to."""


@dataclass(frozen=True)
class Block:
    text: str
    style: str = "body"
    when: str | None = None

    @property
    def names(self) -> list[str]:
        return placeholders(self.text)


@dataclass(frozen=True)
class Template:
    kind: str
    title: str
    after: tuple[str, ...]  # the document exists once the case has one of these events
    processes: tuple[str, ...]  # empty: any process
    blocks: tuple[Block, ...]

    @property
    def required(self) -> list[str]:
        """Fields every copy of this document needs (those of its unconditional blocks)."""
        seen: dict[str, None] = {}
        for block in self.blocks:
            if block.when is None:
                seen.update(dict.fromkeys(block.names))
        return list(seen)

    def fill(self, values: Mapping[str, str]) -> list[tuple[str, str]]:
        """(style, text) of each printed block; MissingFields names every absent value."""
        printed = [b for b in self.blocks if b.when is None or values.get(b.when)]
        missing = {n: None for b in printed for n in b.names if not values.get(n)}
        if missing:
            raise MissingFields(self.title, list(missing))
        return [(b.style, tidy(b.text.format_map(values))) for b in printed]


def tidy(text: str) -> str:
    for wrong, right in TIDY:
        while wrong in text:
            text = text.replace(wrong, right)
    return text


def placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(text) if name is not None]


def _block(raw: Mapping[str, Any], where: str) -> Block:
    text, style, when = raw.get("text"), raw.get("style", "body"), raw.get("when")
    if not isinstance(text, str) or not text:
        raise TemplateError(f"{where}: a block needs text")
    if style not in STYLES:
        raise TemplateError(f"{where}: style {style!r} is not one of {sorted(STYLES)}")
    for name in placeholders(text) + ([when] if when else []):
        if name not in LABELS:
            raise TemplateError(f"{where}: unknown field {{{name}}}")
    return Block(text, style, when)


def load_template(kind: str, directory: Path = TEMPLATE_DIR) -> Template:
    path = directory / f"{kind}.toml"
    if not path.is_file():
        known = "、".join(kinds(directory))
        raise TemplateError(f"no document {kind!r}; known: {known}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: {exc}") from None
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        raise TemplateError(f"{path}: title is required")
    blocks = tuple(_block(b, f"{path} block {i}") for i, b in enumerate(raw.get("block", []), 1))
    if not blocks:
        raise TemplateError(f"{path}: no [[block]]")
    return Template(
        kind=kind,
        title=title,
        after=tuple(raw.get("after", ())),
        processes=tuple(raw.get("processes", ())),
        blocks=blocks,
    )


def kinds(directory: Path = TEMPLATE_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))
