"""The relational schema (SQLModel tables). Times are stored as UTC epoch seconds (float), so the
due-timer query is an index range scan on SQLite and PostgreSQL alike; events keep their RFC 3339
text as written."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    # The timer sweep's claim orders due cases by (next_due_ts, id): one index range scan.
    __table_args__ = (Index("ix_cases_due", "next_due_ts", "id"),)

    id: str = Field(primary_key=True, max_length=100)
    process_id: str = Field(index=True, max_length=64)
    status: str = Field(index=True, max_length=32)
    version: int
    court_org: str | None = Field(default=None, index=True, max_length=200)
    mediator_org: str | None = Field(default=None, index=True, max_length=200)
    outcome: str | None = Field(default=None, max_length=64)
    opened_ts: float
    updated_ts: float
    closed_ts: float | None = None
    next_due_ts: float | None = Field(default=None, index=True)
    last_seq: int = 0
    last_hash: str = Field(max_length=64)
    facts: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    workflow: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The process version the case runs on (`process@version`, engine/bpmn/specs.py).
    process_ref: str | None = Field(default=None, index=True, max_length=100)
    # The rule pack and calendar the case's deadlines were last reckoned under (`2026.12@…`).
    pack_version: str | None = Field(default=None, max_length=100)
    calendar_version: str | None = Field(default=None, max_length=100)


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=100)
    seq: int
    activity: str = Field(max_length=64)
    at: str = Field(max_length=40)  # RFC 3339 with offset, as in the event log
    ts: float
    actor: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=32)
    org: str | None = Field(default=None, max_length=200)
    data: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class TimerRow(SQLModel, table=True):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "due_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=100)
    task_id: str = Field(max_length=36)
    name: str = Field(max_length=100)
    due_ts: float


class TimerLeaseRow(SQLModel, table=True):
    """A worker's short claim on a case whose timers it is firing, so that several workers on
    one database share the due cases instead of racing for the same one."""

    __tablename__ = "timer_leases"

    case_id: str = Field(primary_key=True, max_length=100)
    worker: str = Field(max_length=64)
    until_ts: float


class ProcessFileRow(SQLModel, table=True):
    """Every deployed version of the BPMN files, kept so that cases opened on it keep running
    after the files change (engine/bpmn/specs.py)."""

    __tablename__ = "process_files"

    version: str = Field(primary_key=True, max_length=32)
    name: str = Field(primary_key=True, max_length=100)  # the file name, e.g. mediation.bpmn
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    deployed_ts: float


class TaskRowRecord(SQLModel, table=True):
    """The read model of waiting tasks: one row per task a person must do, written with the
    step that creates or ends it, so inboxes and task lists never load a case's workflow."""

    __tablename__ = "task_rows"
    __table_args__ = (
        Index("ix_task_rows_actor_due", "acting_org", "due_sort", "case_id", "task_id"),
        Index("ix_task_rows_court_due", "court_org", "due_sort", "case_id", "task_id"),
        Index("ix_task_rows_cpa_due", "mediator_org", "due_sort", "case_id", "task_id"),
        Index("ix_task_rows_due", "due_sort", "case_id", "task_id"),
        # Only assigned tasks: most are not, and an entry for each would be written for nothing.
        Index(
            "ix_task_rows_assignee_due",
            *("assignee", "due_sort", "case_id", "task_id"),
            sqlite_where=text("assignee IS NOT NULL"),
            postgresql_where=text("assignee IS NOT NULL"),
        ),
        # The rows live in their primary key's B-tree: no rowid table to write beside it.
        {"sqlite_with_rowid": False},
    )

    case_id: str = Field(primary_key=True, max_length=100)
    task_id: str = Field(primary_key=True, max_length=36)
    bpmn_id: str = Field(max_length=64)
    process_id: str = Field(max_length=64)
    status: str = Field(max_length=32)
    court_org: str | None = Field(default=None, max_length=200)
    mediator_org: str | None = Field(default=None, max_length=200)
    acting_org: str | None = Field(default=None, max_length=200)  # whose people act
    roles: str = Field(max_length=100)  # ",court_clerk,judge," (commas around each role)
    title_zh: str = Field(max_length=200)
    due: str | None = Field(default=None, max_length=10)  # YYYY-MM-DD, Asia/Shanghai
    due_sort: int  # the due date's ordinal; tasks without one sort last
    provisional: bool = False
    search: str = Field(sa_column=Column(Text, nullable=False))  # case id and party names
    # The login a supervisor assigned the task to (engine/assignment.py); None: anyone may act.
    assignee: str | None = Field(default=None, max_length=64)


class FindingRowRecord(SQLModel, table=True):
    """The findings read model: what `suitiao audit` finds in one case, written with the step
    that appends the case's events. A `missing` or `stalled` finding depends on the audit time:
    it is kept from the start and shown once its due date has passed (`visible_from`), so the
    passing of time needs no re-audit (storage/findings.py)."""

    __tablename__ = "finding_rows"
    __table_args__ = (
        Index("ix_finding_rows_court", "court_org", "case_id", "n"),
        Index("ix_finding_rows_cpa", "mediator_org", "case_id", "n"),
        Index("ix_finding_rows_org", "org", "case_id", "n"),
        # Covers the dashboard's and /stats' counts by rule, organisation and kind: one scan of
        # narrow index entries in group order, never the messages.
        Index(
            "ix_finding_rows_rule",
            *("rule", "org", "kind", "visible_from", "status", "day_sort"),
            *("court_org", "mediator_org"),
        ),
        Index("ix_finding_rows_visible", "visible_from"),
    )

    case_id: str = Field(primary_key=True, max_length=100)
    n: int = Field(primary_key=True)  # the finding's place in the case, in audit order
    rule: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    org: str = Field(max_length=200)  # the case's organisation as the audit files it (case_org)
    court_org: str | None = Field(default=None, max_length=200)
    mediator_org: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=8)  # open | closed: whether the case is still running
    due: str | None = Field(default=None, max_length=10)  # YYYY-MM-DD, Asia/Shanghai
    at: str | None = Field(default=None, max_length=40)
    day_sort: int  # the due date's ordinal, else the offending event's day; 0 for neither
    visible_from: int  # the first audit day (ordinal) the finding holds on; 0 for always
    message: str = Field(sa_column=Column(Text, nullable=False))
    message_en: str = Field(sa_column=Column(Text, nullable=False))
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(sa_column=Column(Text, nullable=False))  # JSON list


