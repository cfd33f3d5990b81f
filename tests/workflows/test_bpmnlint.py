"""bpmnlint's recommended rules on every generated file (tools/bpmnlint/, pinned by its
package-lock.json). The rules turned off there are each explained in workflows/README.md."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tools" / "bpmnlint"
BIN = LINT / "node_modules" / ".bin" / "bpmnlint"
FILES = sorted((ROOT / "workflows").glob("*.bpmn"))
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def bpmnlint() -> Path:
    missing = ""
    if shutil.which("node") is None:
        missing = "node is missing (Debian: apt-get install nodejs npm)"
    elif not BIN.exists():
        missing = "tools/bpmnlint/node_modules is missing: npm ci --prefix tools/bpmnlint"
    if missing and UNDER_CI:
        pytest.fail(f"CI=true: {missing}", pytrace=False)
    if missing:
        pytest.skip(missing)
    return BIN


def test_recommended_rules_pass_on_every_file(bpmnlint: Path) -> None:
    result = subprocess.run(  # noqa: S603 - the pinned local bpmnlint, our own files
        [str(bpmnlint), *(str(f) for f in FILES)],
        cwd=LINT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_file_fails_the_lint(bpmnlint: Path, tmp_path: Path) -> None:
    """The check can fail: a gateway that branches without conditions or default is reported."""
    text = (ROOT / "workflows" / "supported_lawsuit.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(text.replace(' default="flow_support_gw_to_close_support_declined"', ""))
    result = subprocess.run(  # noqa: S603
        [str(bpmnlint), str(broken)], cwd=LINT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "conditional-flows" in result.stdout, result.stdout


def test_every_rule_turned_off_is_explained() -> None:
    rules = json.loads((LINT / ".bpmnlintrc").read_text(encoding="utf-8")).get("rules", {})
    readme = (ROOT / "workflows" / "README.md").read_text(encoding="utf-8")
    assert json.loads((LINT / ".bpmnlintrc").read_text())["extends"] == "bpmnlint:recommended"
    for rule, level in rules.items():
        if level == "off":
            assert f"`{rule}`" in readme, f"{rule} is off but workflows/README.md does not say why"
