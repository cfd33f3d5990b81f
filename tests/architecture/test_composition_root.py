"""The composition root is one file, and what it owns is defined once (ARCHITECTURE.md).

Read from the syntax trees of the code, so a breach fails here whatever a test exercises:
- api/bootstrap.py alone constructs stores (api/ gets them from its Services object), and
  nothing in api/ reaches a store through the engine (`engine.store`, `….store.engine`,
  `app.state.engine`) or looks services up by name with getattr;
- api/settings.py alone reads the environment in api/;
- standard_rules/timezone.py alone defines the Asia/Shanghai time zone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORES = frozenset({
    "SqlCaseStore", "MemoryCaseStore", "AccountStore", "DocumentStore", "Outbox",
    "IdempotencyStore", "ScopedReads", "CaseFiles", "SqlProcessArchive", "Anchors",
})  # fmt: skip
LOOKED_UP = frozenset({"store", "engine", "services", "case_files", "settings"})
TIME_ZONE = ROOT / "standard_rules" / "timezone.py"


def _modules(*packages: str) -> Iterator[tuple[Path, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _name(node: ast.AST) -> str:
    """The last name of a dotted expression: `engine` for `services.engine`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def composition_breaches(path: Path, tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func
            built = _name(called.value) if _name(called) == "from_url" else _name(called)  # type: ignore[attr-defined]
            if built in STORES:
                found.append(f"{_where(path, node)}: builds {built} outside api/bootstrap.py")
            if (
                _name(called) == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in LOOKED_UP
            ):
                found.append(f"{_where(path, node)}: getattr(…, {node.args[1].value!r})")
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner = _name(node.value)
            if node.attr == "store" and owner.endswith("engine"):
                found.append(f"{_where(path, node)}: a store reached through the engine")
            if node.attr == "engine" and owner == "store":
                found.append(f"{_where(path, node)}: the database reached through a store")
            if node.attr == "engine" and owner == "state":
                found.append(f"{_where(path, node)}: the engine read from app.state")
    return found


def test_only_the_composition_root_builds_stores_and_nothing_reaches_around_it() -> None:
    breaches = [
        breach
        for path, tree in _modules("api")
        if path != ROOT / "api" / "bootstrap.py"
        for breach in composition_breaches(path, tree)
    ]
    assert breaches == []


def test_the_check_finds_each_way_around_the_composition_root() -> None:
    """The rule above can fail: each forbidden form is caught in a sample."""
    sample = ast.parse(
        "DocumentStore(engine.store.engine)\n"
        "SqlCaseStore.from_url(url)\n"
        "getattr(engine, 'store', None)\n"
        "request.app.state.engine.store.query(q)\n"
        "Outbox(store.engine)\n"
    )
    found = composition_breaches(ROOT / "api" / "sample.py", sample)
    assert {int(f.split(":")[1]) for f in found} == {1, 2, 3, 4, 5}, found
    assert len(found) == 9, found  # line 1 three times, 4 and 5 twice


def test_only_the_settings_read_the_environment() -> None:
    readers = [
        _where(path, node)
        for path, tree in _modules("api")
        if path != ROOT / "api" / "settings.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and _name(node.value) == "os"
        and node.attr in ("environ", "getenv")
    ]
    assert readers == []


def test_the_time_zone_is_defined_once() -> None:
    definitions = []
    for path, tree in _modules("standard_rules", "engine", "storage", "api", "bench", "tools"):
        if path == TIME_ZONE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ("timezone", "ZoneInfo"):
                definitions.append(f"{_where(path, node)}: {ast.unparse(node)}")
            if isinstance(node, ast.Constant) and node.value == 8 * 3600:
                definitions.append(f"{_where(path, node)}: the offset in seconds")
            if isinstance(node, ast.Assign) and any(
                "SHANGHAI" in ast.unparse(t) for t in node.targets
            ):
                definitions.append(f"{_where(path, node)}: {ast.unparse(node)}")
    assert definitions == []
