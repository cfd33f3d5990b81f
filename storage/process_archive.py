"""The deployed versions of the BPMN files, kept in the database every worker shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.tables import ProcessFileRow

files_t = ProcessFileRow.__table__  # type: ignore[attr-defined]


class SqlProcessArchive:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def keep(self, version: str, files: dict[str, bytes], at: datetime) -> None:
        postgres = self.engine.dialect.name == "postgresql"
        insert = pg_insert if postgres else sqlite_insert
        rows = [
            {"version": version, "name": name, "content": content, "deployed_ts": at.timestamp()}
            for name, content in sorted(files.items())
        ]
        with self.engine.begin() as conn:
            # Two processes starting at once deploy the same version: the first one wins.
            conn.execute(insert(files_t).values(rows).on_conflict_do_nothing())

    def files(self, version: str) -> dict[str, bytes]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(files_t.c.name, files_t.c.content).where(files_t.c.version == version)
            ).all()
        return {name: bytes(content) for name, content in rows}

    def versions(self) -> list[tuple[str, datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(files_t.c.version, func.min(files_t.c.deployed_ts))
                .group_by(files_t.c.version)
                .order_by(func.min(files_t.c.deployed_ts), files_t.c.version)
            ).all()
        return [(version, datetime.fromtimestamp(ts, UTC)) for version, ts in rows]


class MemoryProcessArchive:
    def __init__(self) -> None:
        self._files: dict[str, dict[str, bytes]] = {}
        self._at: dict[str, datetime] = {}

    def keep(self, version: str, files: dict[str, bytes], at: datetime) -> None:
        if version not in self._files:
            self._files[version], self._at[version] = dict(files), at

    def files(self, version: str) -> dict[str, bytes]:
        return dict(self._files.get(version, {}))

    def versions(self) -> list[tuple[str, datetime]]:
        return sorted(self._at.items(), key=lambda item: (item[1], item[0]))
