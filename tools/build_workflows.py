"""Write workflows/*.bpmn from tools/workflow_definitions.py (`python -m tools.build_workflows`)."""

from __future__ import annotations

import sys
from pathlib import Path

from tools.workflow_definitions import PROCESSES

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"


def render() -> dict[str, str]:
    return {f"{build().id}.bpmn": build().to_xml() for build in PROCESSES}


def main() -> int:
    for name, xml in render().items():
        (WORKFLOWS / name).write_text(xml, encoding="utf-8")
        sys.stdout.write(f"wrote workflows/{name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
