"""`suitiao`: the command line. The subcommands of contract/CLI.md keep their arguments, output
and exit codes; bad arguments exit 2 with a one-line reason on stderr."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import orjson

from api.rule_output import due_dict, rule_dict
from standard_rules.audit import audit
from standard_rules.errors import StandardRulesError
from standard_rules.eventlog import (
    Event,
    InputError,
    parse_datetime,
    parse_jsonl,
    parse_timestamp,
)
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import RulePack, load_pack

if TYPE_CHECKING:
    from storage.accounts import AccountStore

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# storage.accounts.ROLES, repeated so that `suitiao deadline` does not load SQLAlchemy.
ROLES = ("court_clerk", "mediator", "judge", "auditor", "admin")


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
    with path.open("rb") as handle:
        head = handle.read(4096)
        handle.seek(0)
        text = head.lstrip(b"\xef\xbb\xbf").lstrip()
        if text and not text.startswith(b"{"):
            raise UsageError(f"{path}: unknown format (expected JSON Lines, one event per line)")
        yield from parse_jsonl(handle, activities, source=str(path), first_seq=first_seq)


def cmd_audit(args: argparse.Namespace) -> int:
    pack = _pack(args)
    calendar = default_calendar([Path(p) for p in args.calendar_dir or []])
    as_of = None
    if args.as_of is not None:
        if parse_timestamp(args.as_of) is None:
            raise UsageError(f"--as-of must be RFC 3339 with an offset, got {args.as_of!r}")
        as_of = parse_datetime(args.as_of)
    if args.format not in ("text", "json"):
        raise UsageError(f"--format {args.format} is not available yet (text, json)")
    paths = [Path(p) for p in args.logs]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    items: list[Event | InputError] = []
    for path in paths:
        items.extend(_read_log(path, pack.contract_activities, len(items)))
    result = audit(items, pack, calendar, as_of)
    from api.audit_output import to_json, to_text

    output = to_json(result) if args.format == "json" else to_text(result).encode()
    if args.output:
        Path(args.output).write_bytes(output)
    else:
        sys.stdout.buffer.write(output)
    return result.exit_code


# -- cases in the database ---------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from api.bootstrap import build_engine
    from api.demo import DemoClock, add_demo_users, populate
    from engine.services import SystemClock

    clock = DemoClock(SystemClock().now())
    engine = build_engine(clock=clock)
    users = add_demo_users(_accounts(engine))
    if users:
        sys.stdout.write(f"已创建示例用户：{'、'.join(users)}（密码见 README.md）。\n")
    if args.if_empty and engine.store.count() > 0:
        sys.stdout.write(f"数据库已有 {engine.store.count()} 件案件，跳过示例数据。\n")
        return EXIT_OK
    opened = populate(engine, clock, cases=args.cases, days=args.days, seed=args.seed)
    sys.stdout.write(f"已生成 {opened} 件示例案件（{args.days} 天内）。\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from api.bootstrap import build_engine
    from standard_rules.xes import write_xes

    engine = build_engine()
    records = (event.record() for event in engine.store.all_events())
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
    import time

    from api.bootstrap import build_engine
    from api.settings import Settings

    settings = Settings.from_env()
    engine = build_engine(settings)
    while True:
        stepped = engine.fire_due()
        if args.once:
            sys.stdout.write(f"fired timers of {stepped} case(s)\n")
            return EXIT_OK
        if stepped == 0:
            time.sleep(args.interval or settings.timer_poll_seconds)


def cmd_verify(_args: argparse.Namespace) -> int:
    from api.bootstrap import build_engine
    from engine.domain.events import verify_chain

    engine = build_engine()
    problems: list[str] = []
    checked = 0
    offset = 0
    from engine.ports import CaseQuery

    while True:
        batch = engine.store.query(CaseQuery(limit=500, offset=offset))
        if not batch:
            break
        offset += len(batch)
        for case in batch:
            checked += 1
            events = engine.store.events(case.id)
            problems += verify_chain(events)
            if events and (events[-1].hash != case.last_hash or events[-1].seq != case.last_seq):
                problems.append(f"{case.id}: case row does not point at its last event")
            if case.status == "closed" and engine.store.timers(case.id):
                problems.append(f"{case.id}: closed but still has armed timers")
    for problem in problems:
        sys.stdout.write(problem + "\n")
    sys.stdout.write(f"checked {checked} case(s): {len(problems)} problem(s)\n")
    return EXIT_FINDINGS if problems else EXIT_OK


def _accounts(engine: object | None = None) -> AccountStore:
    from storage.accounts import AccountStore

    if engine is None:
        from api.bootstrap import build_engine

        engine = build_engine()
    store = getattr(engine, "store", None)
    return AccountStore(getattr(store, "engine", None))  # type: ignore[arg-type]


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


def cmd_user(args: argparse.Namespace) -> int:
    from api.security import hash_password
    from storage.accounts import AccountExists

    accounts = _accounts()
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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return EXIT_OK


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

    p = sub.add_parser("demo", help="fill the database with realistic sample cases")
    p.add_argument("--if-empty", action="store_true", help="only when there are no cases yet")
    p.add_argument("--cases", type=int, default=120)
    p.add_argument("--days", type=int, default=150)
    p.add_argument("--seed", type=int, default=2561)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="write the event log of every case")
    p.add_argument("--format", default="jsonl", choices=["jsonl", "xes"])
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("worker", help="fire due timers (runs inside serve too)")
    p.add_argument("--once", action="store_true")
    p.add_argument("--interval", type=float)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("verify", help="check hash chains and case/event/timer consistency")
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

    p = sub.add_parser("serve", help="serve the web application and its timer worker")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
    except BrokenPipeError:
        # `suitiao rules | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
