"""GET /tasks reads the waiting-task read model a page at a time (issue 12)."""

from __future__ import annotations

from tests.integration.api.conftest import CPA_A, World


def test_get_tasks_pages_with_a_cursor_and_a_total(fresh: World) -> None:
    ids = [fresh.case_at("sign_for_referral") for _ in range(5)]
    headers = fresh.headers("mediator")
    got: list[str] = []
    after = None
    while True:
        answer = fresh.client.get(
            "/tasks", params={"limit": 2, **({"after": after} if after else {})}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Total-Count"] == "5"
        got += [t["case_id"] for t in answer.json()]
        after = answer.headers.get("X-Next-After")
        if after is None:
            break
    assert sorted(got) == sorted(ids) and len(got) == 5
    assert all(
        t["task"]["org"] == CPA_A for t in fresh.client.get("/tasks", headers=headers).json()
    )
    bad = fresh.client.get("/tasks", params={"after": "nonsense"}, headers=headers)
    assert bad.status_code == 422 and "after" in bad.text
