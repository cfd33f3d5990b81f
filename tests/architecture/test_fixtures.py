"""fixtures/ holds data only, each file described in fixtures/README.md and used somewhere."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
DATA_SUFFIXES = {".toml", ".json", ".jsonl", ".csv", ".xes", ".md"}


def files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file())


def test_fixtures_are_data_only() -> None:
    assert files(), "fixtures/ is empty"
    for path in files():
        assert path.suffix in DATA_SUFFIXES, f"{path.relative_to(ROOT)} is not data"


def test_every_fixture_is_described_and_used() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("tests", "bench", "api")
        for path in (ROOT / folder).rglob("*.py")
    )
    for path in files():
        if path.name == "README.md":
            continue
        relative = path.relative_to(FIXTURES).as_posix()
        assert f"`{relative}`" in readme, f"fixtures/README.md does not describe {relative}"
        assert path.name in sources, f"nothing in tests/, bench/ or api/ uses fixtures/{relative}"
