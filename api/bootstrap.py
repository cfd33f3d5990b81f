"""The composition root: the one place that picks concrete adapters for the engine."""

from __future__ import annotations

from api.security import load_secret
from api.settings import Settings
from engine.bpmn.specs import SpecLibrary
from engine.ports import Clock
from engine.services import Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import load_pack
from storage.findings import FindingAuditor
from storage.integrity import Anchors
from storage.process_archive import SqlProcessArchive
from storage.sql import SqlCaseStore


def build_engine(settings: Settings | None = None, clock: Clock | None = None) -> Engine:
    settings = settings or Settings.from_env()
    # Every write is signed with a key derived from the service's secret (suitiao verify).
    anchors = Anchors(load_secret(settings.secret_key, settings.state_dir))
    pack = load_pack(overrides=list(settings.local_rules))
    calendar = default_calendar(settings.calendar_dirs)
    # The findings read model audits each step's case with the pack and calendar the engine uses.
    store = SqlCaseStore.from_url(settings.database_url, anchors, FindingAuditor(pack, calendar))
    # Each deployed version of the process files is kept: open cases run on theirs.
    specs = SpecLibrary(archive=SqlProcessArchive(store.engine))
    return Engine(store, pack, calendar, specs=specs, clock=clock)
