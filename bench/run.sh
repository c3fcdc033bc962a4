#!/usr/bin/env bash
# Push-API benchmark: how fast OpenMeet's appservice acknowledges Synapse's transactions, beside
# matrix-org's Node `matrix-appservice` on the same machine. Loopback only; bounded in time
# (about 3 minutes of load plus builds, plus at most 2 minutes per run of waiting for a quiet
# machine); every process it starts is stopped on exit.
#
#   bash bench/run.sh                      # 5 s warm-up + 20 s measured: 100 and 1 events/txn one in flight, 100 four in flight
#   BENCH_SECONDS=10 BENCH_WARMUP=3 bash bench/run.sh
#   BENCH_SOURCE=head bash bench/run.sh    # build the service from the last commit, not the work tree
#   BENCH_TARGETS="peer fsync" bash bench/run.sh
#
# Targets: peer (Node matrix-appservice, stores nothing), fsync (ours, database.fsync: true, the
# default), nofsync (ours, database.fsync: false). Each (target, events/txn) pair gets a fresh
# process and a fresh database. The table goes to stdout and to bench/last-run.txt; the raw lines
# (columns: the load generator's result line, then server and other CPU %) to bench/last-run.tsv.
# Run it on a quiet machine: before each run it waits (BENCH_QUIET_WAIT s at most, default 120) for
# the machine to be idle, and the other% column shows how much CPU anything else took meanwhile.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
measured=${BENCH_SECONDS:-20}
warmup=${BENCH_WARMUP:-5}
# events per transaction x transactions in flight
cases=${BENCH_CASES:-"100x1 1x1 100x4"}
targets=${BENCH_TARGETS:-"peer fsync nofsync"}
source_mode=${BENCH_SOURCE:-worktree}
host=127.0.0.1
as_port=${BENCH_AS_PORT:-28009}
other_port=${BENCH_OTHER_PORT:-28010}
peer_port=${BENCH_PEER_PORT:-28011}

work=$(mktemp -d /tmp/openmeet-bench.XXXXXX)
pids=()

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
for p in "$as_port" "$other_port" "$peer_port"; do
  port_free "$p" || { echo "port $host:$p is in use; set BENCH_AS_PORT/BENCH_OTHER_PORT/BENCH_PEER_PORT" >&2; exit 1; }
done

echo "==> install and build (work dir $work)"
(cd "$bench/peer" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
peer_version=$(node -p "require('$bench/peer/node_modules/matrix-appservice/package.json').version")

# The service is built from a copy, so that its obj/ folders (and a build running in the work tree
# at the same time) are left alone.
mkdir -p "$work/src"
if [ "$source_mode" = head ]; then
  git -C "$repo" archive HEAD src Directory.Build.props Directory.Packages.props global.json .editorconfig registration.yaml.template | tar -x -C "$work/src"
  source_desc="commit $(git -C "$repo" rev-parse --short HEAD)"
else
  (cd "$repo" && tar -c --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig registration.yaml.template) | tar -x -C "$work/src"
  source_desc="work tree at $(git -C "$repo" rev-parse --short HEAD)$([ -z "$(git -C "$repo" status --porcelain -- src)" ] || echo "+uncommitted changes")"
fi
timeout 600 dotnet build "$work/src/src/AppService" -c Release -o "$work/service" -nologo -v q >"$work/build-service.log" 2>&1 \
  || { tail -30 "$work/build-service.log"; echo "service build failed" >&2; exit 1; }
timeout 600 dotnet build "$bench/load" -c Release -o "$work/load" -nologo -v q >"$work/build-load.log" 2>&1 \
  || { tail -30 "$work/build-load.log"; echo "load generator build failed" >&2; exit 1; }

token() { echo "$1_$(openssl rand -hex 16)"; }
hs_token=$(token hs)
as_token=$(token as)
internal_token=$(token internal)

write_config() { # $1 = fsync true|false, $2 = database dir
  cat >"$work/config.yaml" <<EOF
homeserver:
  url: http://127.0.0.1:9
  server_name: openmeet.localhost
  admin_token: ""
appservice:
  id: openmeet-bench
  url: http://$host:$as_port
  bot_localpart: openmeet-bot
  bot_displayname: OpenMeet
  alias_prefix: "openmeet_"
  as_token: "$as_token"
  hs_token: "$hs_token"
  receive_ephemeral: false
  max_transaction_bytes: 75497472
internal:
  token: "$internal_token"
listeners:
  - bind: $host:$as_port
    resources: [appservice, internal, health, metrics]
  - bind: $host:$other_port
    resources: [api, oidc, health]
database:
  path: $2/openmeet.db
  fsync: $1
admin_bot:
  admins: []
  management_room: ""
logging:
  level: Warning
  format: text
EOF
}

wait_health() { # $1 = url, $2 = pid
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

server_pid=""
start_target() { # $1 = target; sets server_pid and url
  local log="$work/$1.log"
  case $1 in
    peer)
      node "$bench/peer/server.js" "$hs_token" "$peer_port" "$host" >"$log" 2>&1 &
      server_pid=$!
      url="http://$host:$peer_port"
      ;;
    fsync | nofsync)
      rm -rf "$work/db" && mkdir -p "$work/db"
      write_config "$([ "$1" = fsync ] && echo true || echo false)" "$work/db"
      dotnet "$work/service/OpenMeet.AppService.dll" -c "$work/config.yaml" >"$log" 2>&1 &
      server_pid=$!
      url="http://$host:$as_port"
      ;;
    *) echo "unknown target $1" >&2; exit 2 ;;
  esac
  pids+=("$server_pid")
  wait_health "$url/health" "$server_pid" || { tail -30 "$log"; echo "$1 did not come up" >&2; exit 1; }
}

