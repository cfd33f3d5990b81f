"""Run a POST at most once per Idempotency-Key: a retry gets the first answer, replayed.

`run_step` (cases, letters) has the key written in the step's own transaction, so a process
killed mid-request never leaves a key "in progress"; `run` claims the key first (accounts).
The key belongs to the caller. The same key with a different request is refused (422); a retry
that arrives while the first request is still running is told to wait (409). Answers with a 2xx
or 4xx status are kept; a 5xx releases the key so the retry runs again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response

from api.errors import ApiError, from_domain, json_response
from api.http.deps import Services
from engine.domain.errors import DomainError
from storage.accounts import Account
from storage.idempotency import KeyTaken, PendingKey, Recorded, within_step

Outcome = tuple[int, BaseModel, str | None]  # status, body, ETag


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    payload = body.model_dump_json(exclude_none=True) if body is not None else ""
    return hashlib.sha256(f"{method} {path}\n{payload}".encode()).hexdigest()


def _response(status: int, body: Any, etag: str | None, replayed: bool) -> Response:
    headers = {"ETag": etag} if etag else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(status, body, headers)


def _error(exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    assert isinstance(exc, DomainError)  # noqa: S101
    return from_domain(exc)


def _refuse_or_replay(
    recorded: Recorded, request_hash: str, current: Callable[[], Outcome] | None
) -> Response:
    """The answer for a key already recorded: the first answer, or why there is none yet."""
    if recorded.fingerprint != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "此幂等键已用于另一请求，请换一个新键",
            field="Idempotency-Key",
        )
    if recorded.status == 0:
        if recorded.stale() and current is not None:
            # The step committed with its key but the process died before keeping the answer:
            # answer with the case as it stands now (the step ran once and is in it).
            status, model, etag = current()
            return _response(status, model.model_dump(mode="json", by_alias=True), etag, True)
        raise ApiError(
            409,
            "idempotency_in_progress",
            "使用此幂等键的请求仍在处理中，请稍后重试",
            field="Idempotency-Key",
        )
    return _response(recorded.status, orjson.loads(recorded.body), recorded.etag, True)


def _await_first(
    services: Services,
    account: Account,
    key: str,
    request_hash: str,
    current: Callable[[], Outcome] | None,
) -> Response:
    """Another copy of this request committed first: give its answer once it is kept."""
    for _ in range(50):
        found = services.idempotency.lookup(account.id, key)
        if found is not None and found.status != 0:
            break
        time.sleep(0.1)
    if found is None:  # cannot happen: its step committed with the key
        raise ApiError(409, "idempotency_in_progress", "请稍后重试", field="Idempotency-Key")
    return _refuse_or_replay(found, request_hash, current)


def run_step(
    services: Services,
    account: Account,
    key: str | None,
    request_hash: str,
    work: Callable[[], Outcome],
    current: Callable[[], Outcome] | None = None,
) -> Response:
    """Run a request whose step is committed by a store that writes the key with it (the case
    store, the document store): see storage/idempotency.py. `current` answers for a key whose
    step committed but whose answer was lost with its process."""
    if key is None:
        return run(services, account, None, request_hash, work)
    store = services.idempotency
    recorded = store.lookup(account.id, key)
    if recorded is not None:
        return _refuse_or_replay(recorded, request_hash, current)
    pending = PendingKey(account.id, key, request_hash)
    with within_step(pending):
        try:
            status, model, etag = work()
            body: Any = model.model_dump(mode="json", by_alias=True)
        except KeyTaken:
            return _await_first(services, account, key, request_hash, current)
        except (ApiError, DomainError) as exc:
            error = _error(exc)
            if error.status >= 500:
                raise
            status, body, etag = error.status, error.body(), None
    text = orjson.dumps(body).decode()
    if pending.written:
        store.record(account.id, key, status, text, etag)
        return _response(status, body, etag, False)
    if store.record_new(pending, status, text, etag) is not None:
        # A copy of this request committed its step meanwhile (ours failed on it): theirs is
        # the answer to both.
        return _await_first(services, account, key, request_hash, current)
    return _response(status, body, etag, False)


def run(
    services: Services,
    account: Account,
    key: str | None,
    request_hash: str,
    work: Callable[[], Outcome],
) -> Response:
    if key is None:
        try:
            status, model, etag = work()
        except (ApiError, DomainError) as exc:
            return _error(exc).response()
        return _response(status, model.model_dump(mode="json", by_alias=True), etag, False)
    store = services.idempotency
    recorded = store.claim(account.id, key, request_hash)
    if recorded is not None:
        if recorded.fingerprint != request_hash:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "此幂等键已用于另一请求，请换一个新键",
                field="Idempotency-Key",
            )
        if recorded.status == 0:
            raise ApiError(
                409,
                "idempotency_in_progress",
                "使用此幂等键的请求仍在处理中，请稍后重试",
                field="Idempotency-Key",
            )
        return _response(recorded.status, orjson.loads(recorded.body), recorded.etag, True)
    try:
        try:
            status, model, etag = work()
            body: Any = model.model_dump(mode="json", by_alias=True)
        except (ApiError, DomainError) as exc:
            error = _error(exc)
            if error.status >= 500:
                raise
            status, body, etag = error.status, error.body(), None
    except BaseException:
        store.release(account.id, key)
        raise
    store.record(account.id, key, status, orjson.dumps(body).decode(), etag)
    return _response(status, body, etag, False)
