# Sourced by scripts/setup and scripts/nt-compat: find_python X.Y prints a CPython X.Y that runs, or fails.
# A candidate counts only if it runs and reports that version: pyenv puts shims such as `python3.12` on PATH that
# exist but fail while the global version is another one. PYTHON=/path wins when it is that version.

runs_as() {
  local v
  v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  [ "$v" = "$2" ]
}

find_python() {
  local want=$1 c
  if [ -n "${PYTHON:-}" ]; then
    if runs_as "$PYTHON" "$want"; then echo "$PYTHON"; return 0; fi
    echo "PYTHON=$PYTHON does not run as CPython $want" >&2
    return 1
  fi
  for c in "python$want" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/python "/usr/bin/python$want" \
    "/usr/local/bin/python$want"; do
    if [ -x "$c" ] || command -v "$c" >/dev/null 2>&1; then
      if runs_as "$c" "$want"; then echo "$c"; return 0; fi
    fi
  done
  echo "no working CPython $want found (tried PYTHON, python$want on PATH, pyenv's versions/$want.*, /usr/bin," \
    "/usr/local/bin); install one or set PYTHON=/path/to/python$want" >&2
  return 1
}
