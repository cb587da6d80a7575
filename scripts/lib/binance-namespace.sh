# Sourced by scripts/nt-compat and scripts/test: as_binance CMD... runs CMD where NautilusTrader 2.x can reach the
# Binance simulator as Binance.
#
# 2.x maps its two Binance clients onto Binance's routes (/public/ws, /market/ws) only for Binance's own hosts and
# connects to any other base URL bare, where the simulator (like Binance) serves public streams only. So CMD runs in a
# private mount namespace whose /etc/hosts maps fstream.binance.com to 127.0.0.1, with VIOLET_BINANCE_WS_HOST telling
# the tests and benches to give NautilusTrader ws://fstream.binance.com:PORT (violet.bench.sim_process); the
# simulator's routes stay enforced. Needs unshare (util-linux) and root or unprivileged user namespaces.

as_binance() {
  local hosts
  hosts=$(mktemp "${TMPDIR:-/tmp}/violet-hosts.XXXXXX")
  { cat /etc/hosts; echo "127.0.0.1 fstream.binance.com"; } >"$hosts"
  local flags=(--mount)
  [ "$(id -u)" = 0 ] || flags=(--user --map-root-user --mount)
  local rc=0
  VIOLET_BINANCE_WS_HOST=fstream.binance.com unshare "${flags[@]}" \
    bash -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' _ "$hosts" "$@" || rc=$?
  rm -f "$hosts"
  return "$rc"
}

# nt_major PYTHON: the major version of the NautilusTrader that PYTHON imports.
nt_major() {
  "$1" -c 'from importlib.metadata import version; print(version("nautilus_trader").split(".")[0])'
}
