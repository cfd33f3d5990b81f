"""Anchors that let `suitiao verify` tell stored data from data someone changed afterwards.

The hash chain of a case's events shows an edit only to someone who does not recompute it; a
forger with write access to the database can recompute every hash and the case row. So each
write also stores, in the same transaction, an HMAC under a key the database does not hold
(derived from SUITIAO_SECRET_KEY):

- `chain_heads`: per case, the HMAC of the case row (status, organisations, facts, version,
  chain end, the workflow document's SHA-256) and of its timers. A recomputed chain, edited
  facts, organisation or status, a deleted or moved timer all stop matching.
- `document_anchors`: per stored letter, the HMAC of its identity and SHA-256. An edited letter
  (with or without its hash column) stops matching; a deleted one leaves its anchor behind.
- `integrity_ledger`: the signed number of cases ever created, so a case deleted with every row
  and anchor it had still shows as one case missing.

`seal` signs what a database holds (after an upgrade from a version without anchors, or a key
change that was intended); `verify` walks everything in keyset-paged batches.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Engine, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel

from storage.compact import plain_workflow

BATCH = 500


class ChainHeadRow(SQLModel, table=True):
    __tablename__ = "chain_heads"

    case_id: str = Field(primary_key=True, max_length=100)
    mac: str = Field(max_length=64)


class DocumentAnchorRow(SQLModel, table=True):
    __tablename__ = "document_anchors"

    document_id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(index=True, max_length=100)
    mac: str = Field(max_length=64)


class LedgerRow(SQLModel, table=True):
    __tablename__ = "integrity_ledger"

    name: str = Field(primary_key=True, max_length=32)
    count: int = 0
    mac: str = Field(sa_column=Column(Text, nullable=False, default=""))


heads_t = ChainHeadRow.__table__  # type: ignore[attr-defined]
doc_anchors_t = DocumentAnchorRow.__table__  # type: ignore[attr-defined]
ledger_t = LedgerRow.__table__  # type: ignore[attr-defined]
_CASE_FIELDS = (
    "process_id", "status", "version", "court_org", "mediator_org", "outcome", "opened_ts",
    "closed_ts", "next_due_ts", "last_seq", "last_hash", "facts",
)  # fmt: skip
_DOC_FIELDS = ("case_id", "kind", "format", "sha256", "size", "created_ts")


def _upsert(conn: Connection, table: Any, values: dict[str, Any], keys: list[str]) -> Any:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)


@functools.cache
def _head_upsert(dialect: str) -> Any:
    """Built once per dialect: composing the statement on every step cost more than running it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(heads_t).values(case_id=bindparam("h_case"), mac=bindparam("h_mac"))
    return stmt.on_conflict_do_update(index_elements=["case_id"], set_={"mac": stmt.excluded.mac})


