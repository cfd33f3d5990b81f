"""The composition root: the one place that picks concrete adapters and builds every service.

`build_services` makes the whole set a process needs (the HTTP API, the pages, the command
line): the case store and its engine, accounts, idempotency records, the outbox, documents,
attachments, scoped reads, the organisation registry, the notification settings, the rule pack,
the calendar and the process specs. Everything in api/ gets its stores from the Services object
it is handed (FastAPI: `Depends(services)`, api/http/deps.py); nothing reaches a store through
the engine (tests/architecture/test_composition_root.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine as SqlEngine

from api.notify.config import NotifyConfig, load_config
from api.notify.planner import step_escalations
from api.security import Tokens, load_secret
from api.settings import Settings
from api.throttle import Limits, SignInThrottle
from engine.bpmn.specs import SpecLibrary
from engine.ports import Clock
from engine.services import Engine
from standard_rules.legal_calendar import LegalCalendar, default_calendar
from standard_rules.orgs import Registry, load_registry
from standard_rules.pack import RulePack, load_pack
from storage.accounts import AccountStore
from storage.attachments import CaseFiles
from storage.documents import DocumentStore
from storage.findings import FindingAuditor
from storage.idempotency import IdempotencyStore
from storage.integrity import Anchors
from storage.outbox import Outbox
from storage.process_archive import SqlProcessArchive
from storage.scoped import ScopedReads
from storage.sql import SqlCaseStore


@dataclass
class Services:
    """Every store and service of one process, built once by `build_services`."""

    settings: Settings
    engine: Engine
    cases: SqlCaseStore
    accounts: AccountStore
    idempotency: IdempotencyStore
    reads: ScopedReads
    tokens: Tokens
    documents: DocumentStore
    attachments: CaseFiles  # attachments and fact corrections
    outbox: Outbox
    notify: NotifyConfig
    # The organisation registry with this deployment's local pairing agreements.
    orgs: Registry
    throttle: SignInThrottle
    # One engine step at a time in this process. The engine keeps recently used workflows live
    # in memory and two threads stepping one case would share (and both change) one object;
    # SQLite takes one writer at a time anyway, so this costs little. Other processes are kept
    # apart by the version compare-and-swap in the store.
    steps: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pack(self) -> RulePack:
        return self.engine.pack

    @property
    def calendar(self) -> LegalCalendar:
        return self.engine.calendar

    @property
    def specs(self) -> SpecLibrary:
        return self.engine.specs


@dataclass(frozen=True)
class Database:
    """The case database as a whole: its case store and, for the tools that check or read
    every table (verify, seal, what-if over the armed timers), its SQL engine and signing key."""

    cases: SqlCaseStore
    sql: SqlEngine
    anchors: Anchors | None


def build_database(settings: Settings, *, signed: bool = True) -> Database:
    """The configured database, migrated. Every write is signed with a key derived from the
    service's secret (suitiao verify); `signed=False` for commands that write no step
    (reindex, what-if) and so need no key."""
    anchors = Anchors(load_secret(settings.secret_key, settings.state_dir)) if signed else None
    auditor = FindingAuditor(
        load_pack(overrides=list(settings.local_rules)), default_calendar(settings.calendar_dirs)
    )
    cases = SqlCaseStore.from_url(settings.database_url, anchors, auditor)
    return Database(cases, cases.engine, anchors)


def build_cases(settings: Settings) -> SqlCaseStore:
    """The signed case store on the configured database."""
    return build_database(settings).cases


def build_engine(
    settings: Settings | None = None,
    clock: Clock | None = None,
    cases: SqlCaseStore | None = None,
    calendar: LegalCalendar | None = None,
    notify: NotifyConfig | None = None,
) -> Engine:
    """The engine on the case store; `calendar` replaces the installed one (`suitiao calendar
    load` reckons the open timers under a schedule not installed yet)."""
    settings = settings or Settings.from_env()
    store = cases or build_cases(settings)
    # The findings read model audits each step with the pack and calendar the engine runs.
    pack = store.auditor.pack
    calendar = calendar or store.auditor.calendar
    # Each deployed version of the process files is kept: open cases run on theirs.
    specs = SpecLibrary(archive=SqlProcessArchive(store.engine))
    # A lapse's escalation is queued in the outbox with the step that records the lapse.
    messages = step_escalations(notify or load_config(None, settings))
    return Engine(store, pack, calendar, specs=specs, clock=clock, messages=messages)


def build_services(settings: Settings | None = None, clock: Clock | None = None) -> Services:
    settings = settings or Settings.from_env()
    cases = build_cases(settings)
    database = cases.engine
    accounts = AccountStore(database)
    notify = load_config(None, settings)
    # Built once: each store checks its table on construction, which no request should pay.
    return Services(
        settings=settings,
        engine=build_engine(settings, clock, cases, notify=notify),
        cases=cases,
        accounts=accounts,
        idempotency=IdempotencyStore(database),
        reads=ScopedReads(database),
        tokens=Tokens(
            load_secret(settings.secret_key, settings.state_dir),
            settings.token_minutes * 60,
            alive=accounts.token_alive,
        ),
        documents=DocumentStore(database),
        attachments=CaseFiles(database),
        outbox=Outbox(database),
        notify=notify,
        orgs=load_registry(agreements=settings.local_pairing),
        throttle=SignInThrottle(Limits(settings.signin_per_account, settings.signin_per_address)),
    )
