#!/bin/bash
# The image's entrypoint (/usr/local/bin/openmeet-appservice): the service's own command line, with
# `-c "$OPENMEET_CONFIG"` added when the arguments name no config. So `docker run IMAGE` runs the
# service, `docker run IMAGE generate-registration -o /data/registration.yaml` fills the tokens of
# the same config, and `-c FILE` or --version work as they do outside a container.
set -euo pipefail

needs_config=true
for arg in "$@"; do
  case $arg in
    -c | --config | --version | --help | -h) needs_config=false ;;
  esac
done
if $needs_config; then
  set -- "$@" -c "${OPENMEET_CONFIG:?set OPENMEET_CONFIG to the config file, or pass -c CONFIG}"
fi
exec /app/OpenMeet.AppService "$@"