class Anchors:
    def __init__(self, secret: str) -> None:
        # A key of its own, so an anchor is never a valid token signature or the reverse.
        self._key = hashlib.sha256(b"suitiao integrity anchors\n" + secret.encode()).digest()

    def mac(self, *parts: object) -> str:
        message = orjson.dumps(parts, option=orjson.OPT_NON_STR_KEYS)
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    # -- writing, inside the caller's transaction ------------------------------------------

    def case_mac(
        self,
        row: Mapping[str, Any],
        timers: Sequence[Mapping[str, Any]],
        document_digest: str | None = None,
    ) -> str:
        """`row` as stored in `cases` (facts as its JSON text), `timers` as in `timers`;
        `document_digest`: document_digest(row["workflow"]), when the caller has it."""
        fields = [row[name] for name in _CASE_FIELDS]
        workflow = document_digest or self.document_digest(bytes(row["workflow"]))
        armed = sorted((t["task_id"], t["name"], t["due_ts"]) for t in timers)
        return self.mac("case", row["id"], fields, workflow, armed)

    @staticmethod
    def document_digest(stored: bytes) -> str:
        # The document as serialized, however stored: compacting a closed case keeps its anchor.
        return hashlib.sha256(plain_workflow(stored)).hexdigest()

    def write_head(
        self, conn: Connection, row: Mapping[str, Any], timers: Sequence[Mapping[str, Any]]
    ) -> None:
        values = {"h_case": row["id"], "h_mac": self.case_mac(row, timers)}
        conn.execute(_head_upsert(conn.dialect.name), values)

    def count_case(self, conn: Connection, added: int = 1) -> None:
        """One more case in the signed ledger (a row lock on PostgreSQL until commit)."""
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(ledger_t)
            .values(name="cases", count=added, mac="")
            .on_conflict_do_update(
                index_elements=["name"], set_={"count": ledger_t.c.count + added}
            )
        )
        count = conn.execute(stmt.returning(ledger_t.c.count)).scalar_one()
        self._sign_count(conn, int(count))

    def _sign_count(self, conn: Connection, count: int) -> None:
        conn.execute(
            update(ledger_t)
            .where(ledger_t.c.name == "cases")
            .values(count=count, mac=self.mac("ledger", "cases", count))
        )

    def document_mac(self, document_id: str, row: Mapping[str, Any]) -> str:
        return self.mac("document", document_id, [row[name] for name in _DOC_FIELDS])

    def write_document(self, conn: Connection, document_id: str, row: Mapping[str, Any]) -> None:
        values = {
            "document_id": document_id,
            "case_id": row["case_id"],
            "mac": self.document_mac(document_id, row),
        }
        conn.execute(_upsert(conn, doc_anchors_t, values, ["document_id"]))


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, Anchors] = weakref.WeakKeyDictionary()


def register(engine: Engine, anchors: Anchors) -> None:
    """The anchors every store on this database writes (set by the composition root)."""
    _BY_ENGINE[engine] = anchors


def anchors_for(engine: Engine) -> Anchors | None:
    return _BY_ENGINE.get(engine)


# -- reading back ------------------------------------------------------------------------------


