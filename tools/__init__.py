"""Authoring tools (not installed, not imported by the application)."""
