"""Proposals kept for "what if": a revised rule file, a local agreement or a year's schedule that
someone uploaded, with who and when, so an auditor can pick one again later (issue 17).

Keeping a proposal changes nothing: no engine reads this directory. It takes effect only when an
administrator loads it (`suitiao calendar load`, SUITIAO_LOCAL_RULES). Each proposal is two files
under `$SUITIAO_STATE_DIR/proposals`: NAME.toml, its text as uploaded, and NAME.json, what it is;
the JSON is written last and a proposal without it is not listed, so a failed write leaves none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

KINDS = ("local", "pack", "calendar")
KIND_ZH = {"local": "本地协议", "pack": "修订规则文件", "calendar": "放假安排"}
MAX_TEXT = 48 * 1024
NAME = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff.-]{0,59}$")


class ProposalError(Exception):
    """A proposal that cannot be kept or found: a stable code, the field and a Chinese message."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


@dataclass(frozen=True)
class Proposal:
    name: str
    kind: str  # local | pack | calendar
    filename: str  # as uploaded
    by: str  # who kept it (a login, or the user at the terminal)
    at: str  # when, RFC 3339 in Asia/Shanghai
    sha256: str
    size: int

    @property
    def kind_zh(self) -> str:
        return KIND_ZH.get(self.kind, self.kind)


def directory(state_dir: Path) -> Path:
    return state_dir / "proposals"


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.match(name) or name.endswith((".json", ".toml", ".tmp")):
        raise ProposalError(
            "proposal.name_invalid",
            "name",
            "方案名称须为1至60个字符，由汉字、字母、数字、点、下划线或连字符组成",
        )
    return name


def keep(
    state_dir: Path, name: str, kind: str, text: str, filename: str, by: str, at: datetime
) -> Proposal:
    """Keep a proposal under a new name (the caller has checked that it parses)."""
    name = check_name(name)
    if kind not in KINDS:
        raise ProposalError("proposal.kind_invalid", "kind", "请选择拟用内容的类型")
    data = text.encode("utf-8")
    if not data.strip():
        raise ProposalError("proposal.file_missing", "file", "请选择要保存的文件")
    if len(data) > MAX_TEXT:
        raise ProposalError("proposal.file_too_large", "file", "文件过大（上限 48 KiB）")
    folder = directory(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / f"{name}.json").exists():
        raise ProposalError("proposal.exists", "name", f"已有名为“{name}”的方案，请换一个名称")
    proposal = Proposal(
        name=name,
        kind=kind,
        filename=Path(filename or f"{name}.toml").name[:200],
        by=by,
        at=at.isoformat(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    _write(folder / f"{name}.toml", data)
    meta = json.dumps(asdict(proposal), ensure_ascii=False, indent=1).encode()
    _write(folder / f"{name}.json", meta)
    return proposal


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(data)
    os.replace(partial, path)


def kept(state_dir: Path) -> list[Proposal]:
    """Every kept proposal, newest first (a file that is not a proposal is passed over)."""
    found = []
    for meta in directory(state_dir).glob("*.json"):
        proposal = _read_meta(meta)
        if proposal is not None and meta.with_suffix(".toml").is_file():
            found.append(proposal)
    return sorted(found, key=lambda p: (p.at, p.name), reverse=True)


def _read_meta(path: Path) -> Proposal | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        proposal = Proposal(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return proposal if proposal.kind in KINDS else None


def find(state_dir: Path, name: str) -> tuple[Proposal, Path]:
    """A kept proposal and the path of its text, checked against the hash it was kept with."""
    name = name.strip()
    folder = directory(state_dir)
    proposal = _read_meta(folder / f"{name}.json") if NAME.match(name) else None
    path = folder / f"{name}.toml"
    if proposal is None or not path.is_file():
        raise ProposalError("proposal.not_found", "proposal", f"没有名为“{name}”的方案")
    if hashlib.sha256(path.read_bytes()).hexdigest() != proposal.sha256:
        raise ProposalError(
            "proposal.altered", "proposal", f"方案“{name}”的文件在保存后被改动，不予使用"
        )
    return proposal, path
