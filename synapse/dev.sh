#!/usr/bin/env bash
# The dev stack on loopback: a real Synapse (Debian sid in a chroot, no Docker) and the appservice.
#
#   synapse/dev.sh up [--demo] [--auth-service]
#                                start everything (idempotent; first run installs Synapse, ~4 min);
#                                --demo adds a demo community and a stand-in for OpenMeet's login page;
#                                --auth-service runs the issuer as Synapse's matrix_authentication_service
#                                (next-generation auth) instead of legacy SSO; up without it goes back
#   synapse/dev.sh env           print KEY=value lines: source <(synapse/dev.sh env)
#   synapse/dev.sh status        what runs, where, and whether Synapse's ping of the appservice works
#   synapse/dev.sh logs          follow both logs
#   synapse/dev.sh down [--wipe] stop what `up` started; --wipe also deletes .dev (not the chroot)
#
# State lives in <repo>/.dev; the Synapse chroot is shared between clones in the cache dir.
set -Eeuo pipefail
# Never fail silently: say which command stopped the script.
trap 'echo "dev.sh: stopped at line $LINENO: $BASH_COMMAND" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$REPO/synapse
DEV=$REPO/.dev
SYN_DIR=$DEV/synapse
AS_DIR=$DEV/appservice
AS_CONFIG=$AS_DIR/config.yaml
SERVICE=(dotnet "$DEV/bin/OpenMeet.AppService.dll")
SECRETS=$DEV/secrets.env
LOGS=$DEV/logs
PIDS=$DEV/pids

CACHE=${OPENMEET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/openmeet-appservice}
ROOT=$CACHE/synapse-root

SERVER_NAME=openmeet.localhost
HOMESERVER_URL=http://127.0.0.1:8008
APPSERVICE_URL=http://127.0.0.1:8009
PUBLIC_URL=http://127.0.0.1:8010
ADMIN_USER=operator
ADMIN_MXID=@$ADMIN_USER:$SERVER_NAME
JWT_ISSUER=openmeet-dev
JWT_AUDIENCE=openmeet-matrix
# Where "Sign in with OpenMeet" sends people: with --demo, a stand-in for OpenMeet's login page
# (synapse/openmeet-login.mjs) listens there; without it nothing does (tests play OpenMeet).
OPENMEET_LOGIN_PORT=8011
OPENMEET_LOGIN_URL=http://127.0.0.1:$OPENMEET_LOGIN_PORT/matrix-login

# The issuer's oidc.mode the stack runs in: sso, or matrix_auth_service (up --auth-service). Kept in
# .dev/mode, so env, status and a later up without the flag know it.
MODE=sso
[[ ! -f $DEV/mode ]] || MODE=$(<"$DEV/mode")

# What /proc/PID/cmdline must contain for a pid file to count as ours.
declare -A CMDLINE_MARK=([appservice]=OpenMeet.AppService.dll [synapse]=synapse.app.homeserver [openmeet-login]=openmeet-login.mjs)

say() { printf '==> %s\n' "$*"; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $EUID -eq 0 ]] || die "'$1' needs root (it uses chroot and mount): run it with sudo"; }
need_cmd() { command -v "$1" >/dev/null || die "'$1' is not installed; $2"; }
random_hex() { openssl rand -hex 32 2>/dev/null || od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }

# ---------------------------------------------------------------- secrets and config values

secret() { [[ ! -f $SECRETS ]] || sed -n "s/^$1=//p" "$SECRETS" | tail -n 1; }

save_secret() {
  local others=""
  [[ -f $SECRETS ]] && others=$(grep -v "^$1=" "$SECRETS" || true)
  (umask 077; printf '%s\n' "${others:+$others}" "$1=$2" | sed '/^$/d' >"$SECRETS")
}

ensure_secrets() {
  local key
  for key in REGISTRATION_SHARED_SECRET MACAROON_SECRET_KEY FORM_SECRET ADMIN_PASSWORD OPENMEET_JWT_SECRET LOGIN_JWT_SECRET OIDC_CLIENT_SECRET OIDC_RP_SECRET \
    MAS_SECRET MAS_ADMIN_TOKEN; do
    [[ -n $(secret "$key") ]] || save_secret "$key" "$(random_hex)"
  done
}

