#!/usr/bin/env bash
# The fault suite at full size (docs/faults.md): SIGKILL of the service under real traffic, and
# Synapse stopped and hung in the middle of reconciling, against the real stack of synapse/dev.sh.
#
#   bash tests/faults.sh          20 kills, 60 s outages, 50 rooms (about 15 minutes here)
#   OPENMEET_FAULT_KILLS=3 OPENMEET_FAULT_OUTAGE_SECONDS=15 OPENMEET_FAULT_ROOMS=20 bash tests/faults.sh
#
# Prints the figures of each test and writes them to .dev/fault-results/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
export OPENMEET_FAULT_KILLS=${OPENMEET_FAULT_KILLS:-20}
export OPENMEET_FAULT_OUTAGE_SECONDS=${OPENMEET_FAULT_OUTAGE_SECONDS:-60}
export OPENMEET_FAULT_ROOMS=${OPENMEET_FAULT_ROOMS:-50}
out=.dev/fault-results
rm -rf "$out"
mkdir -p "$out"

echo "==> build (warnings are errors)"
dotnet build tests/EndToEnd.Tests -nologo -v q || { echo "Faults: the tests do not build"; exit 1; }
echo "==> the stack: synapse/dev.sh up"
bash synapse/dev.sh up || { echo "Faults: synapse/dev.sh up failed"; exit 1; }

echo "==> fault tests: $OPENMEET_FAULT_KILLS kills, ${OPENMEET_FAULT_OUTAGE_SECONDS} s outages, $OPENMEET_FAULT_ROOMS rooms"
status=0
dotnet test tests/EndToEnd.Tests --no-build -nologo --filter "Category=Faults" \
  --logger "trx;LogFileName=faults.trx" --results-directory "$out" || status=1

{
  echo "Fault suite, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores: $OPENMEET_FAULT_KILLS kills, ${OPENMEET_FAULT_OUTAGE_SECONDS} s outages, $OPENMEET_FAULT_ROOMS rooms"
  for f in "$out"/*.txt; do
    [[ $f == */summary.txt ]] && continue
    echo
    cat "$f"
  done
  echo
  if counters=$(grep -o '<Counters [^>]*>' "$out/faults.trx" 2>/dev/null); then
    echo "Faults: $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters") passed, $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters") failed"
  else
    echo "Faults: 0 passed, 1 failed (no test results)"
  fi
} >"$out/summary.tmp"
mv "$out/summary.tmp" "$out/summary.txt"
cat "$out/summary.txt"
exit "$status"
