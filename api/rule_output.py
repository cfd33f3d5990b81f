"""The rule pack and due dates as JSON documents (contract/CLI.md), for the CLI and the API."""

from __future__ import annotations

from typing import Any

from standard_rules.legal_calendar import DueDate
from standard_rules.pack import Rule, RulePack


def rule_dict(rule: Rule, pack: RulePack) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "kind": list(rule.kinds),
        "parameters": [
            {
                "name": p.name,
                "days": p.days,
                "months": p.months,
                "years": p.years,
                "unit": p.unit.value,
                "from": p.start,
                "until": list(p.until),
                "when": dict(p.when),
                "adjust": sorted(p.adjust),
                "target": p.target,
                "overridden_by": p.overridden_by or None,
            }
            for p in rule.periods
        ],
        "source": rule.source,
        "confidence": rule.confidence,
        "outcomes": list(rule.outcomes),
        "checked": rule.check.type if rule.check else None,
        "rule_pack": pack.stamp,
    }


def due_dict(due: DueDate) -> dict[str, Any]:
    return {
        "from": due.start.isoformat(),
        "days": due.days,
        "unit": due.unit.value,
        "due": due.due.isoformat(),
        "provisional": due.provisional,
        "skipped": [s.day.isoformat() for s in due.skipped],
        "calendar": due.calendar,
        "explanation": due.explain_zh(),
        "explanation_en": due.explain_en(),
    }
