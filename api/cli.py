"""`suitiao`: the command line. The subcommands of contract/CLI.md keep their arguments, output
and exit codes; bad arguments exit 2 with a one-line reason on stderr."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import orjson

from api import proposal_cli
from api.rule_output import due_dict, rule_dict
from api.settings import SettingsError
from standard_rules.audit import audit
from standard_rules.errors import StandardRulesError
from standard_rules.eventlog import (
    Event,
    InputError,
    parse_datetime,
    parse_timestamp,
)
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import RulePack, load_pack

if TYPE_CHECKING:
    from storage.accounts import AccountStore

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# storage.accounts.ROLES, repeated so that `suitiao deadline` does not load SQLAlchemy.
ROLES = ("court_clerk", "mediator", "judge", "auditor", "supervisor", "admin")


class UsageError(Exception):
    """Bad arguments: reported on one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--days must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--days must not be negative, got {value}")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--from must be a date YYYY-MM-DD, got {text!r}"
        ) from None


def _pack(args: argparse.Namespace) -> RulePack:
    return load_pack(overrides=[Path(p) for p in args.local or []])


# -- deadline ----------------------------------------------------------------------------------


def cmd_deadline(args: argparse.Namespace) -> int:
    if args.unit == "working" and args.days < 1:
        raise UsageError("--days must be at least 1 for a working-day period")
    calendar = default_calendar([Path(p) for p in args.calendar_dir or []])
    due = calendar.due(args.start, args.days, args.unit)
    if args.json:
        document = due_dict(due)
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
    else:
        sys.stdout.write(due.due.isoformat() + "\n")
    return EXIT_OK


# -- rules -------------------------------------------------------------------------------------


def cmd_rules(args: argparse.Namespace) -> int:
    pack = _pack(args)
    if args.json:
        items = [rule_dict(rule, pack) for rule in pack.rules.values()]
        sys.stdout.write(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    sys.stdout.write(f"规则包 {pack.stamp} · {len(pack.rules)} 条\n")
    for rule in pack.rules.values():
        params = ", ".join(
            f"{p.describe()} {p.start}→{'/'.join(p.until)}"
            + (f" [{', '.join(f'{k}={v}' for k, v in p.when.items())}]" if p.when else "")
            + (f" (本地协议: {p.overridden_by})" if p.overridden_by else "")
            for p in rule.periods
        )
        sys.stdout.write(f"{rule.id}  {rule.title_zh}\n     {rule.title_en}\n")
        sys.stdout.write(f"     kind: {', '.join(rule.kinds)} · confidence: {rule.confidence}")
        sys.stdout.write(f" · source: {rule.source}\n")
        if params:
            sys.stdout.write(f"     periods: {params}\n")
    return EXIT_OK


# -- audit -------------------------------------------------------------------------------------


def _read_log(
    path: Path, activities: frozenset[str], first_seq: int
) -> Iterator[Event | InputError]:
    """One log's items, its format told by content (JSONL, CSV, XES): api/log_input.py."""
    from api.log_input import UnknownFormat, log_format, read_log

    try:
        fmt = log_format(path)
    except UnknownFormat as exc:
        raise UsageError(str(exc)) from None
    yield from read_log(path, fmt, activities, None, first_seq)


def _as_of(args: argparse.Namespace) -> datetime | None:
    if args.as_of is None:
        return None
    if parse_timestamp(args.as_of) is None:
        raise UsageError(f"--as-of must be RFC 3339 with an offset, got {args.as_of!r}")
    return parse_datetime(args.as_of)


def _log_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in args.logs]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    return paths


def _write_output(args: argparse.Namespace, output: bytes) -> None:
    if args.output:
        Path(args.output).write_bytes(output)
    elif args.format == "xlsx" and sys.stdout.isatty():
        raise UsageError("--format xlsx is a binary file: give --output FILE")
    else:
        sys.stdout.buffer.write(output)