stop_target() {
  stop_pid "$server_pid"
  local keep=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$server_pid" ] || [ "$pid" = "${load_pid:-}" ] || keep+=("$pid"); done
  pids=("${keep[@]+"${keep[@]}"}")
}

# CPU accounting over each load run (warm-up included): the server's share, and that of every
# process other than the server and the load generator (a build next door makes figures useless).
clk=$(getconf CLK_TCK)
cores=$(nproc)
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
pid_jiffies() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
now_ns() { date +%s%N; }
all_jiffies() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

# Waits (at most BENCH_QUIET_WAIT seconds, default 120) until the machine has been below 10% busy
# over 3 s, so that a build or a test run of someone else does not land in the middle of a run.
quiet_wait=${BENCH_QUIET_WAIT:-120}
wait_quiet() {
  local deadline=$((SECONDS + quiet_wait)) b0 a0 b1 a1 pct
  while :; do
    b0=$(busy_jiffies); a0=$(all_jiffies); sleep 3; b1=$(busy_jiffies); a1=$(all_jiffies)
    pct=$(((b1 - b0) * 100 / (a1 - a0 > 0 ? a1 - a0 : 1)))
    [ "$pct" -lt 10 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "    machine still ${pct}% busy after ${quiet_wait} s of waiting; running anyway (see other%)"
      return 0
    fi
    echo "    machine ${pct}% busy: waiting for it to calm down"
    sleep 5
  done
}

results="$work/results.tsv"
: >"$results"
for target in $targets; do
  for case in $cases; do
    n=${case%x*}
    inflight=${case#*x}
    echo "==> $target, $n events/txn, $inflight in flight: ${warmup} s warm-up, ${measured} s measured"
    wait_quiet
    start_target "$target"
    one="$work/one.tsv"
    : >"$one"
    t0=$(now_ns); b0=$(busy_jiffies); s0=$(pid_jiffies "$server_pid")
    # In the background and waited for, so that a signal stops the run at once.
    timeout $((warmup + measured + 60)) dotnet "$work/load/openmeet-load.dll" --url "$url" --token "$hs_token" \
      --events-per-txn "$n" --in-flight "$inflight" --warmup "$warmup" --seconds "$measured" --label "$target" --result-file "$one" \
      >"$work/load.out" 2>&1 &
    load_pid=$!
    pids+=("$load_pid")
    load_rc=0
    wait "$load_pid" || load_rc=$?
    t1=$(now_ns); b1=$(busy_jiffies); s1=$(pid_jiffies "$server_pid")
    sed 's/^/    /' "$work/load.out"
    [ "$load_rc" -eq 0 ] && [ -s "$one" ] || { echo "load against $target failed (exit $load_rc)" >&2; tail -20 "$work/$target.log" >&2; exit 1; }
    load_cpu=$(cut -f15 "$one")
    shares=$(awk -v w=$(((t1 - t0) / 1000000)) -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v l="$load_cpu" -v hz="$clk" -v c="$cores" \
      'BEGIN { cap = w / 1000 * c; srv = s / hz / cap * 100; oth = (b / hz - s / hz - l) / cap * 100; if (oth < 0) oth = 0; printf "%.0f\t%.0f", srv, oth }')
    disk=0
    if [ "$target" != peer ]; then
      disk=$(du -sk "$work/db" | cut -f1)
      echo "    data folder after the run: ${disk} KiB"
    fi
    printf '%s\t%s\t%s\t%s\n' "$(cat "$one")" "$shares" "$inflight" "$disk" >>"$results"
    echo "    CPU over the run (% of $cores cores): server $(cut -f1 <<<"$shares")%, other processes $(cut -f2 <<<"$shares")%"
    stop_target
  done
done

cp "$results" "$bench/last-run.tsv"
{
  echo "Push-API acknowledgement, loopback, ${warmup} s warm-up + ${measured} s"
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), service from $source_desc, matrix-appservice $peer_version on node $(node --version)"
  awk -F'\t' '
    { key = $2 "/" $18; if ($1 == "peer") eps[key] = $6; row[NR] = $0 }
    END {
      printf "%-8s %6s %6s %8s %9s %7s %7s %7s %7s %8s %5s %6s %9s\n", "target", "ev/txn", "flight", "txn/s", "events/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "vs peer", "srv%", "other%", "disk KiB"
      for (i = 1; i <= NR; i++) {
        split(row[i], f, "\t")
        peer = eps[f[2] "/" f[18]]
        ratio = (f[1] != "peer" && peer > 0) ? sprintf("%.2fx", f[6] / peer) : "-"
        printf "%-8s %6d %6d %8.1f %9.0f %7.2f %7.2f %7.2f %7.2f %8s %5d %6d %9s\n", f[1], f[2], f[18], f[5], f[6], f[7], f[8], f[9], f[10], ratio, f[16], f[17], (f[1] == "peer" ? "-" : f[19])
      }
    }' "$results"
  echo "(vs peer = events/s of the row / events/s of the peer at the same events/txn and in-flight; goals: >= 1.2x and p99 < 3 ms"
  echo " with fsync, >= 2x without, one transaction in flight (as Synapse sends). disk = the data folder after the run."
  echo " srv% / other% = CPU of the server / of every process but the server and the load generator, in % of $cores cores,"
  echo " warm-up included; other% also holds the kernel's softirq time for the loopback traffic (a few %);"
  echo " well above that, something else ran on the machine and the row is suspect)"
} | tee "$bench/last-run.txt"
