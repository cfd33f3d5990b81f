"""`suitiao proposals` (list, keep) and `suitiao whatif --proposal NAME`: the kept proposals of
api/proposals.py at the terminal, the same ones the auditor's what-if page lists."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.proposals import KINDS, ProposalError, find, keep, kept


def _state_dir() -> Path:
    from api.settings import Settings

    return Settings.from_env().state_dir


def _usage(exc: ProposalError) -> Exception:
    from api.cli import UsageError

    return UsageError(f"{exc.message}（{exc.code}）")


def resolve(args: argparse.Namespace) -> None:
    """`whatif --proposal NAME`: the kept file, as if given by its kind's own flag."""
    for name in args.proposal or []:
        try:
            proposal, path = find(_state_dir(), name)
        except ProposalError as exc:
            raise _usage(exc) from None
        if proposal.kind == "pack":
            if args.pack:
                raise _usage(ProposalError("proposal.two_packs", "proposal", "只能比较一个规则包"))
            args.pack = str(path)
        else:
            setattr(args, proposal.kind, [*(getattr(args, proposal.kind) or []), str(path)])


def cmd_proposals(args: argparse.Namespace) -> int:
    if args.proposals_command == "keep":
        return _keep(args)
    found = kept(_state_dir())
    if args.json:
        rows: list[dict[str, Any]] = [
            {k: getattr(p, k) for k in ("name", "kind", "filename", "by", "at", "sha256", "size")}
            for p in found
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return 0
    if not found:
        sys.stdout.write("尚无保存的方案（suitiao proposals keep NAME --local FILE）\n")
        return 0
    sys.stdout.write("名称  类型  文件  保存人  保存时间\n")
    for p in found:
        sys.stdout.write(f"{p.name}  {p.kind_zh}  {p.filename}  {p.by}  {p.at[:19]}\n")
    return 0


def _keep(args: argparse.Namespace) -> int:
    from api.cli import UsageError
    from api.whatif_run import proposal
    from standard_rules.legal_calendar import default_calendar
    from standard_rules.pack import default_pack
    from standard_rules.timezone import SHANGHAI
    from standard_rules.whatif import Scenario

    given = [(kind, getattr(args, kind)) for kind in KINDS if getattr(args, kind)]
    if len(given) != 1:
        raise UsageError("proposals keep needs exactly one of --pack, --local or --calendar FILE")
    kind, file = given[0]
    path = Path(file)
    if not path.is_file():
        raise UsageError(f"--{kind} {path}: no such file")
    # Only a proposal that parses is kept (a PackError exits 2 with the file and field).
    proposal(
        Scenario(default_pack(), default_calendar()),
        pack=path if kind == "pack" else None,
        local=[path] if kind == "local" else [],
        calendars=[path] if kind == "calendar" else [],
    )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: 文件须为 UTF-8 编码的 TOML") from None
    now = datetime.now(UTC).astimezone(SHANGHAI)
    try:
        by = args.by or _terminal_user()
        kept_one = keep(_state_dir(), args.name, kind, text, path.name, by, now)
    except ProposalError as exc:
        raise _usage(exc) from None
    sys.stdout.write(f"已保存方案“{kept_one.name}”（{kept_one.kind_zh}，{kept_one.filename}）\n")
    return 0


def _terminal_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a container)
        return "terminal"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("proposals", help="proposed packs, agreements and schedules kept for whatif")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_proposals, proposals_command="list")
    inner = p.add_subparsers(dest="proposals_command", parser_class=type(p))
    k = inner.add_parser("keep", help="keep a proposal under a name (nothing is loaded)")
    k.add_argument("name", metavar="NAME")
    k.add_argument("--pack", metavar="FILE")
    k.add_argument("--local", metavar="FILE")
    k.add_argument("--calendar", metavar="FILE")
    k.add_argument("--by", help="who keeps it (default: the user at the terminal)")
    k.set_defaults(func=cmd_proposals)
