"""Sign-in throttling per account and per address.

After too many failed sign-ins in a window, further attempts for that account, or from that
address, are refused before the password is checked: the refusal costs a dictionary look-up,
not an argon2 verification, so a password-guessing run does not slow anyone else down. A
successful sign-in clears the account's failures (not the address's, so one known password
does not reopen guessing at others).

A check counts from the moment it starts (`check`), not once it has failed: with N concurrent
connections an address would otherwise get 20 + N checks before the first failures were
recorded. And an address runs one check at a time: a second POST /auth/token waits its turn
(RefusePausedAddresses), a second sign-in on the page is refused with the same 429. So a
guessing run gets at most `per_address` argon2 checks, one after the other
(bench/bench_sign_in.py). A check that succeeds is taken back off
the address's count, so people signing in behind one NAT address do not use it up.

The counts live in this process's memory, bounded in size: with several server processes each
keeps its own, so the effective limit is the limit times the processes. The address is the
TCP peer; behind a reverse proxy that is the proxy, so deploy with the proxy's own limit or
have uvicorn trust its forwarded headers.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from api.errors import ApiError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window_seconds: float = 15 * 60
    max_keys: int = 100_000  # memory bound: the least recently failed keys are forgotten


class TooManyAttempts(Exception):
    """Refused before the password is checked; `seconds` until the next attempt may be made."""

    def __init__(self, seconds: int) -> None:
        super().__init__(refusal_message(seconds))
        self.seconds = seconds


class SignInThrottle:
    def __init__(
        self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._checking: dict[str, int] = {}  # address -> checks under way (at most 1)
        self._turns: set[str] = set()  # addresses with a sign-in request under way (admit)
        # What the throttle let through, for tests and benchmarks: password checks run, and
        # the most run at once from one address.
        self.checks = 0
        self.peak_per_address = 0

    def check(self, username: str, address: str, verify: Callable[[], bool]) -> bool:
        """Run `verify` (the password check) if the limits allow it, counting it as a failure
        from the start; TooManyAttempts when they do not. Returns what `verify` returned."""
        started = self._begin(username, address)
        ok = False
        try:
            ok = verify()
        finally:
            self._end(username, address, started, ok)
        return ok

    def _begin(self, username: str, address: str) -> float:
        now = self._clock()
        keys = self._keys(username, address)
        with self._lock:
            waits = [
                times[-limit] + self.limits.window_seconds - now
                for key, limit in keys
                if (times := self._recent(key, now)) is not None and len(times) >= limit
            ]
            if waits:
                raise TooManyAttempts(max(math.ceil(w) for w in waits))
            if self._checking.get(address):
                raise TooManyAttempts(1)  # one check at a time per address
            self._checking[address] = self._checking.get(address, 0) + 1
            self.checks += 1
            self.peak_per_address = max(self.peak_per_address, self._checking[address])
            self._count(keys, now)
        return now

    def _end(self, username: str, address: str, started: float, ok: bool) -> None:
        with self._lock:
            left = self._checking.pop(address, 1) - 1
            if left:
                self._checking[address] = left
            if not ok:
                return  # counted already
            self._failures.pop(self._account(username), None)
            times = self._failures.get(f"a:{address}")
            if times is not None and started in times:
                times.remove(started)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.limits.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def wait(self, username: str, address: str) -> int:
        """Seconds until this account may try again from this address; 0: it may now."""
        return self._wait(self._keys(username, address))

    def address_wait(self, address: str) -> int:
        """Seconds until this address may try again at all: answerable before the request's
        form is read (RefusePausedAddresses), so a paused address's guesses cost almost nothing."""
        return self._wait([(f"a:{address}", self.limits.per_address)])

    def admit(self, address: str) -> bool:
        """Take the address's turn at the sign-in endpoint (RefusePausedAddresses): True if no
        other request from it holds it. `release` gives it back."""
        with self._lock:
            if address in self._turns:
                return False
            self._turns.add(address)
            return True

    def release(self, address: str) -> None:
        with self._lock:
            self._turns.discard(address)

    def _wait(self, keys: list[tuple[str, int]]) -> int:
        now = self._clock()
        waits = []
        with self._lock:
            for key, limit in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= limit:
                    waits.append(times[-limit] + self.limits.window_seconds - now)
        return max((math.ceil(w) for w in waits), default=0)

    def failed(self, username: str, address: str) -> None:
        """Count a failure after the fact (`check` counts its own)."""
        with self._lock:
            self._count(self._keys(username, address), self._clock())

    def _count(self, keys: list[tuple[str, int]], now: float) -> None:
        for key, limit in keys:
            times = self._recent(key, now) or deque(maxlen=limit)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > self.limits.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._account(username), None)

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [
            (self._account(username), self.limits.per_account),
            (f"a:{address}", self.limits.per_address),
        ]

    @staticmethod
    def _account(username: str) -> str:
        return f"u:{username.strip().lower()}"


def refusal_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"登录失败次数过多，请在{minutes}分钟后再试"


class RefusePausedAddresses:
    """ASGI middleware in front of POST /auth/token: one sign-in request per address at a time,
    and none from a paused address.

    A request from an address whose other sign-in is under way waits its turn here (an asyncio
    sleep: no thread, no CPU), up to `max_wait` seconds, so people signing in together behind
    one address all get in, and a guessing run on many connections gets its checks one after
    the other. A paused address is answered 429 before the body is read, the form parsed or a
    worker thread taken, and only after `delay` seconds: a guessing run's refused attempts then
    cost a dictionary look-up and a short answer each, and the run cannot send them faster than
    one per connection per `delay`, so it cannot keep the server busy answering refusals while
    others wait (bench/bench_sign_in.py). The pages' sign-in form keeps its own check, which
    answers with the page (and refuses a second check under way from the same address)."""

    def __init__(
        self,
        app: ASGIApp,
        throttle: SignInThrottle,
        path: str = "/auth/token",
        delay: float = 1.0,
        max_wait: float = 10.0,
        poll: float = 0.02,
    ) -> None:
        self.app, self.throttle, self.path, self.delay = app, throttle, path, delay
        self.max_wait, self.poll = max_wait, poll

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "POST"
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else ""
        waited = 0.0
        while True:
            wait = self.throttle.address_wait(address)
            if wait:
                await self._refuse(wait, scope, receive, send)
                return
            if self.throttle.admit(address):
                break
            if waited >= self.max_wait:  # the queue does not move: as a pause of a second
                await self._refuse(1, scope, receive, send)
                return
            await asyncio.sleep(self.poll)
            waited += self.poll
        try:
            await self.app(scope, receive, send)
        finally:
            self.throttle.release(address)

    async def _refuse(self, wait: int, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(self.delay)
        error = ApiError(
            429,
            "too_many_attempts",
            refusal_message(wait),
            field="username",
            headers={"Retry-After": str(wait)},
        )
        await error.response()(scope, receive, send)
