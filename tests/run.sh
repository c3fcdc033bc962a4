#!/usr/bin/env bash
# Builds everything and runs every test: the unit tests, then the end-to-end tests against a real
# Synapse that synapse/dev.sh installs (first time: a few minutes) and starts, or reuses.
# Ends with one line "Tests: N passed, N failed" and a non-zero exit if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.dev/test-results
rm -rf "$results"
mkdir -p "$results"

echo "==> build (warnings are errors)"
dotnet build OpenMeet.AppService.sln -nologo -v q || { echo "Tests: 0 passed, 1 failed"; exit 1; }

status=0
echo "==> unit tests"
dotnet test tests/AppService.Tests --no-build -nologo --logger "trx;LogFileName=unit.trx" --results-directory "$results" || status=1
dotnet test tests/Oidc.Tests --no-build -nologo --logger "trx;LogFileName=oidc.trx" --results-directory "$results" || status=1

echo "==> the stack: synapse/dev.sh up"
if ! bash synapse/dev.sh up; then
  echo "synapse/dev.sh up failed: the end-to-end tests cannot run" >&2
  echo "Tests: 0 passed, 1 failed"
  exit 1
fi

echo "==> end-to-end tests against the real Synapse"
dotnet test tests/EndToEnd.Tests --no-build -nologo --logger "trx;LogFileName=e2e.trx" --results-directory "$results" || status=1

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "Tests: $passed passed, $failed failed"
exit "$status"
