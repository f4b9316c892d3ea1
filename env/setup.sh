#!/usr/bin/env bash
# Builds what `make run` and `make test` need, idempotently; called by the Makefile.
#
#   env/setup.sh uv          the pinned uv, in .tools/ (bootstrapped with pip from PyPI)
#   env/setup.sh python311   print the path of a Python 3.11+ interpreter
#   env/setup.sh python310   print the path of a Python 3.10 interpreter (Rasa needs it)
#   env/setup.sh binaries    redis-server and PostgreSQL present (apt-get on Debian as root)
#   env/setup.sh browser     Chromium present, for the browser tests (same rule)
#   env/setup.sh env311      the 3.11 environment in .venv, from uv.lock
#   env/setup.sh env310      the 3.10 environment in env/rasa/.venv, from env/rasa/uv.lock
#
# Every failure is one line on stderr saying what to install, and exit status 1.
set -euo pipefail

UV_VERSION=0.13.8
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
# Never let uv download an interpreter: there is no network beyond the package registries.
export UV_PYTHON_DOWNLOADS=never

die() { echo "setup: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
  # apt_install PACKAGE...: install Debian packages once, quietly.
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq >/dev/null; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pyenv_versions() {
  # Interpreters installed by pyenv, if pyenv is here (its shims are not enough: they
  # answer only for the versions selected in this directory).
  local root
  root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  ls -d "$root"/versions/"$1"*/bin/python"$1" 2>/dev/null | sort -V -r || true
}

python_ok() {
  # python_ok PATH MIN_MINOR MAX_MINOR: PATH runs and is 3.MIN..3.MAX.
  "$1" -c "import sys; sys.exit(0 if (3, $2) <= sys.version_info[:2] <= (3, $3) else 1)" \
    >/dev/null 2>&1
}

find_python() {
  # find_python MIN_MINOR MAX_MINOR: the first interpreter in range, from pyenv then PATH.
  local minor candidate
  for minor in $(seq "$1" "$2"); do
    for candidate in $(pyenv_versions "3.$minor") "$(command -v "python3.$minor" || true)"; do
      [ -n "$candidate" ] && python_ok "$candidate" "$1" "$2" && { echo "$candidate"; return 0; }
    done
  done
  candidate="$(command -v python3 || true)"
  [ -n "$candidate" ] && python_ok "$candidate" "$1" "$2" && { echo "$candidate"; return 0; }
  return 1
}

python311() {
  find_python 11 14 && return 0
  if is_root && is_debian; then
    apt_install python3 python3-venv
    find_python 11 14 && return 0
  fi
  die "Python 3.11 or newer not found: install python3.11 (Debian 12: apt-get install python3 python3-venv)"
}

python310() {
  find_python 10 10 && return 0
  die "Python 3.10 not found (Rasa 3.6 needs it): install it with pyenv (pyenv install 3.10.13) or your package manager"
}

uv_bin() {
  local uv="$TOOLS/bin/uv"
  if [ -x "$uv" ] && [ "$("$uv" --version 2>/dev/null | cut -d' ' -f2)" = "$UV_VERSION" ]; then
    echo "$uv"; return 0
  fi
  local py
  py="$(python311)"
  rm -rf "$TOOLS"
  if ! "$py" -m venv "$TOOLS" >/dev/null 2>&1; then
    if is_root && is_debian; then apt_install python3-venv && "$py" -m venv "$TOOLS" >/dev/null
    else die "cannot create a virtual environment with $py: install python3-venv"; fi
  fi
  local log="$TOOLS/pip-install.log"
  "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >"$log" 2>&1 \
    || { cat "$log" >&2; die "cannot install uv==$UV_VERSION from PyPI with pip"; }
  echo "$uv"
}

binaries() {
  local missing=() pkgs=()
  command -v redis-server >/dev/null 2>&1 || { missing+=("redis-server"); pkgs+=("redis-server"); }
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=("PostgreSQL server (initdb, postgres)"); pkgs+=("postgresql")
  fi
  if is_root && ! getent passwd postgres >/dev/null 2>&1 && [ ${#pkgs[@]} -eq 0 ]; then
    # PostgreSQL refuses to run as root; the tests run it as this user.
    missing+=("the postgres system user"); pkgs+=("postgresql")
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root && is_debian; then
    echo "setup: installing ${pkgs[*]} with apt-get" >&2
    apt_install "${pkgs[@]}"
    return 0
  fi
  local IFS=", "
  die "missing ${missing[*]}: install them (Debian/Ubuntu: apt-get install redis-server postgresql)"
}

browser() {
  # Debian's Chromium, which the browser tests drive headless (tools that download a
  # browser of their own cannot reach their servers here).
  local found
  for found in chromium chromium-browser google-chrome; do
    command -v "$found" >/dev/null 2>&1 && return 0
  done
  if is_root && is_debian; then
    echo "setup: installing chromium with apt-get (for the browser tests)" >&2
    apt_install chromium fonts-dejavu-core fonts-noto-color-emoji
    return 0
  fi
  die "missing Chromium for the browser tests: install it (Debian/Ubuntu: apt-get install chromium)"
}

env311() {
  local uv py
  uv="$(uv_bin)"; py="$(python311)"
  (cd "$ROOT" && "$uv" sync --frozen --quiet --python "$py") \
    || die "uv sync of the Python 3.11 environment failed (see above)"
}

env310() {
  local uv py
  uv="$(uv_bin)"; py="$(python310)"
  (cd "$ROOT/env/rasa" && "$uv" sync --frozen --quiet --python "$py") \
    || die "uv sync of the Python 3.10 (Rasa) environment failed (see above)"
}

case "${1:-}" in
  uv) uv_bin ;;
  python311) python311 ;;
  python310) python310 ;;
  binaries) binaries ;;
  browser) browser ;;
  env311) env311 ;;
  env310) env310 ;;
  *) die "usage: env/setup.sh uv|python311|python310|binaries|browser|env311|env310" ;;
esac
