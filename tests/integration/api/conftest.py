"""An API on a SQLite file, with people of every role in two courts and two 消保委, and a way
to put a case at any waiting task (driven through the engine, as the people would)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from engine.services import Actor, Engine
from storage.accounts import Account, AccountExists

COURT_A, COURT_B = "临海市人民法院", "天台县人民法院"
CPA_A, CPA_B = "临海市消保委", "天台县消保委"
ROLES = ("court_clerk", "judge", "mediator", "auditor", "admin", "supervisor")
ORG = {
    ("court_clerk", "own"): COURT_A,
    ("judge", "own"): COURT_A,
    ("mediator", "own"): CPA_A,
    ("auditor", "own"): CPA_A,
    ("admin", "own"): "浙江省消保委",
    ("court_clerk", "other"): COURT_B,
    ("judge", "other"): COURT_B,
    ("mediator", "other"): CPA_B,
    ("auditor", "other"): CPA_B,
    ("admin", "other"): "浙江省市场监管局",
    # A court's head above the case's court (临海 is in 台州), and one of another city.
    ("supervisor", "own"): "台州市中级人民法院",
    ("supervisor", "other"): "杭州市中级人民法院",
}
# Not an argon2 hash, so never matches: these test people sign in by token only.
TOKEN_ONLY = "!"  # noqa: S105
SECRET = "test-secret-" + "x" * 40

# How people answer each task on the way to another: the happy path through confirmation.
PLAN: dict[str, dict[str, Any]] = {
    "record_consent": {"action": "consent"},
    "refer": {"action": "refer", "mediator_org": CPA_A, "procedure": "ordinary"},
    "sign_for_referral": {"action": "sign"},
    "accept_referral": {"action": "accept"},
    "notify_parties": {"action": "notify"},
    "agreement_follow_up": {"action": "apply", "joint": True},
    "decide_acceptance": {"action": "accept"},
}
CONSUMER = {"name": "张伟", "phone": "13812345678", "id_number": "11010519491231002X"}


class World:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.client = TestClient(app)
        self.engine: Engine = app.state.engine
        self.services = app.state.services
        self._ids = itertools.count(1)

    def account(self, role: str, side: str = "own", scope: str = "org") -> Account:
        return Account(f"{role}-{side}", f"{role} {side}", role, ORG[role, side], scope)

    def headers(self, role: str, side: str = "own", scope: str = "org") -> dict[str, str]:
        return self.bearer(self.account(role, side, scope))

    def bearer(self, account: Account) -> dict[str, str]:
        """A token for an account, which is stored first if it is not: tokens of people the
        store does not know (or has revoked) are refused."""
        accounts = self.services.accounts
        if accounts.user(account.id) is None:
            with contextlib.suppress(AccountExists):
                accounts.add_user(
                    username=account.id,
                    password_hash=TOKEN_ONLY,
                    role=account.role,
                    org=account.org,
                    display_name=account.name,
                    scope=account.scope,
                )
        stored = accounts.user(account.id)
        version = stored[0].token_version if stored is not None else 0
        token = self.services.tokens.issue(replace(account, token_version=version))
        return {"Authorization": f"Bearer {token}"}

    def new_id(self) -> str:
        return f"(2026)浙1082民诉前调{next(self._ids):04d}号"

    def open(self, process: str = "pre_filing_referral", **facts: Any) -> str:
        case_id = self.new_id()
        court = process in ("pre_filing_referral", "post_filing_referral")
        who = Actor("setup", "court_clerk", COURT_A) if court else Actor("setup", "mediator", CPA_A)
        self.engine.open_case(
            process_id=process,
            case_id=case_id,
            actor=who,
            facts={"consumer": dict(CONSUMER), "claim_amount": 1200, **facts},
        )
        return case_id

    def act(self, case_id: str, payload: dict[str, Any]) -> None:
        task = self.engine.case(case_id).tasks[0]
        who = Actor("setup", task.roles[0], task.org or "")
        self.engine.complete(case_id=case_id, task_id=task.task_id, actor=who, payload=payload)

    def case_at(self, bpmn_id: str, process: str = "pre_filing_referral") -> str:
        """A new case of court A (referred to 消保委 A once past referral) waiting at bpmn_id."""
        case_id = self.open(process)
        if bpmn_id == "register_case":
            self.act(case_id, {"action": "refuse", "party": "business"})
        started = False
        for _ in range(20):
            tasks = [t.bpmn_id for t in self.engine.case(case_id).tasks]
            if bpmn_id in tasks:
                return case_id
            current = tasks[0]
            if current == "mediate":
                self.act(case_id, {"action": "agree" if started else "start", "amount": 1000})
                started = True
                continue
            self.act(case_id, PLAN[current])
        raise AssertionError(f"could not bring a case to {bpmn_id}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("api")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}", secret_key=SECRET, state_dir=folder
    )
    app = create_app(settings, timers=False)
    yield World(app)
    app.state.engine.store.engine.dispose()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[World]:
    """A world of its own, for tests that count or race."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}", secret_key=SECRET, state_dir=tmp_path
    )
    app = create_app(settings, timers=False)
    yield World(app)
    app.state.engine.store.engine.dispose()