def cmd_audit(args: argparse.Namespace) -> int:
    from api.audit_output import render
    from api.log_input import UnknownFormat, run_audit

    pack = _pack(args)
    calendar = default_calendar([Path(p) for p in args.calendar_dir or []])
    as_of = _as_of(args)
    paths = _log_paths(args)
    try:
        result, _streamed = run_audit(paths, pack, calendar, as_of)
    except UnknownFormat as exc:
        raise UsageError(str(exc)) from None
    _write_output(args, render(result, pack, args.format))
    return result.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    from api.log_input import UnknownFormat, load_cases
    from api.reports.stats_docs import render
    from standard_rules.statistics import compute_statistics

    pack = _pack(args)
    calendar = default_calendar([Path(p) for p in args.calendar_dir or []])
    by = [g for part in args.by or [] for g in part.split(",") if g]
    for g in by:
        if g not in ("org", "month", "quarter", "year"):
            raise UsageError(f"--by takes org, month, quarter or year, got {g!r}")
    if sum(g != "org" for g in set(by)) > 1:
        raise UsageError("--by takes one period (month, quarter or year), with or without org")
    paths = _log_paths(args)
    try:
        items, cases = load_cases(paths, pack)
    except UnknownFormat as exc:
        raise UsageError(str(exc)) from None
    result = audit(items, pack, calendar, _as_of(args))
    stats = compute_statistics(cases.values(), result.findings, by, args.start, args.end)
    _write_output(args, render(stats, args.format))
    for error in result.input_errors[:20]:
        sys.stderr.write(f"suitiao: {error.file}:{error.line}: {error.message}\n")
    if len(result.input_errors) > 20:
        sys.stderr.write(f"suitiao: ... {len(result.input_errors)} input errors in all\n")
    return EXIT_FINDINGS if result.input_errors else EXIT_OK


# -- cases in the database ---------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from api.bootstrap import build_services
    from api.demo import DemoClock, add_demo_users
    from api.demo_clone import populate_at_scale
    from engine.services import SystemClock

    clock = DemoClock(SystemClock().now())
    services = build_services(clock=clock)
    users = add_demo_users(services.accounts)
    if users:
        sys.stdout.write(f"已创建示例用户：{'、'.join(users)}（密码见 README.md）。\n")
    if args.if_empty and services.cases.count() > 0:
        sys.stdout.write(f"数据库已有 {services.cases.count()} 件案件，跳过示例数据。\n")
        return EXIT_OK
    opened = populate_at_scale(
        services.engine,
        clock,
        store=services.cases,
        cases=args.cases,
        days=args.days,
        seed=args.seed,
        templates=args.templates,
        courts=args.courts,
        open_share=args.open_share,
    )
    sys.stdout.write(f"已生成 {opened} 件示例案件（{args.days} 天内）。\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from api.bootstrap import build_cases
    from api.settings import Settings
    from standard_rules.xes import write_xes

    cases = build_cases(Settings.from_env())
    records = (event.record() for event in cases.all_events())
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(Path(args.output).open("wb")) if args.output else sys.stdout.buffer
        )
        if args.format == "xes":
            for chunk in write_xes(records):
                out.write(chunk.encode())
        else:
            for record in records:
                out.write(orjson.dumps(record) + b"\n")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    from api.bootstrap import build_engine
    from api.settings import Settings
    from api.timer_loop import run_worker

    settings = Settings.from_env()
    engine = build_engine(settings)
    if args.once:
        sys.stdout.write(f"fired timers of {engine.fire_due()} case(s)\n")
        return EXIT_OK
    run_worker(engine, args.interval or settings.timer_poll_seconds)  # logs and goes on
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from api.bootstrap import build_database
    from api.settings import Settings
    from storage.verify import Report, seal, verify

    database = build_database(Settings.from_env())
    anchors = database.anchors
    if anchors is None:  # build_database signs unless told not to
        raise RuntimeError("the case database has no signing key")
    if args.seal:
        signed = seal(database.sql, anchors)
        sys.stdout.write(f"signed {signed} case(s) and their letters as they stand now\n")
        return EXIT_OK
    report = Report()
    problems = 0
    for problem in verify(database.sql, anchors, report):
        problems += 1
        sys.stdout.write(problem + "\n")
    # The waiting-task read model must say what the cases say (`suitiao reindex` repairs it).
    for case_id in database.cases.reindex_tasks(repair=False):
        problems += 1
        sys.stdout.write(f"{case_id}: waiting-task read model differs from the case\n")
    # So must the search index (case_terms: numbers, names, phone tails) ...
    for case_id in database.cases.reindex_terms(repair=False):
        problems += 1
        sys.stdout.write(f"{case_id}: search index differs from the case\n")
    # ... the findings (re-audited from each case's events) and the statistics counters.
    for case_id in database.cases.reindex_findings(repair=False):
        problems += 1
        sys.stdout.write(f"{case_id}: findings read model differs from the case's audit\n")
    for key in database.cases.reindex_counters(repair=False):
        problems += 1
        sys.stdout.write(f"{key}: statistics counter differs from the cases\n")
    sys.stdout.write(f"checked {report.checked} case(s): {problems} problem(s)\n")
    return EXIT_FINDINGS if problems else EXIT_OK


