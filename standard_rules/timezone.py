"""The one time zone of the standard and of this code: Asia/Shanghai.

Every due date is a Shanghai day and every event time is shown in Shanghai (contract/EVENTS.md).
China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every
date a case can have and needs no tz database. Defined here once (tests/architecture checks
that nothing else defines it); every layer may import standard_rules.
"""

from __future__ import annotations

from datetime import timedelta, timezone

SHANGHAI_OFFSET_SECONDS = 8 * 3600
SHANGHAI = timezone(timedelta(seconds=SHANGHAI_OFFSET_SECONDS), "Asia/Shanghai")
