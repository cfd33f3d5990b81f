"""bpmn-js (the viewer bundle pinned in tools/bpmnlint/package-lock.json) imports every file of
workflows/ in Chromium without a warning: what bpmn.io and Camunda Modeler users will see."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "tools/bpmnlint/node_modules/bpmn-js/dist/bpmn-viewer.production.min.js"
FILES = sorted((ROOT / "workflows").glob("*.bpmn"))
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
IMPORT = """async (xml) => {
  if (window.viewer) window.viewer.destroy();  // one diagram on the canvas at a time
  const viewer = (window.viewer = new BpmnJS({ container: '#canvas' }));
  try {
    const result = await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    return result.warnings.map((w) => String(w.message));
  } catch (error) {
    return ['import failed: ' + String(error.message)];
  }
}"""


@pytest.fixture(scope="module")
def viewer(browser: Any) -> Any:
    if not BUNDLE.exists():
        missing = "the bpmn-js bundle is missing: npm ci --prefix tools/bpmnlint"
        if UNDER_CI:
            pytest.fail(f"CI=true: {missing}", pytrace=False)
        pytest.skip(missing)
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.set_content('<div id="canvas" style="width:1600px;height:900px"></div>')
    page.add_script_tag(path=str(BUNDLE))
    yield page
    context.close()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bpmn_js_imports_without_warning(viewer: Any, path: Path) -> None:
    warnings = viewer.evaluate(IMPORT, path.read_text(encoding="utf-8"))
    viewer.locator("#canvas").screenshot(path=str(ARTIFACTS / f"bpmn-js-{path.stem}.png"))
    assert warnings == []


def test_a_dangling_reference_is_warned_about(viewer: Any) -> None:
    """The check can fail: a flow whose source does not exist is reported by bpmn-js."""
    xml = (ROOT / "workflows" / "supported_lawsuit.bpmn").read_text(encoding="utf-8")
    broken = xml.replace('sourceRef="start"', 'sourceRef="no_such_node"', 1)
    assert broken != xml
    assert viewer.evaluate(IMPORT, broken) != []
