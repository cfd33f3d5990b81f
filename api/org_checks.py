"""Organisations named in a request must be in the registry, of the right kind and paired.

The engine takes an organisation as text (its own tests and old logs name any), so the check
lives here, in front of it, and is shared by the HTTP API and the pages. A name the registry
knows under another spelling (the full name, an id) is replaced by the short name cases store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.domain.errors import InvalidTaskData
from standard_rules.orgs import Org, Registry

KIND_ZH = {"court": "法院", "committee": "消费者权益保护委员会（消保委）"}
# Fields of a workflow step that name an organisation: (kind, label).
STEP_FIELDS = {"mediator_org": ("committee", "调解组织"), "court": ("court", "受理法院")}
# Which kind of organisation an account of a role belongs to; None: any in the registry.
ROLE_KIND: dict[str, str | None] = {
    "court_clerk": "court",
    "judge": "court",
    "mediator": "committee",
    "auditor": None,
    "supervisor": None,  # a court's or a committee's head
    "admin": None,
}


class OrgRefused(InvalidTaskData):
    """An organisation the registry does not know, of the wrong kind, or not paired."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message, field=field)
        self.code = code


def _shown(text: str) -> str:
    # Echo what was typed so the person sees the typo, but never a page of it.
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:30] + "…"


def known(registry: Registry, raw: object, kind: str | None, field: str, label: str) -> Org:
    org = registry.find(raw)
    if org is None:
        typed = _shown(raw) if isinstance(raw, str) else ""
        raise OrgRefused(
            "unknown_org", f"{label}“{typed}”不在浙江省组织名录中，请从名录中选择", field
        )
    if kind is not None and org.kind != kind:
        raise OrgRefused(
            "wrong_org_kind",
            f"{label}须为{KIND_ZH[kind]}，“{org.short}”是{KIND_ZH[org.kind]}",
            field,
        )
    return org


def paired_committees(registry: Registry, court_org: str | None) -> list[Org]:
    court = registry.find(court_org)
    return [] if court is None else registry.committees_for(court)


def check_step(
    registry: Registry, court_org: str | None, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The payload with every organisation it names checked and written as its short name."""
    out = dict(payload)
    for name, (kind, label) in STEP_FIELDS.items():
        raw = payload.get(name)
        if raw is None or raw == "":
            continue  # the engine says whether the field is required
        org = known(registry, raw, kind, name, label)
        if name == "mediator_org":
            check_pair(registry, court_org, org)
        out[name] = org.short
    return out


def check_pair(registry: Registry, court_org: str | None, committee: Org) -> None:
    court = registry.find(court_org)
    if court is None or court.kind != "court":
        raise OrgRefused(
            "unknown_org",
            f"本案法院“{_shown(court_org or '')}”不在浙江省组织名录中，无法委派调解组织",
            "mediator_org",
        )
    if not registry.may_refer(court, committee):
        allowed = "、".join(o.short for o in registry.committees_for(court)) or "无"
        raise OrgRefused(
            "unpaired_org",
            f"{court.short}与{committee.short}未建立诉调对接，不能委派（可选：{allowed}）",
            "mediator_org",
        )


def account_org(registry: Registry, role: str, raw: object) -> str:
    """The short name an account of this role is kept under."""
    kind = ROLE_KIND.get(role)
    return known(registry, raw, kind, "org", "所属单位").short
