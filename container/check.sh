#!/usr/bin/env bash
# Runs the image container/build.sh built, with `buildah run --isolation chroot` (no Docker engine,
# no container runtime: the processes share the host's network), and checks that it answers.
#
#   container/check.sh       the image alone, on ports 18009 and 18010 (OPENMEET_CHECK_PORT moves
#                            them): --version, the user, generate-registration through the
#                            entrypoint, then the service with config.example.yaml and the
#                            OPENMEET_* overrides compose.yaml uses; /health/live through the image's
#                            HEALTHCHECK, /health/ready red for Synapse (none listens), files owner-only
#   container/check.sh dev   behind the dev stack's Synapse: stops the stack's own service process,
#                            starts the image's with the stack's config and data on the same ports
#                            (8009, 8010), so Synapse pushes to it; checks /health/ready and Synapse's
#                            ping of it, then stops it and lets synapse/dev.sh up start the stack's
#                            service again. Needs `synapse/dev.sh up` first. --keep leaves the image's
#                            service running instead (stop it with kill PID, as printed).
#
# Needs root (buildah's storage). Prints one line per check; exits non-zero at the first that fails.
set -euo pipefail
trap 'echo "check.sh: stopped at line $LINENO: $BASH_COMMAND" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${OPENMEET_IMAGE:-localhost/openmeet-appservice}:latest
CONTAINER=openmeet-appservice-check
WORK=$REPO/.dev/image
DEV=$REPO/.dev
IMAGE_UID=10001

say() { printf '==> %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
die() { printf 'check.sh: FAILED: %s\n' "$*" >&2; exit 1; }

mode=alone keep=false
for arg in "$@"; do
  case $arg in
    dev) mode=dev ;;
    --keep) keep=true ;;
    *) die "unknown argument $arg (see the comment at the top of $0)" ;;
  esac
done
[[ $EUID -eq 0 ]] || die "needs root (buildah's storage): run it with sudo"
command -v buildah >/dev/null || die "buildah is not installed: run container/build.sh first"
buildah inspect --type image "$IMAGE" >/dev/null 2>&1 || die "no image $IMAGE: run container/build.sh first"

# A fresh working container of the image; every `buildah run` below is a process in it. At exit
# the service is stopped and the container removed, unless --keep.
buildah rm "$CONTAINER" >/dev/null 2>&1 || true
buildah from --pull=never --name "$CONTAINER" "$IMAGE" >/dev/null
# buildah 1.28 gives `buildah run` a fresh anonymous volume at the image's VOLUME /data, hiding a
# bind mount there (-v DIR:/data); without the VOLUME in the working container, the bind mount is
# the volume, as with `docker run -v DIR:/data`.
buildah config --volume /data- "$CONTAINER"
after_stop=: # what to do once the service is stopped (dev: give the stack its service back)
kept=false   # --keep, and every check passed: the service stays
cleanup() {
  $kept && return 0
  stop_service
  buildah rm "$CONTAINER" >/dev/null 2>&1 || true
  "$after_stop"
}
trap cleanup EXIT
in_image() { buildah run --isolation chroot "$@"; }

# The service runs as a child of buildah's chroot helpers, which do not pass signals on: it is
# found by its executable among the descendants of `buildah run` and stopped directly.
service_pid() {
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid"); do
    if [[ $(ps -o comm= -p "$child") == OpenMeet.AppSer* ]]; then
      echo "$child"
      return 0
    fi
    service_pid "$child" && return 0
  done
  return 1
}

runner="" # the pid of the `buildah run` that runs the service
stop_service() {
  [[ -n $runner ]] || return 0
  local pid
  if kill -0 "$runner" 2>/dev/null; then
    pid=$(service_pid "$runner") && kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$runner" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
  fi
  wait "$runner" 2>/dev/null || true
  runner=""
}

# wait_http URL SECONDS [STATUS]: until URL answers STATUS (200).
wait_http() {
  local deadline=$((SECONDS + $2)) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null || true)
    [[ $code == "${3:-200}" ]] && return 0
    ((SECONDS < deadline)) || return 1
    [[ -z $runner ]] || kill -0 "$runner" 2>/dev/null || return 1
    sleep 0.5
  done
}

