"""Shared fixtures of the engine benchmarks (bench_engine.py, bench_timer_sweep.py).

The workload is the pre-filing path of workflows/pre_filing_referral.bpmn, one Engine.complete
per user task: consent → refer → sign → accept → notify → start → agree → performed (the case
closes on the last step). The baselines drive the very same BPMN with the very same task data:
`capture_path()` runs one case through the engine and records what the engine hands SpiffWorkflow
at each step, so SpiffWorkflow alone and the plain durable approach replay exactly that.

Nothing here touches engine/ or storage/; it only uses their public surface (plus the SQL store's
table objects and row helpers, for the bulk fixture of the timer sweep).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.serializer.default.event_definition import (  # noqa: E402
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine.bpmn import runtime  # noqa: E402
from engine.bpmn.clock import ClockCycle, ClockDuration, ClockTimeDate, engine_clock  # noqa: E402
from engine.bpmn.specs import SpecLibrary  # noqa: E402
from engine.script_api import StepContext, step_context  # noqa: E402
from engine.services import Actor, Engine  # noqa: E402
from standard_rules.legal_calendar import default_calendar  # noqa: E402
from standard_rules.pack import default_pack  # noqa: E402
from storage.memory import MemoryCaseStore  # noqa: E402
from storage.sql import SqlCaseStore  # noqa: E402

PROCESS = "pre_filing_referral"
COURT, MEDIATION_ORG = "临海市人民法院", "临海市消保委"
CLERK = Actor("c1", "court_clerk", COURT)
MEDIATOR = Actor("m1", "mediator", MEDIATION_ORG)
T0 = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai

# (actor, user task, payload): the realistic pre-filing path, 8 steps, ends closed.
PATH: tuple[tuple[Actor, str, dict[str, Any]], ...] = (
    (CLERK, "record_consent", {"action": "consent"}),
    (CLERK, "refer", {"action": "refer", "mediator_org": MEDIATION_ORG}),
    (MEDIATOR, "sign_for_referral", {"action": "sign"}),
    (MEDIATOR, "accept_referral", {"action": "accept"}),
    (MEDIATOR, "notify_parties", {"action": "notify"}),
    (MEDIATOR, "mediate", {"action": "start"}),
    (MEDIATOR, "mediate", {"action": "agree", "amount": 3000}),
    (MEDIATOR, "agreement_follow_up", {"action": "performed"}),
)
STEP_NAMES = tuple(f"{task}:{payload['action']}" for _, task, payload in PATH)


class FakeClock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def now(self) -> datetime:
        return self.t


_SHARED: dict[str, Any] = {}


def shared() -> tuple[Any, Any, SpecLibrary]:
    """(pack, calendar, specs), built once per process: every engine and baseline shares them."""
    if not _SHARED:
        _SHARED["pack"] = default_pack()
        _SHARED["calendar"] = default_calendar()
        _SHARED["specs"] = SpecLibrary()
    return _SHARED["pack"], _SHARED["calendar"], _SHARED["specs"]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(store: Any, clock: FakeClock, cache_size: int = 2048) -> Engine:
    pack, calendar, specs = shared()
    return Engine(store, pack, calendar, specs=specs, clock=clock, cache_size=cache_size)


def sql_engine(path: Path, clock: FakeClock, cache_size: int = 2048) -> Engine:
    return make_engine(SqlCaseStore.from_url(sqlite_url(path)), clock, cache_size)


def open_case(engine: Engine, case_id: str) -> Any:
    return engine.open_case(
        process_id=PROCESS, case_id=case_id, actor=CLERK, facts={"claim_amount": 5000}
    )


def do_step(engine: Engine, case_id: str, k: int) -> Any:
    actor, task, payload = PATH[k]
    return engine.complete(case_id=case_id, task_id=task, actor=actor, payload=payload)


# -- what the engine hands SpiffWorkflow ---------------------------------------------------------


class Capture:
    """The opening data and, per step, (bpmn id, data) the engine passed to runtime.complete."""

    def __init__(self, start_data: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]):
        self.start_data = start_data
        self.steps = steps


def capture_path() -> Capture:
    """Drive one case through the engine (in memory) and record what reached SpiffWorkflow."""
    start_data: dict[str, Any] = {}
    steps: list[tuple[str, dict[str, Any]]] = []
    real_start, real_complete = runtime.start, runtime.complete

    def spy_start(entry: Any, data: dict[str, Any], script_engine: Any, now: datetime) -> Any:
        start_data.update(data)
        return real_start(entry, data, script_engine, now)

    def spy_complete(workflow: Any, task_id: str, data: dict[str, Any], now: datetime) -> None:
        from uuid import UUID

        steps.append((workflow.get_task_from_id(UUID(task_id)).task_spec.bpmn_id, dict(data)))
        real_complete(workflow, task_id, data, now)

    runtime.start, runtime.complete = spy_start, spy_complete
    try:
        engine = make_engine(MemoryCaseStore(), FakeClock(T0))
        open_case(engine, "capture")
        for k in range(len(PATH)):
            view = do_step(engine, "capture", k)
        assert view.status == "closed", view.status
    finally:
        runtime.start, runtime.complete = real_start, real_complete
    assert [s[0] for s in steps] == [p[1] for p in PATH], steps
    return Capture(start_data, steps)


# -- SpiffWorkflow alone ---------------------------------------------------------------------------


def spiff_start(script_engine: Any, data: dict[str, Any], now: datetime) -> Any:
    """A fresh instance of the process with the engine's opening data (same as runtime.start)."""
    entry = shared()[2].get(PROCESS)
    workflow = BpmnWorkflow(entry.spec, entry.subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(data)
    with engine_clock(now), step_context(StepContext(stamp=now)):
        workflow.refresh_timers()
        workflow.do_engine_steps()
    return workflow


def spiff_step(workflow: Any, bpmn_id: str, data: dict[str, Any], now: datetime) -> None:
    """Complete the ready user task `bpmn_id` the plain SpiffWorkflow way.

    The engine clock and a step context are set because the process's own expressions need
    them (timers read the clock; scripts call emit()/remind()); both are a context variable."""
    task = next(
        t
        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        if t.task_spec.bpmn_id == bpmn_id
    )
    with engine_clock(now), step_context(StepContext(stamp=now)):
        task.data.update(data)
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()


def stock_serializer() -> Any:
    """SpiffWorkflow's stock BpmnWorkflowSerializer (spec embedded in every document).

    The only addition: the engine swaps the timer definitions for subclasses that read the
    engine clock, so those subclasses are registered with the stock timer converter."""
    config = dict(DEFAULT_CONFIG)
    for cls in (ClockTimeDate, ClockDuration, ClockCycle):
        config[cls] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


class PlainDurable:
    """Baseline (b): a table (id, json) on SQLite WAL; a step loads, deserializes (stock, spec
    embedded), completes the task, serializes, UPDATEs and COMMITs."""

    def __init__(self, path: Path, script_engine: Any) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level="DEFERRED")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS cases (id TEXT PRIMARY KEY, json TEXT)")
        self.conn.commit()
        self.serializer = stock_serializer()
        self.script_engine = script_engine

    def open(self, case_id: str, data: dict[str, Any], now: datetime) -> None:
        workflow = spiff_start(self.script_engine, data, now)
        self.conn.execute(
            "INSERT INTO cases (id, json) VALUES (?, ?)",
            (case_id, self.serializer.serialize_json(workflow)),
        )
        self.conn.commit()

    def step(self, case_id: str, bpmn_id: str, data: dict[str, Any], now: datetime) -> None:
        (doc,) = self.conn.execute("SELECT json FROM cases WHERE id = ?", (case_id,)).fetchone()
        workflow = self.serializer.deserialize_json(doc)
        workflow.script_engine = self.script_engine
        spiff_step(workflow, bpmn_id, data, now)
        self.conn.execute(
            "UPDATE cases SET json = ? WHERE id = ?",
            (self.serializer.serialize_json(workflow), case_id),
        )
        self.conn.commit()

    def document_size(self) -> int:
        return int(self.conn.execute("SELECT avg(length(json)) FROM cases").fetchone()[0] or 0)

    def close(self) -> None:
        self.conn.close()


# -- statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"
