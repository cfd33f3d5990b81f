"""`suitiao demo --cases N` at province size: a few hundred cases played, the rest copied.

Playing a case through the engine costs ~30 ms a case; a million would take nine hours. So the
demo plays `templates` cases through the real engine (every process and path, open and closed,
as `populate` does) and then copies them in bulk across the basic courts of the Zhejiang
registry, each with the committee of its own division (the pairing `may_refer` allows):

- a new 案号 in the court's own code (complaints: the committee's division), new parties;
- every organisation the template names mapped to the copy's court and committee;
- the events re-sealed into the copy's own hash chain, the anchors signed for the copy;
- the same instants, timers and task ids as the template. A workflow document holds neither the
  case id nor an organisation, so it is the template's byte for byte, and the deadlines, which
  depend on dates and the legal calendar only, are the template's too. Dates are not shifted:
  shifting them would need every deadline reckoned again under the calendar, i.e. the engine.

Copies go in with `storage.bulk.insert_cases`, `batch` cases a transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from api.demo import BUSINESSES, COURTS, CPAS, DemoClock, populate
from engine.domain.events import GENESIS, CaseEvent, event_hash
from engine.ports import StoredCase, Timer
from engine.services import Engine
from standard_rules.orgs import default_registry
from standard_rules.timezone import SHANGHAI
from storage.bulk import NewCase, insert_cases
from storage.compact import pack_workflow
from storage.sql import SqlCaseStore

TEMPLATES = 200  # cases played through the engine before copying starts
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "婷", "杰", "洋", "艳", "勇", "军", "丽", "涛")


@dataclass(frozen=True)
class Pair:
    """A basic court and the committee of its own division."""

    court: str
    committee: str
    court_code: str  # 浙1082
    division: str  # 331082, in complaint numbers


@dataclass(frozen=True)
class Template:
    case: StoredCase
    events: list[CaseEvent]
    timers: list[Timer]


def court_pairs(limit: int | None = None) -> list[Pair]:
    """Basic courts with their division's committee, the demo's own two first."""
    registry = default_registry()
    pairs = []
    for court in registry.of_kind("court"):
        own = [c for c in registry.committees_for(court) if c.division == court.division]
        if court.level != "county" or not court.court_code or not own:
            continue
        pairs.append(Pair(court.short, own[0].short, court.court_code, court.division))
    pairs.sort(key=lambda p: p.court not in COURTS)  # stable: file order otherwise
    return pairs[:limit] if limit else pairs


def _swap(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {k: _swap(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, names) for v in value]
    return value


def _case_id(case: StoredCase, n: int, pair: Pair) -> str:
    year = case.opened_at.astimezone(SHANGHAI).year
    if case.process_id == "pre_filing_referral":
        return f"({year}){pair.court_code}民诉前调{n:04d}号"
    if case.process_id == "post_filing_referral":
        return f"({year}){pair.court_code}民初{n:04d}号"
    return f"TS{pair.division}-{year}-{n:06d}"


def _parties(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    return {
        "consumer": {"name": name, "phone": f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d}"},
        "business": {"name": rng.choice(BUSINESSES)},
    }


Mapped = dict[tuple[int, str], tuple[dict[str, Any], list[tuple[Any, ...]]]]


def _mapped(
    template: Template, pair: Pair, cache: Mapped
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The template's facts and events with `pair`'s organisations. `cache` lives no longer
    than the templates it holds (it is keyed by their id())."""
    key = (id(template), pair.court)
    found = cache.get(key)
    if found is None:
        names = dict.fromkeys(COURTS, pair.court) | dict.fromkeys(CPAS, pair.committee)
        events = []
        for e in template.events:
            data, org = _swap(dict(e.data), names), _swap(e.org, names)
            draft = CaseEvent("", 0, e.activity, e.at, e.actor, e.role, org, data)
            record = draft.record()
            del record["case"]
            events.append((e.activity, e.at, data, e.actor, e.role, org, record))
        found = cache[key] = (_swap(template.case.facts, names), events)
    return found


def copy_case(
    template: Template, n: int, pair: Pair, rng: random.Random, cache: Mapped | None = None
) -> NewCase:
    """The template as the n-th case of `pair`'s court and committee (`cache`: see _mapped)."""
    case_id = _case_id(template.case, n, pair)
    facts, drafts = _mapped(template, pair, {} if cache is None else cache)
    facts = dict(facts)
    if "consumer" in facts:
        facts.update(_parties(rng))
    sealed, prev = [], GENESIS
    for seq, (activity, at, data, actor, role, org, record) in enumerate(drafts, start=1):
        digest = event_hash(prev, seq, {"case": case_id, **record})
        sealed.append(CaseEvent(case_id, seq, activity, at, actor, role, org, data, prev, digest))
        prev = digest
    case = replace(
        template.case,
        id=case_id,
        court_org=pair.court if template.case.court_org in COURTS else template.case.court_org,
        mediator_org=(
            pair.committee if template.case.mediator_org in CPAS else template.case.mediator_org
        ),
        facts=facts,
        last_seq=len(sealed),
        last_hash=prev,
    )
    timers = [Timer(case_id, t.task_id, t.name, t.due_at) for t in template.timers]
    return case, sealed, timers


def load_templates(store: SqlCaseStore, ids: list[str]) -> list[Template]:
    templates = []
    for case_id in ids:
        case = store.get(case_id)
        if case is not None:
            # Stored as is by every copy (compressed once here rather than once a copy).
            case = replace(case, workflow=pack_workflow(case.status, case.workflow))
            templates.append(Template(case, store.events(case_id), store.timers(case_id)))
    return templates


def populate_at_scale(
    engine: Engine,
    clock: DemoClock,
    cases: int,
    days: int,
    seed: int,
    *,
    store: object,
    templates: int = TEMPLATES,
    courts: int | None = None,
    open_share: float | None = None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """`cases` cases: up to `templates` played, the rest copied; returns how many were stored.

    `store`: the engine's case store; copies are written in bulk only to a SQL one.
    `open_share`: the share of copies made from open templates (None: as the templates fall).
    """
    played_ids: list[str] = []
    played = populate(engine, clock, min(cases, templates), days, seed, opened_ids=played_ids)
    if cases <= templates or not isinstance(store, SqlCaseStore):
        return played
    pool = load_templates(store, played_ids)
    copied = copy_templates(
        store, pool, range(templates + 1, cases + 1), seed, courts, open_share, batch, progress
    )
    return played + copied


def copy_templates(
    store: SqlCaseStore,
    pool: list[Template],
    numbers: range,
    seed: int,
    courts: int | None = None,
    open_share: float | None = None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copies of `pool` numbered `numbers`, stored `batch` at a time; returns how many."""
    open_pool = [t for t in pool if t.case.status != "closed"] or pool
    closed_pool = [t for t in pool if t.case.status == "closed"] or pool
    pairs = court_pairs(courts)
    rng = random.Random(seed + 1)  # noqa: S311 -- sample data, reproducible by seed
    pending: list[NewCase] = []
    stored = 0
    cache: Mapped = {}
    for n in numbers:
        if open_share is None:
            template = rng.choice(pool)
        else:
            template = rng.choice(open_pool if rng.random() < open_share else closed_pool)
        pending.append(copy_case(template, n, pairs[n % len(pairs)], rng, cache))
        if len(pending) >= batch:
            insert_cases(store, pending)
            stored += len(pending)
            pending = []
            if progress is not None:
                progress(stored)
    insert_cases(store, pending)
    return stored + len(pending)
