#!/usr/bin/env bash
# The Dockerfile (official .NET images) and container/Containerfile (the Debian base built here)
# must make the same final image: same user, files, environment, volume, ports, health check and
# entrypoint. Compares their final stages, from the "--- final stage" line on, but for the one
# line that differs on purpose: where /app comes from (the build stage, or the build context).
set -euo pipefail
cd "$(dirname "$0")/.."

final_stage() { sed -n '/^# --- final stage/,$p' "$1" | grep -Ev '^COPY (--from=build /app|app/) /app/?$'; }

if ! diff -u <(final_stage Dockerfile) <(final_stage container/Containerfile); then
  echo "stages-agree.sh: the final stages of Dockerfile and container/Containerfile differ (above)" >&2
  exit 1
fi
[[ -n $(final_stage Dockerfile) ]] || { echo "stages-agree.sh: no '# --- final stage' line in Dockerfile" >&2; exit 1; }
echo "Dockerfile and container/Containerfile: same final stage"
