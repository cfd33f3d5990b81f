"""Fields more than one task asks for."""

from __future__ import annotations

from engine.catalogue.model import Field

REASON = Field("reason", "理由", "text", label_en="Reason")
REASON_OPTIONAL = Field("reason", "理由", "text", required=False, label_en="Reason")
