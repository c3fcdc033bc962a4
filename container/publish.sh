#!/usr/bin/env bash
# The release publish every image of the service is made from: self-contained for one runtime, so
# the image needs no .NET runtime of its own, only the libraries the runtime loads (libc, libssl,
# CA certificates). The Dockerfile, container/build.sh and CI (tests/run.sh) all call this script,
# so the options live in one place and CI notices when the publish breaks.
#
#   container/publish.sh OUTPUT_DIR [RID]     RID: linux-x64 (default) or linux-arm64
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: container/publish.sh OUTPUT_DIR [RID]}
rid=${2:-linux-x64}

# --artifacts-path keeps this build's obj/ and bin/ apart from the solution's (in .dev/image/, kept
# for the next publish), so a publish for one runtime never rewrites the project.assets.json a
# `dotnet build` or `dotnet test` next to it uses. The runtime packs (Microsoft.NETCore.App and
# Microsoft.AspNetCore.App for the RID) come from NuGet.
rm -rf "$out"
dotnet publish src/AppService -c Release -r "$rid" --self-contained -nologo -v q \
  --artifacts-path .dev/image/artifacts -p:SatelliteResourceLanguages=en -o "$out"

# The apphost and the registration template are what the image's entrypoint and
# generate-registration need; a publish without them would build an image that cannot start.
for f in OpenMeet.AppService registration.yaml.template; do
  [[ -e $out/$f ]] || { echo "publish.sh: $out/$f is missing" >&2; exit 1; }
done
echo "published $(du -sh "$out" | cut -f1) to $out ($rid, self-contained)"
