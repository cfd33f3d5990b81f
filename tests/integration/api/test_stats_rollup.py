"""Statistics rolled up by county, city and province, with 同比 against a year earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from storage.sql import cases_t
from tests.integration.api.conftest import World


def test_year_on_year_by_county_city_and_province(fresh: World) -> None:
    now = datetime.now(UTC)
    ids = [fresh.case_at("sign_for_referral") for _ in range(3)]
    ids.append(fresh.open("complaint_mediation"))  # 临海市消保委's own complaint
    a_year_ago = (now - timedelta(days=365)).timestamp()
    with fresh.engine.store.engine.begin() as conn:
        conn.execute(update(cases_t).where(cases_t.c.id == ids[0]).values(opened_ts=a_year_ago))
    # An edit behind the engine's back: the counters are rebuilt as `suitiao reindex` would.
    assert fresh.engine.store.reindex_counters() != []
    today = (now + timedelta(hours=8)).date()
    period = {"from": str(today - timedelta(days=7)), "to": str(today)}
    headers = fresh.headers("auditor", scope="province")
    stats = fresh.client.get("/stats", params=period, headers=headers).json()
    assert stats["period"] == [period["from"], period["to"]]
    assert stats["by_county"] == {"临海市": 3}
    assert stats["same_period_last_year"]["by_county"] == {"临海市": 1}
    assert stats["year_on_year"]["by_county"] == {"临海市": 2.0}  # +200 %
    assert stats["year_on_year"]["by_city"] == {"台州市": 2.0}
    assert stats["cases"] == 4  # the totals are not limited to the period
    whole = fresh.client.get("/stats", headers=headers).json()
    assert whole["by_province"] == {"浙江省": 4} and whole["year_on_year"] is None


def test_a_half_or_reversed_period_is_refused(fresh: World) -> None:
    headers = fresh.headers("auditor", scope="province")
    for params in ({"from": "2026-01-01"}, {"from": "2026-02-01", "to": "2026-01-01"}):
        answer = fresh.client.get("/stats", params=params, headers=headers)
        assert answer.status_code == 422
        assert answer.json()["code"] == "invalid_period" and answer.json()["field"] == "from"