def _accounts() -> AccountStore:
    from api.bootstrap import build_services

    return build_services().accounts


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("密码: ")
        if getpass.getpass("再次输入: ") != password:
            raise UsageError("the two passwords differ")
    else:
        raise UsageError("give the password on standard input with --password-stdin")
    if len(password) < 8:
        raise UsageError("the password must have at least 8 characters")
    return password


def _registry_org(role: str, org: str) -> str:
    """The organisation's short name in the registry; an unknown or wrong-kind one is refused."""
    from api.org_checks import OrgRefused, account_org
    from standard_rules.orgs import default_registry

    try:
        return account_org(default_registry(), role, org)
    except OrgRefused as exc:
        raise UsageError(f"--org: {exc.message}") from None


def cmd_user(args: argparse.Namespace) -> int:
    from api.security import hash_password
    from storage.accounts import AccountExists

    accounts = _accounts()
    if args.action in ("key", "add") and args.role and args.org:
        args.org = _registry_org(args.role, args.org)
    if args.action == "list":
        for a in accounts.users():
            state = "" if a.active else " (inactive)"
            sys.stdout.write(f"{a.id}\t{a.role}\t{a.org}\t{a.scope}\t{a.name}{state}\n")
        return EXIT_OK
    if args.action == "key":
        if not args.role or not args.org:
            raise UsageError("user key needs --role and --org")
        _, secret = accounts.add_key(name=args.username, role=args.role, org=args.org)
        sys.stdout.write(secret + "\n")
        return EXIT_OK
    if not args.role or not args.org:
        raise UsageError("user add needs --role and --org")
    if len(args.username) < 2 or len(args.username) > 64:
        raise UsageError("the user name must have 2 to 64 characters")
    password = _read_password(args)
    try:
        accounts.add_user(
            username=args.username,
            password_hash=hash_password(password),
            role=args.role,
            org=args.org,
            display_name=args.name or "",
            scope=args.scope,
        )
    except AccountExists:
        raise UsageError(f"user {args.username} exists already") from None
    sys.stdout.write(f"created {args.username} ({args.role}, {args.org})\n")
    return EXIT_OK


