#!/usr/bin/env bash
# The service's own cost at scale (issue 14): desired state for SCALE_ROOMS rooms x SCALE_MEMBERS members
# loaded through the internal API, the reconciler pointed at a stand-in homeserver (bench/scale/StandIn,
# in the driver's process) that answers every client-server and admin call at once from memory, so the
# figures are the service's and not Synapse's. Then a restart on the same data.
#
#   bash bench/scale/run.sh                                   # 10,000 rooms x 10 members, 5,000 users, 2 tenants
#   SCALE_ROOMS=2000 SCALE_USERS=1000 bash bench/scale/run.sh # smaller
#   BENCH_SOURCE=head bash bench/scale/run.sh                 # the service as of the last commit, not the work tree
#
# Variables: SCALE_ROOMS (10000), SCALE_MEMBERS (10), SCALE_USERS (5000), SCALE_TENANTS (2),
# SCALE_PROFILE=1 (the service's heap by type after convergence and after the restart, with dotnet-gcdump),
# SCALE_CONCURRENCY (8 internal API writes in flight), SCALE_PARALLELISM (reconciler.parallelism, default
# the service's 4), SCALE_CACHED_ROOMS (reconciler.cached_rooms, default the service's 2,000), SCALE_FSYNC (1), SCALE_TIMEOUT (3600 s to converge), ports SCALE_HS_PORT (28108, the
# stand-in), SCALE_AS_PORT (28109), SCALE_OTHER_PORT (28110). Needs dotnet (the SDK of global.json) and
# loopback only. The figures go to stdout and bench/scale/last-run.txt (git-ignored).
set -euo pipefail

bench=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$bench/.." && pwd)
source_mode=${BENCH_SOURCE:-worktree}
work=$(mktemp -d /tmp/openmeet-scale.XXXXXX)
driver_pid=""

cleanup() {
  local pid
  for pid in "$driver_pid" "$(cat "$work/service.pid" 2>/dev/null || true)"; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 1
  [ -n "${SCALE_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in "${SCALE_HS_PORT:-28108}" "${SCALE_AS_PORT:-28109}" "${SCALE_OTHER_PORT:-28110}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port 127.0.0.1:$p is in use; set SCALE_HS_PORT/SCALE_AS_PORT/SCALE_OTHER_PORT" >&2
    exit 1
  fi
done

echo "==> build (work dir $work)"
# The service is built from a copy, so that the work tree's obj/ folders are left alone.
mkdir -p "$work/src"
if [ "$source_mode" = head ]; then
  git -C "$repo" archive HEAD src Directory.Build.props Directory.Packages.props global.json .editorconfig registration.yaml.template | tar -x -C "$work/src"
  source_desc="commit $(git -C "$repo" rev-parse --short HEAD)"
else
  (cd "$repo" && tar -c --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig registration.yaml.template) | tar -x -C "$work/src"
  source_desc="work tree at $(git -C "$repo" rev-parse --short HEAD)$([ -z "$(git -C "$repo" status --porcelain -- src)" ] || echo "+uncommitted changes")"
fi
timeout 600 dotnet publish "$work/src/src/AppService" -c Release -o "$work/service" -nologo -v q >"$work/build-service.log" 2>&1 \
  || { tail -30 "$work/build-service.log"; echo "service build failed" >&2; exit 1; }
timeout 600 dotnet build "$bench/scale" -c Release -o "$work/driver" -nologo -v q >"$work/build-driver.log" 2>&1 \
  || { tail -30 "$work/build-driver.log"; echo "driver build failed" >&2; exit 1; }

# Waits (at most SCALE_QUIET_WAIT s, default 120) until the machine has been below 10% busy over 3 s.
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
deadline=$((SECONDS + ${SCALE_QUIET_WAIT:-120}))
while :; do
  read -r b0 a0 < <(busy); sleep 3; read -r b1 a1 < <(busy)
  pct=$(((b1 - b0) * 100 / (a1 - a0 > 0 ? a1 - a0 : 1)))
  [ "$pct" -lt 10 ] && break
  [ "$SECONDS" -ge "$deadline" ] && { echo "machine still ${pct}% busy; running anyway (the report says how busy)"; break; }
  echo "machine ${pct}% busy: waiting for it to calm down"
  sleep 5
done

header="$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/{print $2}') GiB, service from $source_desc, .NET $(dotnet --version)"
echo "$header"
rc=0
SCALE_CLK_TCK=$(getconf CLK_TCK) dotnet "$work/driver/openmeet-scale.dll" --service "$work/service/OpenMeet.AppService.dll" --work "$work" &
driver_pid=$!
wait "$driver_pid" || rc=$?
driver_pid=""
{ echo "$header"; cat "$work/report.txt" 2>/dev/null; } >"$bench/scale/last-run.txt"
echo "kept in bench/scale/last-run.txt"
if [ "$rc" -ne 0 ]; then
  echo "service log (tail):" >&2
  tail -20 "$work/service.log" >&2 || true
fi
exit "$rc"