class FindingCountRecord(SQLModel, table=True):
    """The findings read model counted by every column a summary filters or groups on (no case,
    no message): the dashboard's and /stats' counts by rule, organisation and kind add up these
    rows instead of scanning one index entry per finding. Moved with finding_rows in the step's
    transaction (storage/finding_counts.py). Empty text stands for "none", as in stat_cases."""

    __tablename__ = "finding_counts"

    rule: str = Field(primary_key=True, max_length=16)
    org: str = Field(primary_key=True, max_length=200)
    kind: str = Field(primary_key=True, max_length=16)
    visible_from: int = Field(primary_key=True)
    status: str = Field(primary_key=True, max_length=8)
    day_sort: int = Field(primary_key=True)
    court_org: str = Field(primary_key=True, max_length=200)
    mediator_org: str = Field(primary_key=True, max_length=200)
    findings: int = 0


class StatDueRecord(SQLModel, table=True):
    """Open cases per organisation pair and the Shanghai day of their next deadline
    (storage/due_counts.py): "due within three days" without counting the open cases."""

    __tablename__ = "stat_due"

    court_org: str = Field(primary_key=True, max_length=200)
    mediator_org: str = Field(primary_key=True, max_length=200)
    day: int = Field(primary_key=True)  # ordinal
    cases: int = 0


class StatCaseRecord(SQLModel, table=True):
    """Statistics counters: cases (and their events) by organisation pair, month opened,
    process, status and outcome, moved by each step that changes one of them. Empty text
    stands for "none" so that every column can be in the key."""

    __tablename__ = "stat_cases"

    court_org: str = Field(primary_key=True, max_length=200)
    mediator_org: str = Field(primary_key=True, max_length=200)
    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM opened, Asia/Shanghai
    process_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=32)
    outcome: str = Field(primary_key=True, max_length=64)
    cases: int = 0
    events: int = 0


class StatOpenedRecord(SQLModel, table=True):
    """Cases opened per organisation pair and day (Asia/Shanghai), for the roll-ups by county,
    city and province over any period and the same period a year earlier: at most one row per
    pair and day, however many cases."""

    __tablename__ = "stat_opened"

    court_org: str = Field(primary_key=True, max_length=200)
    mediator_org: str = Field(primary_key=True, max_length=200)
    day: int = Field(primary_key=True)  # ordinal
    cases: int = 0


TERM_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")


class CaseTermRecord(SQLModel, table=True):
    """The case search index: one row per word a case is found by (its number in the forms
    people type, each party's name, the phone's last four digits), normalised, written with
    the step that changes them. A search is a range over `term` within the caller's scope, so
    it reads the cases that match, never every case of a court (storage/case_terms.py)."""

    __tablename__ = "case_terms"
    __table_args__ = (
        Index("ix_case_terms_term", "term", "opened_ts", "case_id"),
        Index("ix_case_terms_court", "court_org", "term", "opened_ts", "case_id"),
        Index("ix_case_terms_cpa", "mediator_org", "term", "opened_ts", "case_id"),
        # SQLite: the rows live in their primary key's b-tree, not beside it (a fifth less).
        {"sqlite_with_rowid": False},
    )

    case_id: str = Field(primary_key=True, max_length=100)
    # Byte order on PostgreSQL too, whatever the database's locale: a prefix is a range.
    term: str = Field(sa_column=Column(TERM_TYPE, primary_key=True, nullable=False))
    court_org: str | None = Field(default=None, max_length=200)
    mediator_org: str | None = Field(default=None, max_length=200)
    opened_ts: float  # the case's, so a search orders and pages without reading the case


class StatFigureRecord(SQLModel, table=True):
    """The published figures' tallies (standard_rules/figure_tallies.py) by organisation pair
    (who may see them), the case's organisation as the audit files it, day and tally: counts,
    amounts, a histogram of days to outcome (`bucket` = days) and the days cases had events
    (`bucket` = days since the case's previous event day, 0 for its first). Moved by each step,
    like stat_cases."""

    __tablename__ = "stat_figures"
    __table_args__ = (
        Index("ix_stat_figures_day", "tally", "day", "bucket"),
        Index("ix_stat_figures_gap", "tally", "bucket", "day"),  # the cases seen, gap by gap
    )

    court_org: str = Field(primary_key=True, max_length=200)
    mediator_org: str = Field(primary_key=True, max_length=200)
    org: str = Field(primary_key=True, max_length=200)
    day: int = Field(primary_key=True)  # ordinal, Asia/Shanghai
    tally: str = Field(primary_key=True, max_length=32)
    bucket: int = Field(default=0, primary_key=True)
    value: float = 0.0