def cmd_document(args: argparse.Namespace) -> int:
    from api.bootstrap import build_services
    from api.documents import FieldConflict, MissingFields, NotReady, produce
    from api.documents.fonts import FontMissing
    from api.documents.template import TemplateError
    from engine.domain.errors import DomainError

    extra = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set wants FIELD=VALUE, got {item!r}")
        extra[key.strip()] = value
    services = build_services()
    engine, store = services.engine, services.documents
    try:
        record, content = produce(
            engine, store, args.case_id, args.kind, args.format, extra, files=services.attachments
        )
        if args.served_via:
            store.mark_served(record.id, args.served_via, engine.clock.now())
    except (MissingFields, NotReady, FieldConflict, TemplateError, FontMissing) as exc:
        sys.stderr.write(f"suitiao: {exc}\n")
        return EXIT_FINDINGS
    except DomainError as exc:
        raise UsageError(str(exc)) from None
    output = Path(args.output or f"{args.kind}.{args.format}")
    output.write_bytes(content)
    sys.stdout.write(f"{output}\t{record.kind}\t{record.format}\tsha256:{record.sha256}\n")
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    import time

    from api.bootstrap import build_services
    from api.notify import dispatch, schedule
    from api.notify.channels import channels_from
    from api.notify.config import load_config

    services = build_services()
    config = load_config(Path(args.config), services.settings) if args.config else services.notify
    engine, outbox = services.engine, services.outbox
    channels = channels_from(config)
    while True:
        now = engine.clock.now()
        planned = schedule(engine, outbox, config, now)
        result = dispatch(outbox, channels, config, now)
        if args.once:
            sys.stdout.write(
                f"planned {planned}, sent {result.sent}, retrying {result.retrying}, "
                f"failed {result.failed}\n"
            )
            return EXIT_OK
        time.sleep(args.interval)


def cmd_calendar_load(args: argparse.Namespace) -> int:
    """Show what the notice moves, then load it once confirmed (--yes, or y at a terminal)."""
    from api.schedule_loading import Loaded, load_schedule
    from api.settings import Settings
    from engine.script_api import due_date_of

    settings = Settings.from_env()
    out = sys.stdout

    def report(loaded: Loaded, verb: str) -> None:
        cases = len({m.case_id for m in loaded.moved})
        out.write(f"{verb} {len(loaded.moved)} 个计时器（{cases} 件在办案件）：\n")
        for m in loaded.moved:
            # the due dates (Asia/Shanghai) whose end the timer waits for
            out.write(f"  {m.case_id}  {m.timer}  {due_date_of(m.old)} → {due_date_of(m.new)}\n")

    preview = load_schedule(settings, Path(args.file), dry_run=True)
    out.write(f"试算 {preview.schedule.year} 年放假安排：{preview.schedule.source}\n")
    report(preview, "将重新计算")
    out.write(f"将按新的放假安排更新 {len(preview.refreshed)} 件案件的审计发现\n")
    if args.dry_run:
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("载入前须确认：核对上面的变动后加 --yes 再运行（或在终端中回答 y）")
        out.write("确认载入并重新计算以上计时器？[y/N] ")
        out.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes", "是"):
            out.write("未载入，未作任何改动。\n")
            return EXIT_OK
    loaded = load_schedule(settings, Path(args.file))
    out.write(f"已载入 {loaded.schedule.year} 年放假安排，文件：{loaded.installed}\n")
    report(loaded, "已重新计算")
    out.write(f"已按新的放假安排更新 {len(loaded.refreshed)} 件案件的审计发现\n")
    out.write("请重启 suitiao serve / worker，使运行中的进程读取新的放假安排。\n")
    return EXIT_OK


def cmd_reindex(args: argparse.Namespace) -> int:
    from api.bootstrap import build_database
    from api.settings import Settings

    store = build_database(Settings.from_env(), signed=False).cases
    repair = not args.check
    verb = "不一致" if args.check else "已重建"
    differences = 0
    for name, differing in (
        ("待办读模型", store.reindex_tasks(repair=repair)),
        ("案件检索索引", store.reindex_terms(repair=repair)),
        ("审计发现读模型", store.reindex_findings(repair=repair)),
    ):
        differences += len(differing)
        sys.stdout.write(f"{name}：{len(differing)} 件案件{verb}\n")
        for case_id in differing[:200]:
            sys.stdout.write(f"  {case_id}\n")
    keys = store.reindex_counters(repair=repair)
    differences += len(keys)
    sys.stdout.write(f"统计计数：{len(keys)} 项{verb}\n")
    for key in keys[:200]:
        sys.stdout.write(f"  {key}\n")
    return EXIT_FINDINGS if args.check and differences else EXIT_OK


