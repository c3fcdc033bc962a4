#!/usr/bin/env bash
# Benchmarks against the dev stack's real Synapse (issue 14, "Measure" 1 and 3).
#
#   bash bench/synapse/run.sh converge   # 200 rooms x 20 members from empty, then a role change per room; next to a minimal script
#   bash bench/synapse/run.sh latency    # OpenMeet role change -> power level seen by matrix-js-sdk; messages with and without the service
#
# Installs its Node packages (npm ci), brings the dev stack up (synapse/dev.sh up: idempotent, and
# it restarts the service if the checkout's sources changed), runs, and prints a table; the output
# goes to bench/synapse/last-run-<name>.txt too (git-ignored). Every run makes a fresh tenant
# (bs<timestamp>), so runs do not collide and the stack can be reused. Needs root (dev.sh), Node 20.
#
# converge: BENCH_ROOMS (200), BENCH_MEMBERS (20), BENCH_USERS (200), BENCH_CONCURRENCY (8 internal
#   API writes in flight), BENCH_TIMEOUT (1800 s per phase), BENCH_QUIET_MS (1000: how long the
#   service must have sent nothing to Synapse before the bench reads Synapse's state to check it).
# latency: BENCH_CHANGES (100), BENCH_MESSAGES (100), BENCH_GAP_MS (200: pause after each observed change).
set -euo pipefail

name=${1:-}
case $name in
  converge | latency) ;;
  *) sed -n '4,5s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
command -v node >/dev/null || { echo "node (20 or newer) is not installed" >&2; exit 1; }

if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "==> npm ci"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "==> synapse/dev.sh up (log: $repo/.dev/logs/bench-up.log)"
mkdir -p "$repo/.dev/logs"
bash "$repo/synapse/dev.sh" up >"$repo/.dev/logs/bench-up.log" 2>&1 || { tail -20 "$repo/.dev/logs/bench-up.log" >&2; exit 1; }
set -a
# shellcheck disable=SC1090 # the stack's URLs, tokens and pids
source <(bash "$repo/synapse/dev.sh" env)
set +a
export DEV_SH="$repo/synapse/dev.sh"

dirty=$(git -C "$repo" status --porcelain -- src | head -1)
header="$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), service at $(git -C "$repo" rev-parse --short HEAD)${dirty:++uncommitted changes in src/}, Synapse $(sed -n 's/.*homeserver.py version \([^ ]*\).*/\1/p' "$SYNAPSE_LOG" | tail -1), Node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header"
out=$here/last-run-$name.txt
rc=0
node "$here/$name.js" | tee "$out.tmp" || rc=$?
{ echo "$header"; echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"; cat "$out.tmp"; } >"$out"
rm -f "$out.tmp"
echo "==> kept in $out"
exit "$rc"
