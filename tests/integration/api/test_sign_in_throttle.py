"""Sign-in throttling per account and per address, with a Chinese message, over API and pages."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from api.throttle import Limits, RefusePausedAddresses, SignInThrottle
from tests.integration.api.conftest import World

GOOD = "a-good-password"


def token(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    answer = client.post("/auth/token", data={"username": username, "password": password})
    return answer.status_code, answer.json()


def add(world: World, username: str) -> None:
    body = {"username": username, "password": GOOD, "role": "judge", "org": "临海市人民法院"}
    assert world.client.post("/users", json=body, headers=world.headers("admin")).is_success


def test_five_wrong_passwords_pause_the_account_even_with_the_right_one(fresh: World) -> None:
    add(fresh, "zhang")
    for _ in range(5):
        assert token(fresh.client, "zhang", "wrong-password")[0] == 401
    status, body = token(fresh.client, "zhang", GOOD)
    assert status == 429
    assert body["code"] == "too_many_attempts" and body["field"] == "username"
    assert body["message"] == "登录失败次数过多，请在15分钟后再试"
    again = fresh.client.post("/auth/token", data={"username": "ZHANG", "password": GOOD})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 800


def test_one_address_guessing_many_accounts_is_paused_others_are_not(fresh: World) -> None:
    add(fresh, "li")
    for n in range(20):  # 20 different names, so no account reaches its own limit
        assert token(fresh.client, f"guess{n}", "wrong-password")[0] == 401
    assert token(fresh.client, "li", GOOD)[0] == 429  # this address is paused
    elsewhere = TestClient(fresh.app, client=("10.0.0.9", 50000))
    assert token(elsewhere, "li", GOOD)[0] == 200  # another address is not
    # The paused address is refused before its body is read: a request that would otherwise be
    # a 422 (no form at all) is the same 429, so a refused guess costs no form parsing.
    bare = fresh.client.post("/auth/token", content=b"{not a form")
    assert bare.status_code == 429 and bare.json()["code"] == "too_many_attempts"
    assert int(bare.headers["Retry-After"]) > 800
    assert elsewhere.post("/auth/token", content=b"{not a form").status_code == 422


def test_a_success_clears_the_account_count() -> None:
    now = [0.0]
    throttle = SignInThrottle(Limits(per_account=3, per_address=100), clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("wang", "1.2.3.4")
    throttle.succeeded("wang")
    for _ in range(2):
        throttle.failed("wang", "1.2.3.4")
    assert throttle.wait("wang", "1.2.3.4") == 0
    throttle.failed("wang", "1.2.3.4")
    assert throttle.wait("wang", "5.6.7.8") == 900
    now[0] = 899.5
    assert throttle.wait("wang", "1.2.3.4") == 1
    now[0] = 900.0
    assert throttle.wait("wang", "1.2.3.4") == 0  # the window has passed


def test_the_memory_is_bounded() -> None:
    throttle = SignInThrottle(Limits(max_keys=50))
    for n in range(1000):
        throttle.failed(f"user{n}", f"10.0.{n // 256}.{n % 256}")
    assert len(throttle._failures) <= 50


def test_the_sign_in_page_says_so_in_chinese(fresh: World) -> None:
    add(fresh, "zhao")
    client = fresh.client
    client.cookies.clear()
    page = client.get("/ui/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    data = {"username": "zhao", "csrf_token": csrf.group(1)}
    for _ in range(5):
        assert client.post("/ui/login", data={**data, "password": "wrong-one"}).status_code == 401
    answer = client.post("/ui/login", data={**data, "password": GOOD}, follow_redirects=False)
    assert answer.status_code == 429
    assert "登录失败次数过多，请在15分钟后再试" in answer.text


def _run(coroutine: Any) -> None:
    """asyncio.run on a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_a_paused_address_is_answered_late_and_never_reaches_the_app() -> None:
    """The refusal waits `delay` (asyncio, no thread), so one connection cannot send more than
    one refused guess per `delay`; the app behind never sees the request."""
    throttle = SignInThrottle(Limits(per_address=1))
    throttle.failed("anyone", "10.0.0.7")
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body is not read")

    guard = RefusePausedAddresses(app, throttle, delay=0.2)
    scope = {"type": "http", "method": "POST", "path": "/auth/token", "client": ("10.0.0.7", 1)}
    started = time.monotonic()
    _run(guard(scope, receive, send))
    assert time.monotonic() - started >= 0.2
    assert sent[0]["status"] == 429 and not reached
    _run(guard({**scope, "client": ("10.0.0.8", 1)}, receive, send))
    assert reached == ["/auth/token"]  # another address goes through


