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

# The container image's ingredients, counted as three tests so the image cannot rot unnoticed: the
# release publish it is made from (container/publish.sh: self-contained, runtime packs from NuGet),
# that publish starting (--version), and the Dockerfile and container/Containerfile still making the
# same final stage. Building and running the image itself needs buildah and a Debian base:
# container/build.sh && container/check.sh, by hand (see docs/deployment.md).
echo "==> the image's release publish (container/publish.sh)"
image_passed=0
image_failed=0
publish=.dev/image/ci-publish
for check in "bash container/publish.sh $publish" "$publish/OpenMeet.AppService --version" "bash container/stages-agree.sh"; do
  if $check; then
    image_passed=$((image_passed + 1))
  else
    echo "FAILED: $check" >&2
    image_failed=$((image_failed + 1))
    status=1
  fi
done
rm -rf "$publish"

# --demo as a newcomer runs it: the demo community, and the stand-in for OpenMeet's login page that
# the browser test signs in through.
echo "==> the stack: synapse/dev.sh up --demo"
if ! bash synapse/dev.sh up --demo; then
  echo "synapse/dev.sh up --demo failed: the end-to-end tests cannot run" >&2
  echo "Tests: 0 passed, 1 failed"
  exit 1
fi

echo "==> end-to-end tests against the real Synapse"
dotnet test tests/EndToEnd.Tests --no-build -nologo --filter "Category!=Faults" --logger "trx;LogFileName=e2e.trx" --results-directory "$results" || status=1

# The fault suite in a bounded form (a few minutes), in both lanes; bash tests/faults.sh runs it at full size.
bounded=(OPENMEET_FAULT_KILLS=3 OPENMEET_FAULT_OUTAGE_SECONDS=15 OPENMEET_FAULT_ROOMS=20)
echo "==> fault tests, bounded: 3 kills, 15 s outages, 20 rooms"
env "${bounded[@]}" \
  dotnet test tests/EndToEnd.Tests --no-build -nologo --filter "Category=Faults" --logger "trx;LogFileName=faults.trx" --results-directory "$results" || status=1

echo "==> SSO clients: openid-client and Chromium (tests/sso-clients) against the same stack"
tap="$results/sso-clients.tap"
if npm ci --prefix tests/sso-clients --no-audit --no-fund --loglevel=error >/dev/null; then
  (set -a; source <(bash synapse/dev.sh env); set +a; node --test --test-reporter=tap tests/sso-clients/*.test.mjs) >"$tap" || status=1
  grep -E '^ *not ok |^# (tests|pass|fail|todo) ' "$tap"
else
  echo "npm ci --prefix tests/sso-clients failed: the SSO client tests cannot run" >&2
  echo "# fail 1" >"$tap"
  status=1
fi

# The second lane: the same stack with the issuer as Synapse's matrix_authentication_service
# (next-generation auth): the end-to-end suite again (but for legacy SSO's own tests, Lane=sso), the
# bounded fault suite (the service it kills and restarts is the issuer too), and
# matrix-js-sdk and openid-client against it.
echo "==> auth-service lane: synapse/dev.sh up --demo --auth-service, the end-to-end and fault tests, matrix-js-sdk and openid-client (tests/sso-clients/auth-service)"
mas_tap="$results/auth-service.tap"
if bash synapse/dev.sh up --demo --auth-service; then
  OPENMEET_E2E_AUTH_SERVICE=1 dotnet test tests/EndToEnd.Tests --no-build -nologo --filter "Category!=Faults&Lane!=sso" \
    --logger "trx;LogFileName=e2e-auth-service.trx" --results-directory "$results" || status=1
  echo "==> fault tests in the auth-service lane, bounded: 3 kills, 15 s outages, 20 rooms"
  env OPENMEET_E2E_AUTH_SERVICE=1 "${bounded[@]}" dotnet test tests/EndToEnd.Tests --no-build -nologo --filter "Category=Faults" \
    --logger "trx;LogFileName=faults-auth-service.trx" --results-directory "$results" || status=1
  (set -a; source <(bash synapse/dev.sh env); set +a; node --test --test-reporter=tap tests/sso-clients/auth-service/*.test.mjs) >"$mas_tap" || status=1
  grep -E '^ *not ok |^# (tests|pass|fail|todo) ' "$mas_tap"
else
  echo "synapse/dev.sh up --demo --auth-service failed: the auth-service lane cannot run" >&2
  echo "# fail 1" >"$mas_tap"
  status=1
fi

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
for file in "$tap" "$mas_tap"; do
  passed=$((passed + $(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$file" | tail -n 1 | grep . || echo 0)))
  failed=$((failed + $(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$file" | tail -n 1 | grep . || echo 0)))
done
passed=$((passed + image_passed))
failed=$((failed + image_failed))
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "Tests: $passed passed, $failed failed"
exit "$status"