def _batches(conn: Connection, key: Any, columns: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Every row of `key`'s table in `key` order, BATCH at a time, by keyset (no OFFSET scans)."""
    last: Any = None
    while True:
        stmt = select(*columns).order_by(key).limit(BATCH)
        if last is not None:
            stmt = stmt.where(key > last)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = getattr(rows[-1], key.name)


def _orphans(conn: Connection, column: Any, cases: Any) -> list[str]:
    """Case ids in `column` with no case row (distinct; a deleted case leaves them behind)."""
    missing = ~select(cases.c.id).where(cases.c.id == column).exists()
    stmt = select(column).where(missing).distinct().order_by(column).limit(1000)
    return [str(v) for v in conn.execute(stmt).scalars()]


def check_cases(
    conn: Connection, anchors: Anchors, rows: Sequence[Any], timers_t: Any
) -> Iterator[str]:
    ids = [r.id for r in rows]
    heads: dict[str, str] = dict(
        conn.execute(
            select(heads_t.c.case_id, heads_t.c.mac).where(heads_t.c.case_id.in_(ids))
        ).all()
    )
    timers: dict[str, list[dict[str, Any]]] = {case_id: [] for case_id in ids}
    stmt = select(timers_t.c.case_id, timers_t.c.task_id, timers_t.c.name, timers_t.c.due_ts)
    for t in conn.execute(stmt.where(timers_t.c.case_id.in_(ids))).all():
        timers[t.case_id].append(t._asdict())
    for row in rows:
        head = heads.get(row.id)
        if head is None:
            yield f"{row.id}: no signed chain head (the case was written around the application)"
        elif not hmac.compare_digest(head, anchors.case_mac(row._asdict(), timers[row.id])):
            yield (
                f"{row.id}: case row, chain end or timers do not match their signature "
                "(edited facts, organisation, status, recomputed events or changed timers)"
            )


def check_ledger(conn: Connection, anchors: Anchors, cases_t: Any) -> Iterator[str]:
    count = int(conn.execute(select(func.count()).select_from(cases_t)).scalar() or 0)
    stmt = select(ledger_t.c.count, ledger_t.c.mac).where(ledger_t.c.name == "cases")
    ledger = conn.execute(stmt).first()
    if ledger is None:
        if count:
            yield "no signed case count: cases were written around the application"
        return
    created, mac = int(ledger[0]), str(ledger[1])
    if not hmac.compare_digest(mac, anchors.mac("ledger", "cases", created)):
        yield "the signed case count does not match its signature"
    elif created != count:
        yield f"{created} case(s) were created but {count} are stored: cases were deleted"


def check_orphans(conn: Connection, cases_t: Any, events_t: Any, timers_t: Any) -> Iterator[str]:
    for table, what in ((events_t, "events"), (timers_t, "timers"), (heads_t, "its signed head")):
        for case_id in _orphans(conn, table.c.case_id, cases_t):
            yield f"{case_id}: case deleted ({what} remain)"


def check_documents(conn: Connection, anchors: Anchors, documents_t: Any) -> Iterator[str]:
    columns = [documents_t.c.id, *(documents_t.c[name] for name in _DOC_FIELDS)]
    for rows in _batches(conn, documents_t.c.id, columns):
        ids = [r.id for r in rows]
        marks: dict[str, str] = dict(
            conn.execute(
                select(doc_anchors_t.c.document_id, doc_anchors_t.c.mac).where(
                    doc_anchors_t.c.document_id.in_(ids)
                )
            ).all()
        )
        contents: dict[str, bytes] = dict(
            conn.execute(
                select(documents_t.c.id, documents_t.c.content).where(documents_t.c.id.in_(ids))
            ).all()
        )
        for row in rows:
            where = f"{row.case_id}: letter {row.id} ({row.kind}.{row.format})"
            if hashlib.sha256(bytes(contents[row.id])).hexdigest() != row.sha256:
                yield f"{where}: content does not match its SHA-256 (edited)"
            mark = marks.get(row.id)
            if mark is None:
                yield f"{where}: no signed anchor"
            elif not hmac.compare_digest(mark, anchors.document_mac(row.id, row._asdict())):
                yield f"{where}: does not match its signature (edited with its hash)"
    missing = (
        ~select(documents_t.c.id).where(documents_t.c.id == doc_anchors_t.c.document_id).exists()
    )
    stmt = select(doc_anchors_t.c.case_id, doc_anchors_t.c.document_id).where(missing).limit(1000)
    for case_id, document_id in conn.execute(stmt).all():
        yield f"{case_id}: letter {document_id} was deleted (its anchor remains)"


def seal(engine: Engine, anchors: Anchors, cases_t: Any, timers_t: Any, documents_t: Any) -> int:
    """Sign what the database holds now; returns the number of cases signed."""
    signed = 0
    with engine.begin() as conn:
        for rows in _batches(conn, cases_t.c.id, list(cases_t.c)):
            ids = [r.id for r in rows]
            timers: dict[str, list[dict[str, Any]]] = {case_id: [] for case_id in ids}
            stmt = select(timers_t).where(timers_t.c.case_id.in_(ids))
            for t in conn.execute(stmt).all():
                timers[t.case_id].append(t._asdict())
            for row in rows:
                anchors.write_head(conn, row._asdict(), timers[row.id])
            signed += len(rows)
        columns = [documents_t.c.id, *(documents_t.c[name] for name in _DOC_FIELDS)]
        for rows in _batches(conn, documents_t.c.id, columns):
            for row in rows:
                anchors.write_document(conn, row.id, row._asdict())
        conn.execute(_upsert(conn, ledger_t, {"name": "cases", "count": 0, "mac": ""}, ["name"]))
        anchors._sign_count(conn, signed)
    return signed