# yaml_get SECTION KEY FILE: the value of a top-level section's key in a block-style YAML file.
yaml_get() {
  awk -v section="$1" -v key="$2" '
    /^[^[:space:]#]/ { inside = ($0 ~ "^" section ":") }
    inside && $0 ~ "^[[:space:]]+" key ":" {
      sub("^[[:space:]]+" key ":[[:space:]]*", ""); sub(/[[:space:]]+#.*$/, "")
      gsub(/^["\047]|["\047]$/, ""); print; exit
    }' "$3"
}

# yaml_set SECTION KEY VALUE FILE: replace that key's value in place (the key must exist).
yaml_set() {
  local tmp=$4.tmp
  awk -v section="$1" -v key="$2" -v value="$3" '
    /^[^[:space:]#]/ { inside = ($0 ~ "^" section ":") }
    inside && !done && $0 ~ "^[[:space:]]+" key ":" {
      match($0, "^[[:space:]]+"); $0 = substr($0, 1, RLENGTH) key ": \"" value "\""; done = 1
    }
    { print }' "$4" >"$tmp"
  chmod 600 "$tmp" && mv "$tmp" "$4"
}

# render TEMPLATE OUT NAME=VALUE...: fill @@NAME@@ placeholders; every one must get a value.
render() {
  local template=$1 out=$2 text pair
  shift 2
  text=$(<"$template")
  for pair in "$@"; do
    text=${text//"@@${pair%%=*}@@"/"${pair#*=}"}
  done
  # Only this mode's sections: "# mode X {" ... "# mode X }".
  text=$(awk -v mode="$MODE" '
    /^[[:space:]]*# mode [a-z_]+ [{]$/ { skip = ($3 != mode); next }
    /^[[:space:]]*# mode [a-z_]+ [}]$/ { skip = 0; next }
    !skip' <<<"$text")
  [[ ! $text =~ @@[A-Z_]+@@ ]] || die "$template: no value for ${BASH_REMATCH[0]}"
  (umask 077; printf '%s\n' "$text" >"$out")
}

# ---------------------------------------------------------------- processes

# pid_of NAME: the pid from .dev/pids/NAME.pid if that process is alive and is ours.
pid_of() {
  local file=$PIDS/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "${CMDLINE_MARK[$1]}" || return 1
  echo "$pid"
}

# start_daemon NAME DIR COMMAND...: run COMMAND in DIR in its own session, logs to .dev/logs.
start_daemon() {
  local name=$1 dir=$2 log=$LOGS/$1.log
  shift 2
  printf '\n===== %s dev.sh starts %s =====\n' "$(date -Is)" "$name" >>"$log"
  # A background job of a script is not a process group leader, so setsid does not fork and
  # every exec keeps the pid: $! is the pid of COMMAND itself.
  (cd "$dir" && exec nohup setsid "$@" </dev/null >>"$log" 2>&1) &
  echo $! >"$PIDS/$name.pid"
}

stop_daemon() {
  local name=$1 pid i
  if pid=$(pid_of "$name"); then
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop within 15 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_http NAME URL SECONDS: wait for URL to answer 2xx while NAME's process lives.
wait_http() {
  local name=$1 url=$2 deadline=$((SECONDS + $3)) pid
  pid=$(<"$PIDS/$name.pid")
  until http_ok "$url"; do
    # kill -0, not pid_of: until nohup and setsid have exec'd into the command (slow on a busy
    # machine), the pid's cmdline is theirs, and pid_of would call a starting process dead.
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDS/$name.pid"
      tail -n 40 "$LOGS/$name.log" >&2
      die "$name exited during start (log above, full log: $LOGS/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$LOGS/$name.log" >&2
      die "$name did not answer $url within $3 s (log above, full log: $LOGS/$name.log)"
    fi
    sleep 0.5
  done
}

# check_ports_free "PORT...": each must be free.
check_ports_free() {
  local port users
  for port in $1; do
    users=$(ss -ltnpH "sport = :$port")
    [[ -z $users ]] || die "port $port is already in use: ${users##* } (stop that process first)"
  done
}

# ---------------------------------------------------------------- the Synapse chroot

chroot_works() { [[ -x $1/usr/bin/python3 ]] && chroot "$1" python3 -c 'import synapse, authlib' 2>/dev/null; }

# unmount_chroot DIR: take /data and /proc off a chroot (lazily if busy).
unmount_chroot() {
  local mnt
  for mnt in "$1/data" "$1/proc"; do
    if mountpoint -q "$mnt"; then
      umount "$mnt" 2>/dev/null || umount -l "$mnt"
    fi
  done
}

build_chroot() {
  local tmp=$ROOT.tmp log=$CACHE/install.log
  mkdir -p "$CACHE"
  : >"$log"
  say "installing Synapse from Debian sid into $ROOT"
  say "first run only: takes about 4 minutes and 560 MB; details go to $log"
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap (apt-get)"
    apt-get install -y debootstrap >>"$log" 2>&1 ||
      { apt-get update >>"$log" 2>&1 && apt-get install -y debootstrap >>"$log" 2>&1; } ||
      die "could not install debootstrap (see $log)"
  fi
  unmount_chroot "$tmp"
  rm -rf --one-file-system "$tmp"
  say "debootstrap: downloading and unpacking matrix-synapse and its dependencies"
  # Its exit code is nonzero on sid: --include does not resolve the virtual
  # python3-cffi-backend-api-* packages. The two apt-get runs below fix that.
  debootstrap --variant=minbase --include=matrix-synapse,python3-authlib \
    sid "$tmp" http://deb.debian.org/debian >>"$log" 2>&1 ||
    say "debootstrap reported an error (expected on sid); finishing the install with apt-get"
  [[ -x $tmp/usr/bin/apt-get ]] || { tail -n 20 "$log" >&2; die "debootstrap failed (log: $log)"; }
  mount -t proc proc "$tmp/proc"
  if ! { chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -f python3-cffi-backend &&
    chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -f; } >>"$log" 2>&1 ||
    ! chroot_works "$tmp"; then
    unmount_chroot "$tmp"
    tail -n 20 "$log" >&2
    die "Synapse does not import in $tmp (log: $log)"
  fi
  unmount_chroot "$tmp"
  if [[ -d $ROOT ]]; then
    unmount_chroot "$ROOT"
    rm -rf --one-file-system "$ROOT"
  fi
  mv "$tmp" "$ROOT"
  date -u +%FT%TZ >"$ROOT/.openmeet-ready"
  # shellcheck disable=SC2016 # ${Version} is dpkg-query's field, not a shell variable
  say "Synapse $(chroot "$ROOT" dpkg-query -W -f '${Version}' matrix-synapse) installed"
}

ensure_chroot() {
  if [[ -f $ROOT/.openmeet-ready ]] && chroot_works "$ROOT"; then
    return
  fi
  [[ ! -f $ROOT/.openmeet-ready ]] || say "the Synapse chroot at $ROOT is broken: rebuilding it"
  build_chroot
}

# The clone's .dev/synapse is /data inside the chroot.
mount_chroot() {
  mkdir -p "$ROOT/data"
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  if mountpoint -q "$ROOT/data"; then
    [[ $(stat -c %d:%i "$ROOT/data") != $(stat -c %d:%i "$SYN_DIR") ]] || return 0
    say "$ROOT/data was bound to another directory: binding it to $SYN_DIR"
    umount "$ROOT/data" 2>/dev/null || umount -l "$ROOT/data"
  fi
  mount --bind "$SYN_DIR" "$ROOT/data"
  echo "$ROOT" >"$DEV/chroot.path" # for `down`, even if OPENMEET_CACHE_DIR changes meanwhile
}

# Leaves /proc mounted while another clone's Synapse still runs in the chroot.
unmount_ours() {
  local p
  if mountpoint -q "$ROOT/data" && [[ $(stat -c %d:%i "$ROOT/data") == $(stat -c %d:%i "$SYN_DIR" 2>/dev/null) ]]; then
    umount "$ROOT/data" 2>/dev/null || umount -l "$ROOT/data"
  fi
  mountpoint -q "$ROOT/proc" || return 0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) != "$ROOT" ]] || return 0
  done
  umount "$ROOT/proc" 2>/dev/null || umount -l "$ROOT/proc"
}

# ---------------------------------------------------------------- writing the stack's files

# When the service's own assemblies were last written: any of them changing means a restart.
built_stamp() { stat -c %Y "$DEV"/bin/OpenMeet.*.dll 2>/dev/null | sort -n | tail -n 1 || true; }

build_service() {
  say "building the appservice (log: $LOGS/build.log)"
  if ! (cd "$REPO" && dotnet build src/AppService -c Release -o "$DEV/bin" -v q -nologo) >"$LOGS/build.log" 2>&1; then
    tail -n 30 "$LOGS/build.log" >&2
    die "the appservice does not build (log above, full log: $LOGS/build.log)"
  fi
}

# Rendered from the template at every start (so a newer template reaches an existing stack); the
# tokens generate-registration put into the previous file are carried over.
write_appservice_config() {
  mkdir -p "$AS_DIR/data"
  local key as_token="" hs_token="" internal_token=""
  if [[ -f $AS_CONFIG ]]; then
    as_token=$(yaml_get appservice as_token "$AS_CONFIG")
    hs_token=$(yaml_get appservice hs_token "$AS_CONFIG")
    internal_token=$(yaml_get internal token "$AS_CONFIG")
  fi
  render "$TEMPLATES/appservice.config.yaml.template" "$AS_CONFIG" \
    SERVER_NAME="$SERVER_NAME" HOMESERVER_URL="$HOMESERVER_URL" APPSERVICE_URL="$APPSERVICE_URL" PUBLIC_URL="$PUBLIC_URL" \
    DATABASE_PATH="$AS_DIR/data/openmeet.db" ADMIN_MXID="$ADMIN_MXID" ADMIN_TOKEN="$(admin_token)" \
    LOGIN_JWT_SECRET="$(secret LOGIN_JWT_SECRET)" OPENMEET_JWT_SECRET="$(secret OPENMEET_JWT_SECRET)" \
    OPENMEET_JWT_ISSUER="$JWT_ISSUER" OPENMEET_JWT_AUDIENCE="$JWT_AUDIENCE" OIDC_CLIENT_SECRET="$(secret OIDC_CLIENT_SECRET)" \
    OIDC_RP_SECRET="$(secret OIDC_RP_SECRET)" OPENMEET_LOGIN_URL="$OPENMEET_LOGIN_URL" \
    OIDC_MODE="$MODE" MAS_SECRET="$(secret MAS_SECRET)" ADMIN_USER="$ADMIN_USER"
  for key in as_token:appservice:$as_token hs_token:appservice:$hs_token token:internal:$internal_token; do
    IFS=: read -r name section value <<<"$key"
    [[ -z $value ]] || yaml_set "$section" "$name" "$value" "$AS_CONFIG"
  done
}

generate_registration() {
  if ! "${SERVICE[@]}" generate-registration -c "$AS_CONFIG" -o "$SYN_DIR/registration.yaml" >"$LOGS/registration.log" 2>&1; then
    cat "$LOGS/registration.log" >&2
    die "generate-registration failed for $AS_CONFIG"
  fi
  chmod 600 "$AS_CONFIG" "$SYN_DIR/registration.yaml"
}

write_synapse_config() {
  mkdir -p "$SYN_DIR/media"
  render "$TEMPLATES/homeserver.yaml.template" "$SYN_DIR/homeserver.yaml" \
    SERVER_NAME="$SERVER_NAME" REGISTRATION_SHARED_SECRET="$(secret REGISTRATION_SHARED_SECRET)" \
    MACAROON_SECRET_KEY="$(secret MACAROON_SECRET_KEY)" FORM_SECRET="$(secret FORM_SECRET)" \
    LOGIN_JWT_SECRET="$(secret LOGIN_JWT_SECRET)" OIDC_CLIENT_SECRET="$(secret OIDC_CLIENT_SECRET)" PUBLIC_URL="$PUBLIC_URL" \
    MAS_SECRET="$(secret MAS_SECRET)"
  # Logs go to stdout, which dev.sh sends to .dev/logs/synapse.log.
  cat >"$SYN_DIR/log.yaml" <<'EOF'
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
    stream: ext://sys.stdout
loggers:
  synapse.storage.SQL:
    level: INFO
root:
  level: INFO
  handlers: [console]
disable_existing_loggers: false
EOF
  if [[ ! -f $SYN_DIR/signing.key ]]; then
    say "generating Synapse's signing key"
    chroot "$ROOT" python3 -m synapse.app.homeserver -c /data/homeserver.yaml --generate-keys \
      >>"$LOGS/synapse.log" 2>&1 || die "could not generate the signing key (see $LOGS/synapse.log)"
  fi
}

# ---------------------------------------------------------------- talking to Synapse

whoami_ok() {
  [[ -n $1 ]] && curl -fsS -o /dev/null --max-time 5 -H "Authorization: Bearer $1" \
    "$HOMESERVER_URL/_matrix/client/v3/account/whoami" 2>/dev/null
}

# The server admin's token: Synapse's own, or in auth-service mode one the issuer introspects as
# the admin (oidc.matrix_auth_service.admin_user: there is no admin login then).
admin_token() {
  if [[ $MODE == matrix_auth_service ]]; then secret MAS_ADMIN_TOKEN; else secret ADMIN_ACCESS_TOKEN; fi
}

# mas_post CALL JSON: a call of Synapse's /_synapse/mas/ API with the shared secret that must answer 200 or 201.
mas_post() {
  local reply
  reply=$(curl -sS --max-time 10 -w '\n%{http_code}' -H "Authorization: Bearer $(secret MAS_SECRET)" -H 'Content-Type: application/json' \
    -d "$2" "$HOMESERVER_URL/_synapse/mas/$1" 2>&1 || true)
  [[ $reply == *$'\n200' || $reply == *$'\n201' ]] || die "/_synapse/mas/$1 for $ADMIN_MXID failed: $(describe_reply "$reply")"
}

# login_jwt LOCALPART: a token for Synapse's JWT login (jwt_config), as the credential API makes them.
login_jwt() {
  local now body
  now=$(date +%s)
  part() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
  body="$(part '{"alg":"HS256","typ":"JWT"}').$(part "{\"sub\":\"$1\",\"iss\":\"openmeet-appservice\",\"aud\":\"synapse\",\"iat\":$now,\"exp\":$((now + 60))}")"
  printf '%s.%s' "$body" "$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$(secret LOGIN_JWT_SECRET)" -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')"
}

# The server admin with its password, made with the registration shared secret unless it exists.
register_admin() {
  (umask 077; printf '%s' "$(secret ADMIN_PASSWORD)" >"$SYN_DIR/.admin-password")
  if ! chroot "$ROOT" synapse_register_new_matrix_user -c /data/homeserver.yaml -u "$ADMIN_USER" \
    --password-file /data/.admin-password --admin --exists-ok "$HOMESERVER_URL" >"$LOGS/admin.log" 2>&1; then
    rm -f "$SYN_DIR/.admin-password"
    cat "$LOGS/admin.log" >&2
    die "could not create $ADMIN_MXID"
  fi
  rm -f "$SYN_DIR/.admin-password"
}

# The server admin `operator`, created with the registration shared secret; its token is kept. In
# auth-service mode the account is provisioned through /_synapse/mas/ and the token is ours.
ensure_admin() {
  local token password reply
  token=$(admin_token)
  if [[ $MODE == matrix_auth_service ]]; then
    mas_post provision_user "{\"localpart\": \"$ADMIN_USER\"}"
    # The admin token's device (the service makes it at start too): Synapse sends events only for a token with one.
    mas_post upsert_device "{\"localpart\": \"$ADMIN_USER\", \"device_id\": \"OPENMEETSERVICE\"}"
  elif ! whoami_ok "$token"; then
    say "creating or signing in the server admin $ADMIN_MXID"
    register_admin
    password=$(secret ADMIN_PASSWORD)
    reply=$(curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary @- \
      "$HOMESERVER_URL/_matrix/client/v3/login" <<EOF
{"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "$ADMIN_USER"},
 "password": "$password", "initial_device_display_name": "dev.sh"}
EOF
    )
    token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' <<<"$reply")
    if [[ -z $token ]]; then
      # Made by an --auth-service stack first, the admin has no password: the JWT login lets it in.
      reply=$(curl -sS --max-time 10 -H 'Content-Type: application/json' \
        -d "{\"type\": \"org.matrix.login.jwt\", \"token\": \"$(login_jwt "$ADMIN_USER")\", \"initial_device_display_name\": \"dev.sh\"}" \
        "$HOMESERVER_URL/_matrix/client/v3/login" 2>&1 || true)
      token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' <<<"$reply")
    fi
    [[ -n $token ]] || die "login as $ADMIN_MXID failed: $reply"
    save_secret ADMIN_ACCESS_TOKEN "$token"
  fi
  # The service uses this token for Synapse's admin API; restart it if it had another one.
  if [[ $(yaml_get homeserver admin_token "$AS_CONFIG") != "$token" ]]; then
    yaml_set homeserver admin_token "$token" "$AS_CONFIG"
    say "restarting the appservice with the admin token"
    stop_daemon appservice
    start_appservice
  fi
  if [[ $MODE == matrix_auth_service ]]; then
    # Synapse's admin flag too (provisioning does not set it), for an `up` without --auth-service later.
    reply=$(curl -sS --max-time 10 -X PUT -w '\n%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d '{"admin": true}' "$HOMESERVER_URL/_synapse/admin/v2/users/$ADMIN_MXID" 2>&1 || true)
    [[ $reply == *$'\n200' ]] || die "making $ADMIN_MXID Synapse's admin failed: $(describe_reply "$reply")"
  fi
}

# ping_reply: Synapse's answer to pinging the appservice, then its HTTP status on the last line.
ping_reply() {
  local id token
  id=$(yaml_get appservice id "$AS_CONFIG")
  token=$(yaml_get appservice as_token "$AS_CONFIG")
  curl -sS --max-time 35 -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{}' -w '\n%{http_code}' "$HOMESERVER_URL/_matrix/client/v1/appservice/$id/ping" 2>&1 || true
}

ping_ok() { [[ $1 == *$'\n200' && $1 == *'"duration_ms"'* ]]; }
describe_reply() { printf '%s (HTTP %s)' "${1%$'\n'*}" "${1##*$'\n'}"; }

wait_for_ping() {
  local reply deadline=$((SECONDS + 60))
  until reply=$(ping_reply) && ping_ok "$reply"; do
    if ((SECONDS >= deadline)); then
      die "Synapse cannot ping the appservice after 60 s; last reply: $(describe_reply "$reply")"
    fi
    sleep 1
  done
  say "Synapse pinged the appservice: ${reply%$'\n'*}"
}

# The bot creates its management room (inviting the configured admins) once Synapse answers it;
# the server admin joins it, so ADMIN_ACCESS_TOKEN can give commands right away.
join_management_room() {
  local token room="" deadline=$((SECONDS + 60))
  token=$(yaml_get internal token "$AS_CONFIG")
  until [[ -n $room ]]; do
    room=$(curl -fsS --max-time 5 -H "Authorization: Bearer $token" "$APPSERVICE_URL/internal/status" 2>/dev/null |
      sed -n 's/.*"managementRoomId":"\([^"]*\)".*/\1/p')
    if [[ -z $room ]]; then
      ((SECONDS < deadline)) || die "the bot has no management room after 60 s (see $LOGS/appservice.log)"
      sleep 0.5
    fi
  done
  curl -fsS -o /dev/null --max-time 10 -X POST -H "Authorization: Bearer $(admin_token)" \
    -H 'Content-Type: application/json' -d '{}' "$HOMESERVER_URL/_matrix/client/v3/join/$room" ||
    die "$ADMIN_MXID could not join the management room $room"
  echo "$room" >"$DEV/management_room"
}

# internal_put PATH JSON: a PUT on the internal API that must succeed.
internal_put() {
  curl -fsS -o /dev/null --max-time 10 -X PUT -H "Authorization: Bearer $(yaml_get internal token "$AS_CONFIG")" \
    -H 'Content-Type: application/json' -d "$2" "$APPSERVICE_URL/internal/$1" || die "PUT /internal/$1 failed"
}

# A demo tenant: an event, a group, three people with handles. PUTs are idempotent, so loading it
# twice changes nothing.
load_demo() {
  say "loading the demo tenant"
  internal_put tenants/demo '{"name": "Demo community", "domain": "demo.openmeet.localhost"}'
  local who
  for who in alice:Alice bob:Bob carol:Carol; do
    internal_put "tenants/demo/users/${who%%:*}" "{\"name\": \"${who#*:} Demo\", \"handle\": \"${who%%:*}.demo\", \"password\": \"openmeet-demo\"}"
  done
  internal_put tenants/demo/events/launch-party '{"name": "Launch party", "visibility": "private", "topic": "Welcome to OpenMeet on Matrix"}'
  internal_put tenants/demo/groups/neighbours '{"name": "Neighbours", "visibility": "public"}'
  internal_put tenants/demo/events/launch-party/members/alice '{"role": "host"}'
  internal_put tenants/demo/events/launch-party/members/bob '{"role": "participant"}'
  internal_put tenants/demo/groups/neighbours/members/alice '{"role": "owner"}'
  internal_put tenants/demo/groups/neighbours/members/bob '{"role": "member"}'
  internal_put tenants/demo/groups/neighbours/members/carol '{"role": "member"}'
  say "demo: sign in from any Matrix client at $HOMESERVER_URL: \"Sign in with OpenMeet\" (the stand-in: community demo, person alice, bob or carol),"
  say "demo: or with a password: community \"Demo community\" (or demo.openmeet.localhost), user alice, bob or carol, password openmeet-demo"
  say "demo: @alice.demo, @bob.demo and @carol.demo in #openmeet_demo.event.launch-party:$SERVER_NAME and #openmeet_demo.group.neighbours:$SERVER_NAME"
}

# ---------------------------------------------------------------- commands

start_appservice() {
  say "starting the appservice"
  start_daemon appservice "$AS_DIR" "${SERVICE[@]}" -c "$AS_CONFIG"
  wait_http appservice "$APPSERVICE_URL/health" 60
}

start_synapse() {
  say "starting Synapse"
  start_daemon synapse / chroot "$ROOT" python3 -m synapse.app.homeserver -c /data/homeserver.yaml
  wait_http synapse "$HOMESERVER_URL/health" 120
}

# The stand-in for OpenMeet's login page (--demo): signs assertions with the stack's dev key.
start_openmeet_login() {
  if pid_of openmeet-login >/dev/null && http_ok "http://127.0.0.1:$OPENMEET_LOGIN_PORT/health"; then
    return
  fi
  need_cmd node "install Node.js 20 or later (apt-get install nodejs): the demo's OpenMeet login stand-in needs it"
  stop_daemon openmeet-login
  check_ports_free "$OPENMEET_LOGIN_PORT"
  say "starting the stand-in for OpenMeet's login page"
  STANDIN_PORT=$OPENMEET_LOGIN_PORT OIDC_ISSUER=$PUBLIC_URL/oidc OPENMEET_JWT_SECRET=$(secret OPENMEET_JWT_SECRET) OPENMEET_JWT_ISSUER=$JWT_ISSUER \
    start_daemon openmeet-login "$REPO" node "$TEMPLATES/openmeet-login.mjs"
  wait_http openmeet-login "http://127.0.0.1:$OPENMEET_LOGIN_PORT/health" 30
}

print_summary() {
  local login="not running (synapse/dev.sh up --demo starts it)"
  pid_of openmeet-login >/dev/null && login="$OPENMEET_LOGIN_URL   stand-in for OpenMeet's login (dev only)"
  cat <<EOF

The OpenMeet dev stack runs on loopback:
  Synapse      $HOMESERVER_URL   server_name $SERVER_NAME, pid $(pid_of synapse)
  appservice   $APPSERVICE_URL   push API, internal API, /metrics   pid $(pid_of appservice)
               $PUBLIC_URL   public API, OIDC issuer $PUBLIC_URL/oidc
  OpenMeet     $login
  sign-in      $([[ $MODE == matrix_auth_service ]] && echo "the issuer is Synapse's matrix_authentication_service (up --auth-service)" || echo "legacy SSO: the issuer is one of Synapse's oidc_providers")
  admin        $ADMIN_MXID (password and token in .dev/secrets.env)
  logs         $LOGS/synapse.log
               $LOGS/appservice.log   (synapse/dev.sh logs)

In a Matrix client (Element, FluffyChat, ...), type the homeserver URL $HOMESERVER_URL
(nothing serves .well-known for $SERVER_NAME here) and choose "Sign in with OpenMeet".
next: source <(synapse/dev.sh env)
EOF
}

cmd_up() {
  local demo=false mode=sso arg
  for arg in "$@"; do
    case $arg in
      --demo) demo=true ;;
      --auth-service) mode=matrix_auth_service ;;
      *) die "up: unknown option $arg" ;;
    esac
  done
  need_root up
  need_cmd dotnet "install the .NET 10 SDK (https://dot.net)"
  need_cmd curl "apt-get install curl"
  mkdir -p "$SYN_DIR" "$AS_DIR" "$LOGS" "$PIDS"

  local service_up=false synapse_up=false
  pid_of appservice >/dev/null && http_ok "$APPSERVICE_URL/health" && service_up=true
  pid_of synapse >/dev/null && http_ok "$HOMESERVER_URL/health" && synapse_up=true
  if [[ $mode != "$MODE" ]]; then
    # Both configs change, and Synapse reads the issuer's metadata once: both start again.
    say "switching the stack from $MODE to $mode"
    stop_daemon appservice
    stop_daemon synapse
    service_up=false
    synapse_up=false
    MODE=$mode
  fi
  echo "$MODE" >"$DEV/mode"
  # Always build (seconds when nothing changed): a running service from older sources is
  # replaced, so tests run the code in the checkout.
  local built
  built=$(built_stamp)
  build_service
  if $service_up && [[ $(built_stamp) != "$built" ]]; then
    say "the sources changed: restarting the appservice"
    stop_daemon appservice
    service_up=false
  fi
  if $service_up && $synapse_up; then
    say "the stack already runs"
  else
    # Start only what is missing: a running Synapse keeps its queue of transactions for us.
    $service_up || stop_daemon appservice
    $synapse_up || stop_daemon synapse
    check_ports_free "$($service_up || echo "8009 8010") $($synapse_up || echo 8008)"
    ensure_chroot
    mount_chroot
    ensure_secrets
    if ! $service_up; then
      write_appservice_config
      generate_registration
      start_appservice
    fi
    if ! $synapse_up; then
      write_synapse_config
      start_synapse
    fi
    ensure_admin
    wait_for_ping
  fi
  join_management_room
  if $demo; then
    start_openmeet_login
    load_demo
  fi
  print_summary
}

# env_line KEY VALUE: a line bash can source; quoted only when the value needs it.
env_line() {
  if [[ $2 =~ ^[A-Za-z0-9_./:@+=!-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf '%s=%q\n' "$1" "$2"
  fi
}

cmd_env() {
  [[ -f $AS_CONFIG && -f $SECRETS ]] || die "the dev stack was never set up here: run synapse/dev.sh up"
  env_line HOMESERVER_URL "$HOMESERVER_URL"
  env_line SERVER_NAME "$SERVER_NAME"
  env_line APPSERVICE_ID "$(yaml_get appservice id "$AS_CONFIG")"
  env_line APPSERVICE_URL "$APPSERVICE_URL"
  env_line INTERNAL_URL "$APPSERVICE_URL"
  env_line INTERNAL_TOKEN "$(yaml_get internal token "$AS_CONFIG")"
  env_line PUBLIC_URL "$PUBLIC_URL"
  env_line OIDC_ISSUER "$PUBLIC_URL/oidc"
  env_line OPENMEET_JWT_SECRET "$(secret OPENMEET_JWT_SECRET)"
  env_line OPENMEET_JWT_ISSUER "$JWT_ISSUER"
  env_line OPENMEET_JWT_AUDIENCE "$JWT_AUDIENCE"
  env_line OPENMEET_LOGIN_URL "$OPENMEET_LOGIN_URL"
  env_line AS_TOKEN "$(yaml_get appservice as_token "$AS_CONFIG")"
  env_line HS_TOKEN "$(yaml_get appservice hs_token "$AS_CONFIG")"
  env_line ADMIN_MXID "$ADMIN_MXID"
  env_line ADMIN_ACCESS_TOKEN "$(admin_token)"
  env_line OIDC_MODE "$MODE"
  env_line MAS_SECRET "$(secret MAS_SECRET)"
  env_line MANAGEMENT_ROOM_ID "$(cat "$DEV/management_room" 2>/dev/null || true)"
  env_line APPSERVICE_PID "$(pid_of appservice || true)"
  env_line SYNAPSE_PID "$(pid_of synapse || true)"
  env_line OIDC_TEST_CLIENT_ID e2e-rp
  env_line OIDC_TEST_CLIENT_SECRET "$(secret OIDC_RP_SECRET)"
  env_line OIDC_TEST_REDIRECT_URI http://127.0.0.1:8765/callback
  env_line DEV_DIR "$DEV"
  env_line APPSERVICE_LOG "$LOGS/appservice.log"
  env_line SYNAPSE_LOG "$LOGS/synapse.log"
}

# status_line NAME URL WHAT: whether NAME runs and its /health answers; fails if not.
status_line() {
  local pid
  if ! pid=$(pid_of "$1"); then
    printf '%-11s not running\n' "$1"
    return 1
  fi
  if ! http_ok "$2/health"; then
    printf '%-11s pid %s, but %s/health fails\n' "$1" "$pid" "$2"
    return 1
  fi
  printf '%-11s pid %s, healthy: %s\n' "$1" "$pid" "$3"
}

cmd_status() {
  local ok=true reply
  [[ -f $AS_CONFIG ]] || { echo "not set up: run synapse/dev.sh up"; return 1; }
  status_line appservice "$APPSERVICE_URL" \
    "$APPSERVICE_URL (push + internal API), $PUBLIC_URL (public API, OIDC)" || ok=false
  status_line synapse "$HOMESERVER_URL" "$HOMESERVER_URL (server_name $SERVER_NAME)" || ok=false
  if pid_of synapse >/dev/null; then
    reply=$(ping_reply)
    if ping_ok "$reply"; then
      echo "ping        Synapse reaches the appservice: ${reply%$'\n'*}"
    else
      echo "ping        fails: $(describe_reply "$reply")"
      ok=false
    fi
  fi
  if pid_of openmeet-login >/dev/null; then
    status_line openmeet-login "http://127.0.0.1:$OPENMEET_LOGIN_PORT" "$OPENMEET_LOGIN_URL (stand-in for OpenMeet's login)" || ok=false
  fi
  echo "logs        $LOGS/{synapse,appservice,openmeet-login}.log"
  $ok
}

cmd_logs() {
  [[ -d $LOGS ]] || die "no logs yet: run synapse/dev.sh up"
  exec tail -n 20 -F "$LOGS/synapse.log" "$LOGS/appservice.log"
}

cmd_down() {
  local wipe=false arg
  for arg in "$@"; do
    case $arg in
      --wipe) wipe=true ;;
      *) die "down: unknown option $arg" ;;
    esac
  done
  need_root down
  stop_daemon openmeet-login
  stop_daemon synapse
  stop_daemon appservice
  [[ ! -f $DEV/chroot.path ]] || ROOT=$(<"$DEV/chroot.path")
  [[ ! -d $ROOT ]] || unmount_ours
  if $wipe && [[ -d $DEV ]]; then
    ! mountpoint -q "$ROOT/data" || [[ $(stat -c %d:%i "$ROOT/data") != $(stat -c %d:%i "$SYN_DIR") ]] ||
      die "$ROOT/data is still bound to $SYN_DIR: not wiping"
    rm -rf --one-file-system "$DEV"
    say "deleted $DEV"
  fi
  say "the dev stack is down"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up) cmd_up "$@" ;;
    env) cmd_env ;;
    status) cmd_status ;;
    logs) cmd_logs ;;
    down) cmd_down "$@" ;;
    *) sed -n '4,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
  esac
}

main "$@"
