"""Which rule pack and which legal calendar reckoned a deadline, as short stable identifiers.

A pack version is the pack's declared version plus a hash of its files and of every local
agreement applied to it, so two installations that print the same id reckon the same periods.
A calendar version is a hash of the official schedules loaded (package and schedule files alike),
with the years it holds officially: any other year is provisional (statutory holidays only).
Both are data, written into the event log and the case row, never parsed back for meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from standard_rules.schedules import YearSchedule

if TYPE_CHECKING:  # the pack module imports the calendar, which imports this one
    from standard_rules.pack import RulePack

HASH_CHARS = 12


@dataclass(frozen=True, slots=True)
class PackVersion:
    declared: str  # the pack's own `version` (pack.toml)
    digest: str  # sha256 of the pack files and of each local agreement, HASH_CHARS hex
    local: tuple[str, ...]  # the local agreements applied, each with its own file hash

    @property
    def id(self) -> str:
        return f"{self.declared}@{self.digest}"

    def describe_zh(self) -> str:
        text = f"规则包 {self.id}"
        if self.local:
            text += "（含地方协议：" + "、".join(self.local) + "）"
        return text


@dataclass(frozen=True, slots=True)
class CalendarVersion:
    digest: str  # sha256 of the official schedules, HASH_CHARS hex
    official: tuple[int, ...]  # years with a State Council schedule loaded

    @property
    def id(self) -> str:
        return f"cal@{self.digest}"

    def official_spans(self) -> str:
        """The official years as spans, e.g. "2004–2020、2022–2026"."""
        return "、".join(f"{lo}" if lo == hi else f"{lo}–{hi}" for lo, hi in _spans(self.official))

    def describe_zh(self) -> str:
        if not self.official:
            return f"日历 {self.id}（未载入国务院放假安排，各年均为暂定）"
        return (
            f"日历 {self.id}（国务院放假安排已载入：{self.official_spans()}；"
            f"{self.official[-1] + 1}年起及其余年份暂定）"
        )


def pack_version(pack: RulePack) -> PackVersion:
    digest = hashlib.sha256(pack.digest.encode())
    for name in pack.local:  # each name carries its file's hash (pack.apply_override)
        digest.update(b"\0" + name.encode())
    return PackVersion(pack.version, digest.hexdigest()[:HASH_CHARS], pack.local)


def calendar_version(official: Mapping[int, YearSchedule]) -> CalendarVersion:
    """Hash what reckons the dates (the days and their names), not file paths or sources, so the
    same notice loaded from another directory is the same version."""
    digest = hashlib.sha256()
    for year in sorted(official):
        schedule = official[year]
        digest.update(f"\0{year}".encode())
        for day, name in sorted(schedule.holidays.items()):
            digest.update(f"\0h{day.isoformat()}={name}".encode())
        for day, name in sorted(schedule.workdays.items()):
            digest.update(f"\0w{day.isoformat()}={name}".encode())
    return CalendarVersion(digest.hexdigest()[:HASH_CHARS], tuple(sorted(official)))


def _spans(years: Iterable[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for year in sorted(years):
        if spans and spans[-1][1] == year - 1:
            spans[-1] = (spans[-1][0], year)
        else:
            spans.append((year, year))
    return spans
