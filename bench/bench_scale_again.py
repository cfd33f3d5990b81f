"""Measure the read side again on a database bench_scale.py filled (its requests, TestClient in
the same process), without filling it again: a 1,000,000-case fill takes half an hour, so a
run whose measurements overlapped other work is measured again on the same file.

    python bench/bench_scale_again.py URL STATE_DIR [REQUESTS]
    python bench/bench_scale_again.py sqlite:////tmp/suitiao-scale-x/scale.db /tmp/suitiao-scale-x
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.settings import Settings
from bench.bench_scale import CLERK_COURT, CPU, measure_audit, p99, rss_mb, sign_in, timed
from storage.sql import cases_t


def main(argv: list[str]) -> int:
    url, state = argv[0], Path(argv[1])
    n = int(argv[2]) if len(argv) > 2 else 100
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, state_dir=state)
    app = create_app(settings, timers=False)
    court = cases_t.c.court_org == CLERK_COURT
    with app.state.engine.store.engine.connect() as conn:
        still_open = select(cases_t.c.id).where(court, cases_t.c.status != "closed")
        open_ids = list(conn.execute(still_open.order_by(cases_t.c.id).limit(200)).scalars())
        facts = list(conn.execute(select(cases_t.c.facts).where(court).limit(200)).scalars())
    parties = [orjson.loads(f)["consumer"]["name"] for f in facts if "consumer" in f]
    rng = random.Random(1)
    client = TestClient(app)
    headers = sign_in(client, "clerk")

    def page(path: str, **params: str) -> object:
        return client.get(path, params=params)

    samples = {
        "tasks": timed(
            lambda: client.get("/tasks", params={"limit": 50}, headers=headers), n, "tasks"
        ),
        "inbox": timed(lambda: page("/ui/inbox"), n, "inbox"),
        "search": timed(lambda: page("/ui/cases", q=rng.choice(parties)), n, "search"),
        "surname": timed(lambda: page("/ui/cases", q=rng.choice(parties)[0]), n, "surname"),
        "case": timed(lambda: page(f"/ui/cases/{rng.choice(open_ids)}"), n, "case"),
    }
    for name, values in samples.items():
        median, tail, cpu = statistics.median(values), p99(values), statistics.median(CPU[name])
        print(f"{name}: p50 {median:.1f} / p99 {tail:.1f} / CPU p50 {cpu:.1f} ms")
    print({k: round(v, 1) for k, v in measure_audit(TestClient(app), n).items()})
    now, peak = rss_mb()
    print(f"RSS now / peak MB: {now:.0f} / {peak:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
