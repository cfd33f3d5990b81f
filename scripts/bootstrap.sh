#!/usr/bin/env bash
# What the system must give Suitiao beyond its Python packages, checked (and installed where this
# machine lets us) before `make run`, `make test` and `.ci/run` do anything else.
#
#   scripts/bootstrap.sh run      Python 3.11 with venv, a CJK TrueType font (the PDF letters)
#   scripts/bootstrap.sh test     the same, Chromium (tests/e2e), Node.js with npm (the BPMN lint),
#                                 and PostgreSQL started if present
#   scripts/bootstrap.sh fonts    print the font files looked for, in order of preference
#   add --check                   report only: never install, exit 1 with the command to run
#
# As root on Debian/Ubuntu the missing packages are installed (one `apt-get update`, one
# `apt-get install`); anywhere else the script stops and prints the exact command. Nothing is
# installed when everything is already there, so running it before every command costs a few
# file look-ups.
#
# Where to look can be changed, so that another machine (or a test of this script) can point
# elsewhere without removing anything:
#   PY                        the Python interpreter (default python3.11)
#   SUITIAO_CJK_FONT          a TrueType font to use instead (as api/documents/fonts.py reads it)
#   SUITIAO_FONT_CANDIDATES   colon-separated font files looked for (default: SEARCHED, read from
#                             api/documents/fonts.py, so the two cannot drift apart)
#   SUITIAO_CHROMIUM          the browser the end-to-end tests drive (default /usr/bin/chromium)
#   SUITIAO_BOOTSTRAP_INSTALL 0: never install, only say what to run
set -uo pipefail

goal="run"
check_only=0
for arg in "$@"; do
  case "$arg" in
    run | test | fonts) goal="$arg" ;;
    --check | --dry-run) check_only=1 ;;
    -h | --help)
      sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bootstrap: unknown argument '$arg' (run, test, --check)" >&2
      exit 2
      ;;
  esac
done

PY="${PY:-python3.11}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FALLBACK_FONT="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# SEARCHED of api/documents/fonts.py, read without importing it (no .venv yet at this point).
searched_fonts() {
  "$PY" - "$ROOT/api/documents/fonts.py" 2>/dev/null <<'PYTHON' | paste -sd: -
import ast, sys

tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
for node in tree.body:
    if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "SEARCHED" for t in node.targets):
        for call in node.value.elts:
            print(call.args[0].value)
PYTHON
}

# The Debian package that ships a font file.
font_package() {
  case "$(basename "$1")" in
    uming.ttc) echo fonts-arphic-uming ;;
    ukai.ttc) echo fonts-arphic-ukai ;;
    gbsn00lp.ttf) echo fonts-arphic-gbsn00lp ;;
    gkai00mp.ttf) echo fonts-arphic-gkai00mp ;;
    wqy-zenhei.ttc) echo fonts-wqy-zenhei ;;
    *) echo fonts-wqy-microhei ;;
  esac
}

FONTS="${SUITIAO_FONT_CANDIDATES:-$(searched_fonts)}"
FONTS="${FONTS:-$FALLBACK_FONT}"
if [ "$goal" = fonts ]; then
  tr ':' '\n' <<<"$FONTS"
  exit 0
fi
CHROMIUM="${SUITIAO_CHROMIUM:-/usr/bin/chromium}"

packages=() # Debian packages to install
manual=()   # what to do by hand where no package would help

need_python() {
  if ! command -v "$PY" >/dev/null 2>&1; then
    packages+=(python3.11 python3.11-venv)
    manual+=("install Python 3.11 and put python3.11 on the PATH (or set PY=/path/to/python3.11)")
  elif ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    packages+=(python3.11-venv)
    manual+=("install the venv module of $PY (Debian: python3.11-venv)")
  fi
}

need_font() {
  if [ -n "${SUITIAO_CJK_FONT:-}" ]; then
    if [ ! -f "$SUITIAO_CJK_FONT" ]; then
      echo "bootstrap: SUITIAO_CJK_FONT=$SUITIAO_CJK_FONT: no such file" >&2
      exit 1
    fi
    return
  fi
  local font
  IFS=: read -r -a candidates <<<"$FONTS"
  for font in "${candidates[@]}"; do
    [ -f "$font" ] && return
  done
  packages+=("$(font_package "${candidates[0]}")") # the face the documents prefer
  manual+=("install a CJK TrueType font and set SUITIAO_CJK_FONT=/path/to/font.ttf")
}

need_browser() {
  if [ ! -x "$CHROMIUM" ] && ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    packages+=(chromium)
    manual+=("install Chromium and set SUITIAO_CHROMIUM=/path/to/chromium")
  fi
  # pdftoppm draws the letters' PDFs as PNGs in tests/e2e/artifacts for a person to look at;
  # the letters are checked without it, so it is asked for only where apt can install it
  if ! command -v pdftoppm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    packages+=(poppler-utils)
  fi
}

need_node() {
  # bpmnlint and the bpmn-js viewer check workflows/*.bpmn (tests/workflows, tests/e2e); the
  # Makefile installs them from tools/bpmnlint/package-lock.json with npm ci
  if ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
    manual+=("install Node.js 20 with npm")
  fi
}

start_postgres() {
  # The machines of this project ship PostgreSQL; start it if it is installed but down. Without
  # one, the PostgreSQL tests skip on a laptop and fail under CI (tests/integration/conftest.py).
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && return 0
  if [ "$check_only" = 1 ]; then
    echo "bootstrap: PostgreSQL is installed but not running on 127.0.0.1:5432" >&2
    return 0
  fi
  local version
  version="$(ls /etc/postgresql 2>/dev/null | head -1)"
  [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
}

need_python
need_font
if [ "$goal" = test ]; then
  need_browser
  need_node
  start_postgres
fi

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

command_line="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
can_install=0
if [ "$check_only" = 0 ] && [ "${SUITIAO_BOOTSTRAP_INSTALL:-1}" != 0 ] &&
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  can_install=1
fi

if [ "$can_install" = 1 ]; then
  echo "bootstrap: installing ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; then
    # Look again: a package may have installed elsewhere than expected.
    packages=()
    manual=()
    need_python
    need_font
    [ "$goal" = test ] && need_browser && need_node
    [ ${#packages[@]} -eq 0 ] && exit 0
  fi
  echo "bootstrap: still missing after apt-get: ${packages[*]}" >&2
  exit 1
fi

echo "bootstrap: this machine lacks what Suitiao needs to $goal: ${packages[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "  run: $command_line" >&2
  else
    echo "  run: sudo sh -c '$command_line'" >&2
  fi
else
  for step in "${manual[@]}"; do
    echo "  $step" >&2
  done
fi
exit 1
