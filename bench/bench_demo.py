"""`suitiao demo --cases N`: cases/s played one by one (before) and with copies (now), and the
bytes a case takes with closed cases' documents plain (before) and compressed (now).

    .venv/bin/python bench/bench_demo.py [--played 100] [--cases 20000] [--db sqlite postgres]

Same run, same machine: "before" is `api.demo.populate`, every case played through the engine
(the demo until now); "now" is `api.demo_clone.populate_at_scale` (200 played, the rest
copied in bulk). Storage on SQLite: the database file after VACUUM, per case, with the closed
cases' workflow documents plain (migration 0012 downgraded) and compressed (upgraded again);
also the documents' own bytes per closed case. PostgreSQL: pg_total_relation_size of the
tables (TOAST already compresses large values there, with pglz).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, select, text

from api.bootstrap import build_engine
from api.demo import DemoClock, populate
from api.demo_clone import populate_at_scale
from api.settings import Settings
from engine.services import SystemClock
from storage.migrate import downgrade, upgrade
from storage.sql import cases_t

MAINTENANCE_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def url_for(kind: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / name}.db"
    import psycopg
    from psycopg import sql

    db = f"suitiao_bench_demo_{name}"
    with psycopg.connect(MAINTENANCE_DSN, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    return f"postgresql://postgres@127.0.0.1:5432/{db}"


def fill(url: str, folder: Path, cases: int, scaled: bool) -> tuple[float, Engine]:
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, state_dir=folder)
    clock = DemoClock(SystemClock().now())
    engine = build_engine(settings, clock)
    began = time.perf_counter()
    if scaled:
        stored = populate_at_scale(engine, clock, cases, days=150, seed=2561, store=engine.store)
    else:
        stored = populate(engine, clock, cases, days=150, seed=2561)
    return stored / (time.perf_counter() - began), engine.store.engine


def size(engine: Engine, path: Path | None) -> float:
    """Bytes the database takes (SQLite: the file after VACUUM)."""
    if path is not None:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
        return float(path.stat().st_size)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n"
                " on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'"
            )
        ).scalar()
    return float(found or 0)


def document_bytes(engine: Engine) -> float:
    with engine.connect() as conn:
        total, count = conn.execute(
            select(func.sum(func.length(cases_t.c.workflow)), func.count()).where(
                cases_t.c.status == "closed"
            )
        ).one()
    return float(total or 0) / max(1, int(count))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--played", type=int, default=100, help="cases for the old demo")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for kind in args.db:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            before, old = fill(url_for(kind, folder, "played"), folder, args.played, False)
            old.dispose()
            now, engine = fill(url_for(kind, folder, "scaled"), folder, args.cases, True)
            print(f"{kind}: demo before {before:,.1f} cases/s ({args.played} played)")
            print(
                f"{kind}: demo now    {now:,.0f} cases/s ({args.cases:,} cases), "
                f"×{now / before:.0f}"
            )
            path = folder / "scaled.db" if kind == "sqlite" else None
            packed, packed_doc = size(engine, path), document_bytes(engine)
            downgrade(engine, "0010_task_rows")
            plain, plain_doc = size(engine, path), document_bytes(engine)
            upgrade(engine)
            n = args.cases
            print(
                f"{kind}: bytes per case, closed documents plain {plain / n:,.0f}, "
                f"compressed {packed / n:,.0f} (×{plain / packed:.2f}); closed case's document "
                f"{plain_doc:,.0f} → {packed_doc:,.0f} bytes",
                flush=True,
            )
            engine.dispose()


if __name__ == "__main__":
    main()