def cmd_processes(_args: argparse.Namespace) -> int:
    from api.bootstrap import build_services

    services = build_services()
    engine = services.engine
    archive_versions = engine.specs.archived_versions()
    counts = services.cases.open_cases_by_process_ref()
    out = sys.stdout
    out.write("版本              部署时间（UTC）         在办案件  说明\n")
    for version, deployed in archive_versions:
        open_cases = {
            ref.partition("@")[0]: n for ref, n in counts.items() if ref.endswith(f"@{version}")
        }
        mark = "当前版本（新案件）" if version == engine.specs.version else ""
        detail = "、".join(f"{p} {n}" for p, n in sorted(open_cases.items()))
        out.write(
            f"{version}  {deployed:%Y-%m-%d %H:%M:%S}  {sum(open_cases.values()):>8}  "
            f"{mark}{'；' if mark and detail else ''}{detail}\n"
        )
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from api.bootstrap import build_engine

    engine = build_engine()
    target = args.to_version or engine.specs.version
    try:
        report = engine.migrate_cases(args.from_version, target, dry_run=args.dry_run)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    verb = "可迁移" if args.dry_run else "已迁移"
    sys.stdout.write(
        f"{report.from_version} → {report.to_version}：{verb} {len(report.moved)} 件，"
        f"不能迁移 {len(report.refused)} 件\n"
    )
    for case_id in report.moved:
        sys.stdout.write(f"  {verb}  {case_id}\n")
    for case_id, why in report.refused:
        sys.stdout.write(f"  不能迁移  {case_id}：新版本中没有其等待的环节 {why}\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers > 1:
        # Several processes share the CPU-bound engine steps; timer sweeps share the due cases
        # through leases, and each step's version check keeps concurrent writers honest.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
        )
        return EXIT_OK
    from api.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return EXIT_OK


# -- what if -----------------------------------------------------------------------------------


def cmd_whatif(args: argparse.Namespace) -> int:
    """The logs (or the live database's armed timers) under today's rules and a proposal."""
    from api.log_input import UnknownFormat
    from api.proposal_cli import resolve
    from api.whatif_output import render, render_timers
    from api.whatif_run import proposal, run_logs
    from standard_rules.whatif import Scenario

    resolve(args)  # --proposal NAME: a kept proposal, as its own flag would give it
    if not (args.pack or args.local or args.calendar):
        raise UsageError(
            "whatif needs a proposal: --pack FILE, --local FILE or --calendar FILE"
            " (or --proposal NAME)"
        )
    if bool(args.logs) == bool(args.db):
        raise UsageError("whatif takes LOG files or --db, not both and not neither")
    dirs = [Path(p) for p in args.calendar_dir or []]
    for flag, given in (
        ("--pack", [args.pack] if args.pack else []),
        ("--local", args.local or []),
        ("--calendar", args.calendar or []),
    ):
        for path in given:
            if not Path(path).exists():
                raise UsageError(f"{flag} {path}: no such file")
    if args.db:
        from api.bootstrap import build_database
        from api.settings import Settings
        from api.whatif_run import run_timers
        from storage.armed import armed_cases

        settings = Settings.from_env()
        base = Scenario(
            load_pack(overrides=list(settings.local_rules)),
            default_calendar(settings.calendar_dirs),
        )
        new = proposal(
            base,
            Path(args.pack) if args.pack else None,
            [Path(p) for p in args.local or []],
            [Path(p) for p in args.calendar or []],
            list(settings.calendar_dirs),
        )
        database = build_database(settings, signed=False)  # read only
        report = run_timers(armed_cases(database.sql), base, new)
        _write_output(args, render_timers(report, args.format))
        return EXIT_FINDINGS if report.changes else EXIT_OK
    base = Scenario(load_pack(), default_calendar(dirs))
    new = proposal(
        base,
        Path(args.pack) if args.pack else None,
        [Path(p) for p in args.local or []],
        [Path(p) for p in args.calendar or []],
        dirs,
    )
    as_of = _as_of(args)
    paths = _log_paths(args)
    try:
        result = run_logs(paths, base, new, as_of)
    except UnknownFormat as exc:
        raise UsageError(str(exc)) from None
    _write_output(args, render(result, args.format))
    return EXIT_FINDINGS if result.changed or result.input_errors else EXIT_OK