port_free() { ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" 2>/dev/null; }

check_basics() {
  local version user
  version=$(in_image "$CONTAINER" -- openmeet-appservice --version)
  ok "--version: $version"
  user=$(in_image "$CONTAINER" -- id -un)
  [[ $user == openmeet ]] || die "the image runs as '$user', not openmeet"
  ok "runs as $(in_image "$CONTAINER" -- id)"
}

# ---------------------------------------------------------------- the image alone

check_alone() {
  local port=${OPENMEET_CHECK_PORT:-18009} data=$WORK/check-data registration=$WORK/check-registration log=$WORK/check.log body
  local public=$((port + 1)) homeserver=$((port - 1))
  if ! { port_free "$port" && port_free "$public"; }; then
    die "ports $port and $public must be free (OPENMEET_CHECK_PORT moves them)"
  fi
  check_basics

  # /data and /registration are host folders owned by the image's user, as in compose.yaml.
  rm -rf "$data" "$registration"
  mkdir -p "$data" "$registration"
  cp "$REPO/config.example.yaml" "$data/config.yaml"
  chown -R "$IMAGE_UID:$IMAGE_UID" "$data" "$registration"
  chmod 0700 "$data"
  # What compose.yaml sets: the listeners on all interfaces, the database on the volume, the
  # URLs other containers use. Nothing listens at the homeserver URL.
  local env=(-e OPENMEET_HOMESERVER__URL="http://127.0.0.1:$homeserver" -e OPENMEET_APPSERVICE__URL="http://127.0.0.1:$port"
    -e OPENMEET_LISTENERS__0__BIND="0.0.0.0:$port" -e OPENMEET_LISTENERS__1__BIND="0.0.0.0:$public"
    -e OPENMEET_DATABASE__PATH=/data/openmeet.db)

  local mounts=(-v "$data:/data" -v "$registration:/registration")
  in_image "${env[@]}" "${mounts[@]}" "$CONTAINER" -- openmeet-appservice generate-registration -o /registration/openmeet.yaml
  grep -q "^url: 'http://127.0.0.1:$port'$" "$registration/openmeet.yaml" || die "the registration has not the url from OPENMEET_APPSERVICE__URL"
  grep -Eq "^  as_token: '[0-9a-f]{64}'$" "$data/config.yaml" || die "generate-registration did not fill appservice.as_token"
  ok "generate-registration through the entrypoint (-c \$OPENMEET_CONFIG): tokens filled, registration url http://127.0.0.1:$port"

  say "starting the service in the image (log: $log)"
  in_image "${env[@]}" "${mounts[@]}" "$CONTAINER" -- openmeet-appservice >"$log" 2>&1 &
  runner=$!
  wait_http "http://127.0.0.1:$port/health/live" 60 || { tail -n 30 "$log" >&2; die "/health/live does not answer 200 on :$port"; }
  ok "GET http://127.0.0.1:$port/health/live from the host: 200"
  body=$(in_image "$CONTAINER" -- openmeet-healthcheck "http://127.0.0.1:$port/health/live") ||
    die "the image's HEALTHCHECK command fails: $body"
  ok "the image's HEALTHCHECK command (openmeet-healthcheck): $body"
  wait_http "http://127.0.0.1:$public/health/live" 10 || die "/health/live does not answer 200 on :$public"
  ok "GET http://127.0.0.1:$public/health/live: 200"
  body=$(curl -s -w ' (HTTP %{http_code})' --max-time 10 "http://127.0.0.1:$port/health/ready")
  [[ $body == *'(HTTP 503)' && $body == *synapse* ]] || die "/health/ready should be 503 naming synapse without a homeserver, got: $body"
  ok "GET /health/ready without a homeserver: $body"

  # What the service wrote on the volume belongs to its user and nobody else.
  local owner
  owner=$(stat -c '%u %a' "$data/openmeet.db")
  [[ $owner == "$IMAGE_UID 600" ]] || die "openmeet.db is '$owner' (uid, mode), expected '$IMAGE_UID 600'"
  ok "/data/openmeet.db: uid $IMAGE_UID, mode 600; /data: mode $(stat -c %a "$data")"

  stop_service
  grep -q 'cannot run\|Unhandled' "$log" && die "the service logged a failure (see $log)"
  port_free "$port" || die "the service still answers on :$port after SIGTERM"
  ok "stopped by SIGTERM"
}

# ---------------------------------------------------------------- behind the dev stack's Synapse

check_dev() {
  local as_dir=$DEV/appservice config=$DEV/appservice/config.yaml log=$DEV/logs/appservice-image.log
  local reply APPSERVICE_ID AS_TOKEN APPSERVICE_PID HOMESERVER_URL
  [[ -f $config ]] || die "no $config: run synapse/dev.sh up first"
  # The stack's values as its contract gives them (APPSERVICE_ID, AS_TOKEN, APPSERVICE_PID, ...).
  # shellcheck source=/dev/null
  source <(bash "$REPO/synapse/dev.sh" env)
  curl -fsS -o /dev/null --max-time 3 "$HOMESERVER_URL/health" || die "the dev stack's Synapse does not answer: run synapse/dev.sh up first"
  check_basics

  # The stack's config and data (absolute paths under .dev/appservice) at the same path in the
  # image, lent to the image's user for the run. At exit (unless --keep) the folder goes back to its
  # owner and synapse/dev.sh up starts the stack's own service again, also after a failed check.
  dev_owner=$(stat -c %u:%g "$as_dir") # global: handed_back runs at exit
  handed_back() {
    chown -R "$dev_owner" "$DEV/appservice"
    say "starting the dev stack's own service again: synapse/dev.sh up"
    bash "$REPO/synapse/dev.sh" up >/dev/null
  }
  after_stop=handed_back

  # The stack's own service (dev.sh runs it from .dev/bin) gives the ports up.
  if [[ -n $APPSERVICE_PID ]]; then
    say "stopping the dev stack's service (pid $APPSERVICE_PID)"
    kill -TERM "$APPSERVICE_PID"
    for _ in $(seq 1 150); do kill -0 "$APPSERVICE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$APPSERVICE_PID" 2>/dev/null && die "the dev stack's service (pid $APPSERVICE_PID) did not stop"
  fi
  if ! { port_free 8009 && port_free 8010; }; then
    die "something else still answers on 8009 or 8010"
  fi

  chown -R "$IMAGE_UID:$IMAGE_UID" "$as_dir"

  say "starting the image's service with $config (log: $log)"
  in_image -v "$as_dir:$as_dir" --workingdir "$as_dir" "$CONTAINER" -- openmeet-appservice -c "$config" >"$log" 2>&1 &
  runner=$!
  wait_http http://127.0.0.1:8009/health/live 60 || { tail -n 30 "$log" >&2; die "/health/live does not answer on :8009"; }
  ok "GET http://127.0.0.1:8009/health/live: 200"
  wait_http http://127.0.0.1:8009/health/ready 60 ||
    die "/health/ready is not 200 after 60 s: $(curl -s --max-time 5 http://127.0.0.1:8009/health/ready)"
  ok "GET http://127.0.0.1:8009/health/ready: $(curl -s --max-time 5 http://127.0.0.1:8009/health/ready)"

  # Synapse pings the service through the push API: the way its transactions come.
  reply=$(curl -sS --max-time 35 -X POST -H "Authorization: Bearer $AS_TOKEN" -H 'Content-Type: application/json' \
    -d '{}' -w ' (HTTP %{http_code})' "$HOMESERVER_URL/_matrix/client/v1/appservice/$APPSERVICE_ID/ping")
  [[ $reply == *duration_ms*'(HTTP 200)' ]] || die "Synapse's ping of the image's service: $reply"
  ok "Synapse pinged the image's service: $reply"

  if $keep; then
    kept=true
    say "the image's service runs (buildah run pid $runner, service pid $(service_pid "$runner")); once it is stopped,"
    say "chown -R $dev_owner $as_dir, then synapse/dev.sh up starts the stack's own service again"
    disown "$runner"
  fi
}

if [[ $mode == dev ]]; then check_dev; else check_alone; fi
say "container/check.sh $mode: all checks passed"
