"""The organisations of Zhejiang as data: courts and consumer committees, their divisions,
their hierarchy, and which committees a court may hand cases to.

The registry is read from data/orgs/*.toml (sources cited there). Cases and accounts store an
organisation by its short name (临海市消保委, 临海市人民法院); `find` also accepts the id, the
full name and the usual aliases, so a typed full name lands on the same organisation. Pairing
is by division (a court refers to the committee of its own county or city) plus whatever local
agreement files add, in the manner of the rule pack's local overrides.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from standard_rules.errors import StandardRulesError

ORGS_DIR = Path(__file__).parent / "data" / "orgs"
KINDS = ("court", "committee")
LEVELS = ("province", "city", "county")
DIVISION_KINDS = ("province", "city", "市辖区", "县级市", "县")
PROVINCE_CODE = "330000"


class RegistryError(StandardRulesError):
    """A registry or pairing file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Division:
    code: str  # GB/T 2260, six digits
    name: str
    kind: str  # province | city | 市辖区 | 县级市 | 县
    parent: str | None


@dataclass(frozen=True)
class Org:
    id: str
    kind: str  # court | committee
    level: str  # province | city | county
    name: str  # full name
    short: str  # the name stored on cases and accounts
    division: str
    parent: str | None
    court_code: str | None = None
    aliases: tuple[str, ...] = ()
    confidence: str = "high"
    note: str = ""

    @property
    def label(self) -> str:
        return self.short if self.short == self.name else f"{self.short}（{self.name}）"


def _key(text: str) -> str:
    # People type full-width spaces and stray blanks; none belongs in a name.
    return "".join(text.split()).replace("\u3000", "")


@dataclass(frozen=True)
class Registry:
    divisions: Mapping[str, Division]
    orgs: Mapping[str, Org]  # by id, in file order
    extra_pairs: frozenset[tuple[str, str]] = frozenset()  # (court id, committee id)
    agreements: tuple[str, ...] = ()  # names of the local pairing agreements applied
    _names: Mapping[str, str] = field(default_factory=dict, repr=False)  # any name -> id
    _children: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # -- look-ups ---------------------------------------------------------------------------------

    def find(self, text: object) -> Org | None:
        """The organisation an id, short name, full name, alias or court code names, or None."""
        if not isinstance(text, str):
            return None
        found = self._names.get(_key(text))
        return None if found is None else self.orgs[found]

    def court_by_code(self, code: str) -> Org | None:
        return self.orgs.get(f"court:{code}")

    def of_kind(self, kind: str) -> list[Org]:
        return [o for o in self.orgs.values() if o.kind == kind]

    def below(self, org: Org) -> list[Org]:
        """The organisation and every one under it, depth first."""
        out, stack = [], [org.id]
        while stack:
            current = stack.pop()
            out.append(self.orgs[current])
            stack.extend(reversed(self._children.get(current, ())))
        return out

    def scope_names(self, text: str) -> frozenset[str]:
        """Short names of an organisation and all below it; an unknown one sees only itself."""
        org = self.find(text)
        if org is None:
            return frozenset({text})
        return frozenset(o.short for o in self.below(org))

    # -- divisions ------------------------------------------------------------------------------

    def division_path(self, code: str) -> list[Division]:
        """From the province down to the division."""
        path: list[Division] = []
        current: str | None = code
        while current is not None and current in self.divisions:
            path.append(self.divisions[current])
            current = self.divisions[current].parent
        return list(reversed(path))

    def rollup(self, text: str | None) -> tuple[str, str, str]:
        """(province, city, county) names an organisation's figures count under; "" where the
        organisation sits above that level, "未登记" for a name the registry does not know."""
        org = self.find(text) if text else None
        if org is None:
            return ("未登记", "未登记", "未登记")
        names = [d.name for d in self.division_path(org.division)]
        names += [""] * (3 - len(names))
        return (names[0], names[1], names[2])

    def roll_up(self, counts: Mapping[str, int]) -> dict[str, dict[str, int]]:
        """Figures per organisation added up by county, city and province (省市县三级). An
        organisation above county level counts under its own level's name plus 本级."""
        out: dict[str, dict[str, int]] = {"province": {}, "city": {}, "county": {}}
        for org, n in counts.items():
            province, city, county = self.rollup(org)
            keys = {
                "province": province,
                "city": city or f"{province}本级",
                "county": county or f"{city or province}本级",
            }
            for level, key in keys.items():
                out[level][key] = out[level].get(key, 0) + n
        return {level: dict(sorted(table.items())) for level, table in out.items()}

    # -- pairing ---------------------------------------------------------------------------------

    def committees_for(self, court: Org) -> list[Org]:
        """Committees a court may refer to: its own division's, then those agreements add."""
        if court.kind != "court":
            return []
        return [
            o
            for o in self.orgs.values()
            if o.kind == "committee"
            and (o.division == court.division or (court.id, o.id) in self.extra_pairs)
        ]

    def may_refer(self, court: Org, committee: Org) -> bool:
        return committee in self.committees_for(court)


