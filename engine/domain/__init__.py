"""The domain core of a case: its events, lifecycle and errors (no BPMN, no storage)."""