def _add_whatif(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("whatif", help="the logs under today's rules and under a proposed pack")
    p.add_argument("logs", nargs="*", metavar="LOG")
    p.add_argument("--pack", metavar="FILE", help="a revised pack: [[rule]] file or pack directory")
    p.add_argument("--local", action="append", metavar="FILE", help="a proposed local agreement")
    p.add_argument("--calendar", action="append", metavar="FILE", help="a proposed year schedule")
    p.add_argument("--proposal", action="append", metavar="NAME", help="a kept proposal by name")
    p.add_argument("--db", action="store_true", help="the open cases' armed timers instead of logs")
    p.add_argument("--as-of", metavar="TIMESTAMP")
    p.add_argument("--format", default="text", choices=["text", "json", "markdown", "xlsx"])
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--calendar-dir", action="append", help="extra directory of schedule files")
    p.set_defaults(func=cmd_whatif)


# -- wiring ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="suitiao", description="诉调对接工作流引擎 Suitiao")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("deadline", help="compute a due date (calendar or working days)")
    p.add_argument("--from", dest="start", required=True, type=_iso_date, metavar="DATE")
    p.add_argument("--days", required=True, type=_positive_int)
    p.add_argument("--unit", required=True, choices=["calendar", "working"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--calendar-dir", action="append", help="extra directory of schedule files")
    p.set_defaults(func=cmd_deadline)

    p = sub.add_parser("rules", help="list the rule pack in force")
    p.add_argument("--json", action="store_true")
    p.add_argument("--local", action="append", help="a local agreement overriding parameters")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("audit", help="check event logs against the rule pack")
    p.add_argument("logs", nargs="+", metavar="LOG")
    p.add_argument("--as-of", metavar="TIMESTAMP")
    p.add_argument("--format", default="text", choices=["text", "json", "markdown", "html", "xlsx"])
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--local", action="append", help="a local agreement overriding parameters")
    p.add_argument("--calendar-dir", action="append", help="extra directory of schedule files")
    p.set_defaults(func=cmd_audit)

    _add_whatif(sub)
    proposal_cli.add_parser(sub)

    p = sub.add_parser("report", help="statistics of event logs, per organisation and period")
    p.add_argument("logs", nargs="+", metavar="LOG")
    p.add_argument("--by", action="append", metavar="org|month|quarter|year")
    p.add_argument("--from", dest="start", type=_iso_date, metavar="DATE")
    p.add_argument("--to", dest="end", type=_iso_date, metavar="DATE")
    p.add_argument("--as-of", metavar="TIMESTAMP")
    p.add_argument("--format", default="text", choices=["text", "json", "markdown", "html", "xlsx"])
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--local", action="append", help="a local agreement overriding parameters")
    p.add_argument("--calendar-dir", action="append", help="extra directory of schedule files")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="fill the database with realistic sample cases")
    p.add_argument("--if-empty", action="store_true", help="only when there are no cases yet")
    p.add_argument("--cases", type=int, default=120)
    p.add_argument("--days", type=int, default=150)
    p.add_argument("--seed", type=int, default=2561)
    p.add_argument(
        "--templates", type=int, default=200, help="cases played; beyond them cases are copies"
    )
    p.add_argument("--courts", type=int, help="spread the copies over the first N basic courts")
    p.add_argument("--open-share", type=float, help="share of copies that are open cases")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="write the event log of every case")
    p.add_argument("--format", default="jsonl", choices=["jsonl", "xes"])
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("worker", help="fire due timers (runs inside serve too)")
    p.add_argument("--once", action="store_true")
    p.add_argument("--interval", type=float)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "verify", help="check hash chains, signed anchors, timers and letters against events"
    )
    p.add_argument(
        "--seal",
        action="store_true",
        help="sign the data as it stands (once, after upgrading to a version with anchors)",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("user", help="add or list API users; make API keys")
    p.add_argument("action", choices=["add", "list", "key"])
    p.add_argument("username", nargs="?", default="", help="user name (or the key's name)")
    p.add_argument("--role", choices=list(ROLES))
    p.add_argument("--org", help="the organisation, e.g. 临海市人民法院")
    p.add_argument("--name", help="display name")
    p.add_argument("--scope", choices=["org", "province"], default="org")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("document", help="render a case document (PDF or .docx) and keep it")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("kind", metavar="KIND", help="e.g. assignment_letter, mediation_agreement")
    p.add_argument("--format", default="pdf", choices=["pdf", "docx"])
    p.add_argument("--output", metavar="FILE", help="default: KIND.FORMAT")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", help="a field the case lacks")
    p.add_argument(
        "--served-via", choices=["post", "email", "sms", "platform", "in_person"],
        help="record that the document was served this way",
    )  # fmt: skip
    p.set_defaults(func=cmd_document)

    p = sub.add_parser("notify", help="plan reminders/escalations and send the outbox")
    p.add_argument("--once", action="store_true")
    p.add_argument("--config", metavar="FILE", help="notification settings (TOML)")
    p.add_argument("--interval", type=float, default=60.0)
    p.set_defaults(func=cmd_notify)

    p = sub.add_parser("calendar", help="load a year's official holiday schedule")
    calendar_sub = p.add_subparsers(dest="calendar_command", required=True, parser_class=_Parser)
    q = calendar_sub.add_parser(
        "load", help="install a schedule file and re-arm every timer it moves"
    )
    q.add_argument("file", help="the schedule file (standard_rules/data/calendars/README.md)")
    q.add_argument("--dry-run", action="store_true", help="say what would move, change nothing")
    q.add_argument("--yes", action="store_true", help="load without asking (after a --dry-run)")
    q.set_defaults(func=cmd_calendar_load)

    p = sub.add_parser(
        "reindex",
        help="rebuild the read models (tasks, search index, findings, counters) from the cases",
    )
    p.add_argument("--check", action="store_true", help="only report differences (exit 1)")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("processes", help="deployed versions of the processes, with open cases")
    p.set_defaults(func=cmd_processes)

    p = sub.add_parser("migrate", help="move open cases from one process version to another")
    p.add_argument("--from", dest="from_version", required=True, metavar="VERSION")
    p.add_argument("--to", dest="to_version", metavar="VERSION", help="default: the current")
    p.add_argument("--dry-run", action="store_true", help="say what would move, change nothing")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("serve", help="serve the web application and its timer worker")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    p.set_defaults(func=cmd_serve)
    return parser


_LOG_COMMANDS = ("audit", "report")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        code: int = args.func(args)
        return code
    except UsageError as exc:
        sys.stderr.write(f"suitiao: {exc}\n")
        return EXIT_USAGE
    except StandardRulesError as exc:
        sys.stderr.write(f"suitiao: {exc}\n")
        return EXIT_USAGE
    except SettingsError as exc:  # a deployment's environment, named variable by variable
        sys.stderr.write(f"suitiao: {exc.code}: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # `suitiao rules | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if args is None or args.command not in _LOG_COMMANDS:
            raise
        # A fault of ours while reading someone's log must not exit 1, which means findings.
        import traceback

        traceback.print_exc()
        sys.stderr.write(f"suitiao: internal error ({type(exc).__name__}): nothing was audited\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