# -- loading ------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: field {key!r} must be a non-empty string")
    return value


def _divisions(path: Path) -> dict[str, Division]:
    out: dict[str, Division] = {}
    for i, raw in enumerate(_read(path).get("division", [])):
        where = f"{path.name}: division[{i}]"
        code, kind = _text(raw, "code", where), _text(raw, "kind", where)
        if len(code) != 6 or not code.isdigit():
            raise RegistryError(f"{where}: field 'code' must be six digits (GB/T 2260)")
        if kind not in DIVISION_KINDS:
            raise RegistryError(f"{where}: field 'kind' must be one of {DIVISION_KINDS}")
        if code in out:
            raise RegistryError(f"{where}: division {code} listed twice")
        parent = _text(raw, "parent", where, required=False) or None
        out[code] = Division(code, _text(raw, "name", where), kind, parent)
    return out


def _orgs(path: Path, table: str, kind: str) -> list[Org]:
    out = []
    for i, raw in enumerate(_read(path).get(table, [])):
        where = f"{path.name}: {table}[{i}]"
        level = _text(raw, "level", where)
        if level not in LEVELS:
            raise RegistryError(f"{where}: field 'level' must be one of {LEVELS}")
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise RegistryError(f"{where}: field 'aliases' must be a list of strings")
        out.append(
            Org(
                id=_text(raw, "id", where),
                kind=kind,
                level=level,
                name=_text(raw, "name", where),
                short=_text(raw, "short", where),
                division=_text(raw, "division", where),
                parent=_text(raw, "parent", where, required=False) or None,
                court_code=_text(raw, "court_code", where, required=(kind == "court")) or None,
                aliases=tuple(aliases),
                confidence=_text(raw, "confidence", where, required=False) or "high",
                note=_text(raw, "note", where, required=False),
            )
        )
    return out


def _index(
    divisions: Mapping[str, Division], orgs: Iterable[Org]
) -> tuple[dict[str, Org], dict[str, str], dict[str, tuple[str, ...]]]:
    by_id: dict[str, Org] = {}
    names: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    for org in orgs:
        if org.id in by_id:
            raise RegistryError(f"organisation {org.id} listed twice")
        if org.division not in divisions:
            raise RegistryError(f"{org.id}: unknown division {org.division}")
        by_id[org.id] = org
        codes = (org.court_code,) if org.court_code else ()
        for name in (org.id, org.short, org.name, *org.aliases, *codes):
            key = _key(name)
            if names.get(key, org.id) != org.id:
                raise RegistryError(f"{org.id}: name {name!r} also names {names[key]}")
            names[key] = org.id
    for org in by_id.values():
        if org.parent is None:
            continue
        parent = by_id.get(org.parent)
        if parent is None or parent.kind != org.kind:
            raise RegistryError(f"{org.id}: parent {org.parent} is not a registry {org.kind}")
        children.setdefault(org.parent, []).append(org.id)
    return by_id, names, {k: tuple(v) for k, v in children.items()}


def load_registry(directory: Path = ORGS_DIR, agreements: Iterable[Path] = ()) -> Registry:
    """Read and check the registry; apply local pairing agreements in the order given."""
    divisions = _divisions(directory / "divisions.toml")
    orgs = _orgs(directory / "courts.toml", "court", "court")
    orgs += _orgs(directory / "committees.toml", "committee", "committee")
    by_id, names, children = _index(divisions, orgs)
    registry = Registry(divisions, by_id, _names=names, _children=children)
    for path in agreements:
        registry = apply_agreement(registry, path)
    return registry


def apply_agreement(registry: Registry, path: Path) -> Registry:
    """A local pairing agreement: `name`, then [[pair]] court = …, committee = … (any name)."""
    doc = _read(path)
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{path}: field 'name' must name the local agreement")
    pairs = set(registry.extra_pairs)
    for i, raw in enumerate(doc.get("pair", [])):
        where = f"{path}: pair[{i}]"
        court = registry.find(_text(raw, "court", where))
        committee = registry.find(_text(raw, "committee", where))
        if court is None or court.kind != "court":
            raise RegistryError(f"{where}: field 'court' names no court of the registry")
        if committee is None or committee.kind != "committee":
            raise RegistryError(f"{where}: field 'committee' names no committee of the registry")
        pairs.add((court.id, committee.id))
    stamp = f"{name} (sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:8]})"
    return Registry(
        registry.divisions,
        registry.orgs,
        frozenset(pairs),
        (*registry.agreements, stamp),
        registry._names,
        registry._children,
    )


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry shipped with the code, without local agreements (cached: immutable)."""
    global _default
    if _default is None:
        _default = load_registry()
    return _default
