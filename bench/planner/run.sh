#!/usr/bin/env bash
# BenchmarkDotNet run of the reconciliation planner for a room of 5,000 members (issue 14: under 10 ms).
# BenchmarkDotNet's short job (3 warm-ups, 3 iterations, one process): about 2-3 minutes with its build.
#
#   bash bench/planner/run.sh                      # all cases, short job
#   bash bench/planner/run.sh --filter '*Drifted*' # any BenchmarkDotNet option replaces the defaults
#
# The table is printed and kept in bench/planner/last-run.md (git-ignored).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/openmeet-planner-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- --filter '*' --job short
dotnet run -c Release --project "$here" -- --artifacts "$work" "$@"
{
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/{print $2}') GiB, commit $(git -C "$here" rev-parse --short HEAD)"
  cat "$work"/results/*-report-github.md
} >"$here/last-run.md"
echo "kept in $here/last-run.md"
