"""scripts/bootstrap.sh on a machine that lacks the font, the browser or Python, without removing
anything from this one: the script is pointed at paths that do not exist, in --check mode (which
never installs) or with SUITIAO_BOOTSTRAP_INSTALL=0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.documents.fonts import SEARCHED

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "bootstrap.sh"
BASH = shutil.which("bash") or "/bin/bash"


def bootstrap(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SUITIAO_")}
    environment["PY"] = sys.executable
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own script, arguments from these tests
        [BASH, str(SCRIPT), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def present(tmp_path: Path) -> dict[str, str]:
    """A font file and a browser that exist (stand-ins: only their presence is checked)."""
    font = tmp_path / "font.ttc"
    font.write_bytes(b"ttcf")
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    return {"SUITIAO_FONT_CANDIDATES": str(font), "SUITIAO_CHROMIUM": str(browser)}


def test_the_script_looks_for_the_fonts_the_documents_use() -> None:
    result = bootstrap("fonts")
    assert result.stdout.split() == [str(p) for p in SEARCHED]


def test_the_preferred_font_is_the_one_installed(tmp_path: Path) -> None:
    env = {"SUITIAO_FONT_CANDIDATES": f"{tmp_path}/arphic/uming.ttc:{tmp_path}/wqy-microhei.ttc"}
    result = bootstrap("run", "--check", **env)
    assert result.returncode == 1
    assert "--no-install-recommends fonts-arphic-uming\n" in result.stderr


def test_nothing_missing_exits_0(present: dict[str, str]) -> None:
    result = bootstrap("test", "--check", **present)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_missing_font_and_browser_name_the_exact_command(tmp_path: Path) -> None:
    result = bootstrap(
        "test",
        "--check",
        SUITIAO_FONT_CANDIDATES=str(tmp_path / "none.ttc"),
        SUITIAO_CHROMIUM=str(tmp_path / "no-chromium"),
    )
    assert result.returncode == 1
    assert "fonts-wqy-microhei chromium" in result.stderr
    assert "apt-get update && apt-get install -y --no-install-recommends" in result.stderr


def test_run_needs_no_browser(tmp_path: Path, present: dict[str, str]) -> None:
    env = {**present, "SUITIAO_CHROMIUM": str(tmp_path / "no-chromium")}
    result = bootstrap("run", "--check", **env)
    assert result.returncode == 0, result.stderr


def test_a_named_font_replaces_the_search(tmp_path: Path, present: dict[str, str]) -> None:
    font = present["SUITIAO_FONT_CANDIDATES"]
    env = {**present, "SUITIAO_FONT_CANDIDATES": str(tmp_path / "none.ttc")}
    assert bootstrap("run", "--check", SUITIAO_CJK_FONT=font, **env).returncode == 0
    missing = bootstrap("run", "--check", SUITIAO_CJK_FONT=str(tmp_path / "gone.ttf"), **env)
    assert missing.returncode == 1
    assert "SUITIAO_CJK_FONT" in missing.stderr


def test_without_permission_to_install_it_stops_with_the_command(
    tmp_path: Path, present: dict[str, str]
) -> None:
    env = {**present, "SUITIAO_CHROMIUM": str(tmp_path / "no-chromium")}
    result = bootstrap("test", SUITIAO_BOOTSTRAP_INSTALL="0", **env)
    assert result.returncode == 1
    assert "install -y --no-install-recommends chromium" in result.stderr


def test_missing_python_is_named_too(tmp_path: Path, present: dict[str, str]) -> None:
    env = {**present, "PY": str(tmp_path / "python3.11")}
    result = bootstrap("run", "--check", **env)
    assert result.returncode == 1
    assert "python3.11 python3.11-venv" in result.stderr


def test_unknown_argument_is_a_usage_error() -> None:
    assert bootstrap("deploy").returncode == 2


@pytest.mark.parametrize(("ci", "expected"), [("true", 1), ("", 0)])
def test_a_missing_browser_fails_the_page_tests_under_ci_only(
    tmp_path: Path, ci: str, expected: int
) -> None:
    environment = {**os.environ, "CI": ci, "SUITIAO_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "tests/e2e"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == expected, result.stdout[-2000:]
    if ci:
        assert "no-chromium is missing" in result.stdout
    else:
        assert "skipped" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the install branch runs as root only")
def test_as_root_it_updates_once_installs_once_and_then_leaves_the_system_alone(
    tmp_path: Path,
) -> None:
    """apt-get is a stand-in here that records its calls and lays the files the packages would
    (the real one would change this shared machine): what is checked is the script's logic."""
    font, browser, calls = tmp_path / "wqy.ttc", tmp_path / "chromium", tmp_path / "calls"
    stub = tmp_path / "bin" / "apt-get"
    stub.parent.mkdir()
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {calls}\n'
        f'if [ "$1" = install ]; then : > {font}; printf "#!/bin/sh\\n" > {browser}; '
        f"chmod +x {browser}; fi\n"
    )
    stub.chmod(0o755)
    env = {
        "PATH": f"{stub.parent}:{os.environ['PATH']}",
        "SUITIAO_FONT_CANDIDATES": str(font),
        "SUITIAO_CHROMIUM": str(browser),
    }
    first = bootstrap("test", **env)
    assert first.returncode == 0, first.stderr
    assert calls.read_text().splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends fonts-wqy-microhei chromium",
    ]
    again = bootstrap("test", **env)
    assert again.returncode == 0, again.stderr
    assert len(calls.read_text().splitlines()) == 2  # nothing missing: apt-get not run again
