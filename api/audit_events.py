"""The one converter from engine events to audit events lives in engine/audit_events.py, where
the findings read model (storage/findings.py) can use it too; re-exported for the api."""

from __future__ import annotations

from engine.audit_events import audit_event, audit_events

__all__ = ["audit_event", "audit_events"]
