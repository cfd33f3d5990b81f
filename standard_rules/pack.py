"""The rule pack: R01–R77 (and the contract check T01) as validated, versioned data.

A pack is read from TOML files (data/rules/*.toml plus the vocabulary files beside them). Local
agreements between a county court and its 消保委 change parameters through an override file,
without copying the base pack; the version stamp then names both.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from standard_rules.errors import PackError
from standard_rules.legal_calendar import Unit

DATA_DIR = Path(__file__).parent / "data"

KINDS = frozenset(
    {
        "eligibility",
        "ordering",
        "required_step",
        "required_document",
        "deadline",
        "suspension",
        "outcome",
    }
)
CONFIDENCE = frozenset({"high", "medium", "low"})
ADJUSTMENTS = frozenset({"pause", "extension"})
CONDITIONS: Mapping[str, frozenset[str]] = {
    "mode": frozenset({"pre_filing", "post_filing"}),
    "procedure": frozenset({"ordinary", "simple"}),
    "channel": frozenset({"offline", "online"}),
}
CHECK_TYPES = frozenset(
    {"deadline", "precedes", "reported_before_close", "outcome_supported", "stalled"}
)
# A period's `from` may name no activity but "any event of the case": the T02 service check
# counts its quiet days from whichever event came last.
ANY_EVENT = "*"
RULE_ID = re.compile(r"^(R|T)\d{2}$")
OVERRIDABLE = frozenset({"days", "unit", "months", "years", "target"})


@dataclass(frozen=True, slots=True)
class Activity:
    code: str
    zh: str
    en: str
    data: tuple[str, ...] = ()
    outcome: bool = False  # a mediation outcome (ends the mediation period)
    contract: bool = True  # False: used by the pack only, not accepted in event logs


@dataclass(frozen=True, slots=True)
class Outcome:
    code: str
    zh: str
    en: str
    requires: tuple[str, ...]
    where: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    kind: str
    date: str = ""
    path: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Period:
    name: str
    unit: Unit
    start: str  # the activity whose date starts the period
    until: tuple[str, ...]
    days: int | None = None
    cancelled_by: tuple[str, ...] = ()  # events that end the obligation without breaking it
    months: int | None = None
    years: int | None = None
    from_field: str | None = None  # a date in the start event's data, e.g. effective_on
    when: Mapping[str, str] = field(default_factory=dict)
    adjust: frozenset[str] = frozenset()
    target: bool = False
    note: str = ""
    overridden_by: str = ""  # the local agreement that changed it, if any
    # R18: in a case whose dispute came in online the period counts from this activity instead
    online_from: str | None = None
    # the activity the engine records (role `system`) when this period lapses: a deemed refusal,
    # a deemed decline, a timeout; one dated before the end of the due date is `early`
    lapse: str | None = None

    def start_for(self, online: bool) -> str:
        """The activity this period counts from in an online or an offline case."""
        if online and self.online_from:
            return self.online_from
        return self.start

    def describe(self) -> str:
        if self.days is not None:
            return f"{'cal' if self.unit is Unit.CALENDAR else 'wd'}({self.days})"
        if self.months is not None:
            return f"{self.months} months"
        return f"{self.years} years"

    def applies(self, case: Mapping[str, str | None]) -> bool:
        """True when the case meets every condition; "!x" means "anything but x" (or unknown)."""
        for key, value in self.when.items():
            if value.startswith("!"):
                if case.get(key) == value[1:]:
                    return False
            elif case.get(key) != value:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Check:
    type: str
    missing: bool = True
    activity: str = ""  # precedes: the event that needs a predecessor
    requires: tuple[str, ...] = ()
    report: tuple[str, ...] = ()  # reported_before_close: what counts as the report
    pre_filing_agreement: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # deadline: the periods audited (default: every day period)
    require_field: str = ""  # deadline: a data field of the satisfying event ...
    require_value: object = None  # ... that must equal this, else the finding is `invalid`


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title_zh: str
    title_en: str
    kinds: tuple[str, ...]
    source: str
    confidence: str
    section: str
    states: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    parameters_text: str = ""
    confidence_note: str = ""
    periods: tuple[Period, ...] = ()
    check: Check | None = None

    def period(self, name: str | None = None) -> Period:
        for p in self.periods:
            if name is None or p.name == name:
                return p
        raise KeyError(f"{self.id} has no period {name!r}")


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    digest: str
    rules: Mapping[str, Rule]
    activities: Mapping[str, Activity]
    outcomes: Mapping[str, Outcome]
    sources: Mapping[str, Source]
    local: tuple[str, ...] = ()  # names of the local agreements applied

    @property
    def stamp(self) -> str:
        base = f"{self.name} {self.version} (sha256:{self.digest[:12]})"
        return base + "".join(f" + {name}" for name in self.local)

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule {rule_id!r}") from None

    @property
    def contract_activities(self) -> frozenset[str]:
        return frozenset(code for code, a in self.activities.items() if a.contract)

    @property
    def mediation_outcomes(self) -> frozenset[str]:
        return frozenset(code for code, a in self.activities.items() if a.outcome)


# -- reading -----------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path}: not valid TOML: {exc}") from exc


class _Fields:
    """Typed access to one TOML table; errors name the file and the dotted field."""

    def __init__(self, table: Mapping[str, Any], where: str) -> None:
        self.table, self.where = table, where

    def fail(self, key: str, message: str) -> PackError:
        return PackError(f"{self.where}.{key}: {message}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or (default is None and not value):
            raise self.fail(
                key, "required text" if value is None else f"expected text, got {value!r}"
            )
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of text, got {value!r}")
        return tuple(value)

    def whole(self, key: str) -> int | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(key, f"expected a whole number of days ≥ 0, got {value!r}")
        return value

    def table_of(self, key: str) -> Mapping[str, Any]:
        value = self.table.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {value!r}")
        return value


def _period(raw: Mapping[str, Any], where: str) -> Period:
    f = _Fields(raw, where)
    unit_text = f.text("unit", "calendar")
    try:
        unit = Unit(unit_text)
    except ValueError:
        raise f.fail("unit", f"unknown unit {unit_text!r} (expected calendar or working)") from None
    days, months, years = f.whole("days"), f.whole("months"), f.whole("years")
    if [days, months, years].count(None) != 2:
        raise f.fail("days", "give exactly one of days, months or years")
    when = dict(f.table_of("when"))
    for key, value in when.items():
        allowed = CONDITIONS.get(key)
        if allowed is None:
            raise f.fail(f"when.{key}", f"unknown condition (expected one of {sorted(CONDITIONS)})")
        if not isinstance(value, str) or value.removeprefix("!") not in allowed:
            raise f.fail(
                f"when.{key}",
                f"unknown value {value!r} (expected one of {sorted(allowed)}, or !value for not)",
            )
    adjust = frozenset(f.texts("adjust"))
    if not adjust <= ADJUSTMENTS:
        raise f.fail("adjust", f"unknown adjustment {sorted(adjust - ADJUSTMENTS)}")
    return Period(
        name=f.text("name"),
        unit=unit,
        start=f.text("from"),
        until=f.texts("until"),
        cancelled_by=f.texts("cancelled_by"),
        days=days,
        months=months,
        years=years,
        from_field=raw.get("from_field"),
        when=when,
        adjust=adjust,
        target=bool(raw.get("target", False)),
        note=str(raw.get("note", "")),
        online_from=raw.get("online_from"),
        lapse=raw.get("lapse"),
    )


def _check(raw: Mapping[str, Any], where: str) -> Check:
    f = _Fields(raw, where)
    kind = f.text("type")
    if kind not in CHECK_TYPES:
        raise f.fail("type", f"unknown check type {kind!r} (expected one of {sorted(CHECK_TYPES)})")
    require = f.table_of("require")
    return Check(
        type=kind,
        missing=bool(raw.get("missing", True)),
        activity=f.text("activity", ""),
        requires=f.texts("requires"),
        report=f.texts("report"),
        pre_filing_agreement=f.texts("pre_filing_agreement"),
        periods=f.texts("periods"),
        require_field=str(require.get("field", "")),
        require_value=require.get("equals"),
    )


def _rule(raw: Mapping[str, Any], where: str, section: str) -> Rule:
    f = _Fields(raw, where)
    rule_id = f.text("id")
    if not RULE_ID.match(rule_id):
        raise f.fail("id", f"{rule_id!r} is not a rule id like R16 or T01")
    where = f"{where} ({rule_id})"
    f = _Fields(raw, where)
    kinds = f.texts("kind")
    if not kinds or not set(kinds) <= KINDS:
        raise f.fail("kind", f"unknown kind {sorted(set(kinds) - KINDS) or '(none)'}")
    confidence = f.text("confidence")
    if confidence not in CONFIDENCE:
        raise f.fail("confidence", f"{confidence!r} is not high, medium or low")
    periods = tuple(_period(p, f"{where}.period[{i}]") for i, p in enumerate(raw.get("period", [])))
    names = [p.name for p in periods]
    if len(set(names)) != len(names):
        raise f.fail("period", f"period names repeat: {names}")
    return Rule(
        id=rule_id,
        title_zh=f.text("title_zh"),
        title_en=f.text("title_en"),
        kinds=kinds,
        source=f.text("source"),
        confidence=confidence,
        section=section,
        states=f.texts("states"),
        outcomes=f.texts("outcomes"),
        sources=f.texts("sources"),
        activities=f.texts("activities"),
        parameters_text=str(raw.get("parameters_text", "")),
        confidence_note=str(raw.get("confidence_note", "")),
        periods=periods,
        check=_check(raw["check"], f"{where}.check") if "check" in raw else None,
    )


def _activities(data_dir: Path) -> dict[str, Activity]:
    found: dict[str, Activity] = {}
    for name, contract in (("activities.toml", True), ("activities_ext.toml", False)):
        path = data_dir / name
        if not path.exists() and not contract:
            continue
        for i, raw in enumerate(_read(path).get("activity", [])):
            f = _Fields(raw, f"{path}: activity[{i}]")
            code = f.text("code")
            if code in found:
                raise f.fail("code", f"activity {code!r} is defined twice")
            found[code] = Activity(
                code,
                f.text("zh"),
                f.text("en"),
                f.texts("data"),
                bool(raw.get("outcome")),
                contract,
            )
    return found


def _outcomes(path: Path) -> dict[str, Outcome]:
    result = {}
    for code, raw in _read(path).get("outcome", {}).items():
        f = _Fields(raw, f"{path}: outcome.{code}")
        result[code] = Outcome(
            code, f.text("zh"), f.text("en"), f.texts("requires"), f.table_of("where")
        )
    return result


def _sources(path: Path) -> dict[str, Source]:
    result = {}
    for key, raw in _read(path).get("source", {}).items():
        f = _Fields(raw, f"{path}: source.{key}")
        result[key] = Source(
            key,
            f.text("title"),
            f.text("kind"),
            str(raw.get("date", "")),
            str(raw.get("path", "")),
            str(raw.get("url", "")),
        )
    return result


def _validate(rules: Mapping[str, Rule], pack: RulePack, files: Mapping[str, Path]) -> None:
    known = pack.activities
    for rule in rules.values():
        where = f"{files[rule.id]}: rule {rule.id}"
        for code in rule.activities:
            if code not in known:
                raise PackError(f"{where}.activities: unknown activity {code!r}")
        for code in rule.outcomes:
            if code not in pack.outcomes:
                raise PackError(f"{where}.outcomes: unknown outcome {code!r}")
        for key in rule.sources:
            if key not in pack.sources:
                raise PackError(f"{where}.sources: unknown source {key!r}")
        for period in rule.periods:
            named = (period.start, *period.until, *period.cancelled_by)
            extra = tuple(c for c in (period.online_from, period.lapse) if c is not None)
            for code in (*named, *extra):
                if code == ANY_EVENT and code == period.start:
                    continue
                if code not in known:
                    raise PackError(f"{where}.period {period.name}: unknown activity {code!r}")
        check = rule.check
        if check is None:
            continue
        for code in (*check.requires, *check.report, *check.pre_filing_agreement):
            if code not in known:
                raise PackError(f"{where}.check: unknown activity {code!r}")
        if check.type in ("deadline", "stalled") and not any(
            p.days is not None for p in rule.periods
        ):
            raise PackError(f"{where}.check: a deadline check needs a period in days")
        names = {p.name for p in rule.periods}
        for name in check.periods:
            if name not in names:
                raise PackError(f"{where}.check.periods: rule has no period {name!r}")
        if check.type == "precedes" and check.activity not in known:
            raise PackError(f"{where}.check.activity: unknown activity {check.activity!r}")
    for outcome in pack.outcomes.values():
        for code in outcome.requires:
            if code not in known:
                raise PackError(f"outcomes.toml: outcome {outcome.code} requires unknown {code!r}")


def load_pack(
    data_dir: Path = DATA_DIR, overrides: Iterable[Path] = (), *, require_all: bool = True
) -> RulePack:
    """Read, validate and stamp a pack; apply local override files in the order given."""
    manifest = _read(data_dir / "pack.toml")
    digest = hashlib.sha256()
    rule_files = sorted((data_dir / "rules").glob("*.toml"))
    if not rule_files:
        raise PackError(f"{data_dir / 'rules'}: no rule files")
    vocabulary = [
        data_dir / n
        for n in (
            "pack.toml",
            "activities.toml",
            "activities_ext.toml",
            "outcomes.toml",
            "sources.toml",
        )
    ]
    for path in [*vocabulary, *rule_files]:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    rules: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    for path in rule_files:
        doc = _read(path)
        section = str(doc.get("section", path.stem))
        for i, raw in enumerate(doc.get("rule", [])):
            rule = _rule(raw, f"{path}: rule[{i}]", section)
            if rule.id in rules:
                raise PackError(f"{path}: rule {rule.id} is already defined in {files[rule.id]}")
            rules[rule.id], files[rule.id] = rule, path
    if require_all:
        missing = [f"R{n:02d}" for n in range(1, 78) if f"R{n:02d}" not in rules]
        if missing:
            raise PackError(
                f"{data_dir / 'rules'}: rules missing from the pack: {', '.join(missing)}"
            )
    pack = RulePack(
        name=str(manifest.get("name", "rule pack")),
        version=str(manifest.get("version", "0")),
        digest=digest.hexdigest(),
        rules=dict(sorted(rules.items(), key=lambda kv: (kv[0][0] != "R", kv[0]))),
        activities=_activities(data_dir),
        outcomes=_outcomes(data_dir / "outcomes.toml"),
        sources=_sources(data_dir / "sources.toml"),
    )
    _validate(pack.rules, pack, files)
    for path in overrides:
        pack = apply_override(pack, path)
    return pack


def apply_override(pack: RulePack, path: Path) -> RulePack:
    """A local agreement: change named parameters of named periods; everything else is inherited."""
    doc = _read(path)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise PackError(f"{path}: field 'name' must name the local agreement")
    rules = dict(pack.rules)
    for i, raw in enumerate(doc.get("override", [])):
        f = _Fields(raw, f"{path}: override[{i}]")
        rule_id = f.text("rule")
        if rule_id not in rules:
            raise f.fail("rule", f"unknown rule {rule_id!r}")
        rule = rules[rule_id]
        default_period = rule.periods[0].name if len(rule.periods) == 1 else None
        period_name = f.text("period", default_period)
        changes = {k: v for k, v in raw.items() if k not in {"rule", "period", "reason"}}
        unknown = set(changes) - OVERRIDABLE
        if unknown:
            raise f.fail(
                sorted(unknown)[0], f"cannot be overridden (allowed: {sorted(OVERRIDABLE)})"
            )
        if not any(p.name == period_name for p in rule.periods):
            raise f.fail("period", f"rule {rule_id} has no period {period_name!r}")
        length = {k: f.whole(k) for k in ("days", "months", "years") if k in changes}
        if len(length) > 1:
            raise f.fail("days", "give at most one of days, months or years")
        updates: dict[str, Any] = {"overridden_by": name}
        if length:
            updates.update({"days": None, "months": None, "years": None, **length})
        if "unit" in changes:
            try:
                updates["unit"] = Unit(changes["unit"])
            except ValueError:
                raise f.fail("unit", f"unknown unit {changes['unit']!r}") from None
        if "target" in changes:
            updates["target"] = bool(changes["target"])
        periods = tuple(replace(p, **updates) if p.name == period_name else p for p in rule.periods)
        rules[rule_id] = replace(rule, periods=periods)
    local_name = f"{name} (sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:8]})"
    return replace(pack, rules=rules, local=(*pack.local, local_name))


_default: RulePack | None = None


def default_pack() -> RulePack:
    """The base pack shipped with the code (cached: it is immutable)."""
    global _default
    if _default is None:
        _default = load_pack()
    return _default
