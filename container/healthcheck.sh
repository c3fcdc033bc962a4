#!/bin/bash
# The image's HEALTHCHECK (/usr/local/bin/openmeet-healthcheck [URL]): GET URL, by default
# $OPENMEET_HEALTHCHECK_URL (http://127.0.0.1:8009/health/live), must answer 200. Bash's /dev/tcp
# speaks the HTTP, so the image needs neither curl nor wget. The URL must be a listener serving the
# `health` resource; /health/ready instead of /health/live also asks for Synapse and its ping, the
# database, the inbox and the dispatcher (see the README, "Health, failures and exit codes").
set -euo pipefail

url=${1:-${OPENMEET_HEALTHCHECK_URL:-http://127.0.0.1:8009/health/live}}
if [[ ! $url =~ ^http://([^/:]+|\[[0-9a-fA-F:.]+\]):([0-9]+)(/.*)$ ]]; then
  echo "openmeet-healthcheck: expected http://HOST:PORT/PATH, got '$url'" >&2
  exit 2
fi
host=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]} path=${BASH_REMATCH[3]}
host=${host#[}
host=${host%]}

{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || { echo "openmeet-healthcheck: nothing listens on $host:$port"; exit 1; }
printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$port" >&3
status=""
IFS= read -r -t 4 status <&3 || true
status=${status%$'\r'}
echo "$url: ${status:-no answer}"
[[ $status =~ ^HTTP/1\.[01]\ 200( |$) ]]