def test_concurrent_guesses_from_one_address_get_at_most_20_checks_one_at_a_time(
    fresh: World,
) -> None:
    """A check counts from its start and an address runs one at a time (the others wait their
    turn): however many connections a guessing run opens, it gets `per_address` (20) argon2
    checks in all, never two at once (issue 13; before, N connections got 20 + N checks, run
    side by side). People signing in together from one address all get in."""
    for name in ("sun", "ma", "hu"):
        add(fresh, name)
    throttle = fresh.services.throttle
    with ThreadPoolExecutor(3) as pool:
        signed_in = list(
            pool.map(lambda name: token(fresh.client, name, GOOD)[0], ["ma", "hu"] * 3)
        )
    assert signed_in == [200] * 6
    before = throttle.checks

    def guess(n: int) -> int:
        data = {"username": f"guess{n % 7}", "password": "wrong-password"}
        return fresh.client.post("/auth/token", data=data).status_code

    statuses: list[int] = []
    with ThreadPoolExecutor(16) as pool:
        for _ in range(60):  # waves of 16 at once, until the address is paused
            statuses += pool.map(guess, range(16))
            if throttle.address_wait("testclient"):
                break
    checked = statuses.count(401)  # each 401 is one password verification
    assert set(statuses) <= {401, 429}
    assert checked == 20 and throttle.checks - before == checked
    assert throttle.peak_per_address == 1
    answer = fresh.client.post("/auth/token", data={"username": "sun", "password": GOOD})
    assert answer.status_code == 429  # the address is paused, the right password too
    assert answer.json()["message"].startswith("登录失败次数过多")


def test_a_check_under_way_counts_and_holds_the_address() -> None:
    """The throttle's own counts with the real argon2 verifier behind it: a second attempt from
    an address whose check is running is refused at once, with the same message; a success is
    taken back off the address's count."""
    from api.security import hash_password, verify_password
    from api.throttle import TooManyAttempts

    throttle = SignInThrottle(Limits(per_account=5, per_address=3))
    stored = hash_password(GOOD)
    inner: list[str] = []

    def nested() -> bool:
        try:
            throttle.check("other", "10.1.1.1", lambda: True)
        except TooManyAttempts as refused:
            inner.append(str(refused))
        return verify_password(stored, "wrong-password")

    assert throttle.check("zhou", "10.1.1.1", nested) is False
    assert inner == ["登录失败次数过多，请在1分钟后再试"]
    assert throttle.checks == 1 and throttle.peak_per_address == 1
    for _ in range(3):  # right passwords do not use up the address
        assert throttle.check("zhou", "10.1.1.1", lambda: verify_password(stored, GOOD))
    assert throttle.check("wu", "10.1.1.1", lambda: verify_password(stored, "nope")) is False
    assert throttle.check("wu", "10.1.1.1", lambda: verify_password(stored, "nope")) is False
    try:
        throttle.check("zheng", "10.1.1.1", lambda: verify_password(stored, GOOD))
    except TooManyAttempts as refused:
        assert refused.seconds > 800  # 1 + 2 failures: the third is refused unchecked
    else:
        raise AssertionError("the address had used its 3 checks")
    assert throttle.checks == 6
