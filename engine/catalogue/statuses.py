"""A case's statuses (engine/domain/lifecycle.py's states) with their labels, in one table."""

from __future__ import annotations

STATUSES: dict[str, tuple[str, str]] = {
    "intake": ("收案待处理", "Intake"),
    "assigned": ("已委派/委托，待签收", "Referred, awaiting receipt"),
    "received": ("已签收，待确认接受", "Received, awaiting acceptance"),
    "mediating": ("调解中", "Mediating"),
    "paused": ("调解暂停（鉴定评估）", "Paused (appraisal)"),
    "agreed": ("已达成协议", "Agreed"),
    "confirming": ("司法确认中", "Judicial confirmation"),
    "reporting": ("调解终结，待书面报告", "Reporting to the court"),
    "returned": ("已退回法院", "Returned to the court"),
    "closed": ("已结案", "Closed"),
}
