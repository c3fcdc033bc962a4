#!/usr/bin/env bash
# Builds the service's image without a Docker engine or the official .NET images, from what a plain
# Debian machine reaches: a minimal Debian made with debootstrap (Debian's packages), imported into
# buildah as the base, the service published self-contained (the runtime packs come from NuGet),
# and container/Containerfile, whose final stage is the Dockerfile's, built with
# `buildah bud --isolation chroot`. container/check.sh then runs the image.
#
#   container/build.sh [--new-base] [--save FILE]
#     --new-base   debootstrap the base again (else the cached tarball and imported image are reused)
#     --save FILE  also write the image as a docker-archive: `docker load -i FILE` elsewhere
#
# Needs root (debootstrap, buildah's storage). The base tarball is cached outside the checkout, in
# ${OPENMEET_CACHE_DIR:-~/.cache/openmeet-appservice}/image-base/, so a rebuild takes about a minute:
# the first one adds a few minutes of debootstrap. Builds go to .dev/image/ of the checkout.
set -euo pipefail
trap 'echo "build.sh: stopped at line $LINENO: $BASH_COMMAND" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$REPO/.dev/image
CACHE=${OPENMEET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/openmeet-appservice}/image-base
SUITE=bookworm
MIRROR=${OPENMEET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_TAR=$CACHE/debian-$SUITE-minbase.tar
BASE_IMAGE=localhost/openmeet-debian-base:$SUITE
IMAGE=${OPENMEET_IMAGE:-localhost/openmeet-appservice}

say() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

new_base=false save=""
while (($#)); do
  case $1 in
    --new-base) new_base=true ;;
    --save) save=${2:?--save needs a FILE}; shift ;;
    *) die "unknown option $1 (see the comment at the top of $0)" ;;
  esac
  shift
done
[[ $EUID -eq 0 ]] || die "needs root (debootstrap and buildah's storage): run it with sudo"

# Debian packages both; installed once, only if missing.
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  say "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    die "could not install ${missing[*]}"
fi

# ---------------------------------------------------------------- the base: minimal Debian

# What the self-contained service loads besides libc, libstdc++ and zlib (all in minbase): OpenSSL
# for TLS, the CA certificates, time zones. No ICU: the service runs with InvariantGlobalization.
# The same list as .NET's runtime-deps images, but for libicu.
make_base_tar() {
  local tmp=$CACHE/root.tmp log=$CACHE/debootstrap.log
  mkdir -p "$CACHE"
  rm -rf --one-file-system "$tmp"
  say "debootstrap: a minimal Debian $SUITE for the base (a few minutes, once; log: $log)"
  debootstrap --variant=minbase --include=ca-certificates,libssl3,tzdata "$SUITE" "$tmp" "$MIRROR" >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "debootstrap failed (log: $log)"; }
  # What an image never uses: package caches and lists, documentation, translations, debootstrap's own files.
  rm -rf --one-file-system "$tmp"/var/cache/apt/* "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* \
    "$tmp"/usr/share/man/* "$tmp"/usr/share/info/* "$tmp"/usr/share/locale/* "$tmp"/var/log/* "$tmp"/debootstrap
  tar --numeric-owner --xattrs -C "$tmp" -cf "$BASE_TAR.tmp" .
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf --one-file-system "$tmp"
}

import_base() {
  local ctr mnt
  say "importing $BASE_TAR into buildah as $BASE_IMAGE"
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  tar --numeric-owner --xattrs -C "$mnt" -xf "$BASE_TAR"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash \
    --label "org.opencontainers.image.description=Debian $SUITE minbase with ca-certificates, libssl3, tzdata (debootstrap)" "$ctr"
  buildah commit --rm -q "$ctr" "$BASE_IMAGE" >/dev/null
}

if $new_base || [[ ! -f $BASE_TAR ]]; then
  make_base_tar
  buildah rmi "$BASE_IMAGE" >/dev/null 2>&1 || true
fi
buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1 || import_base

# ---------------------------------------------------------------- the service and the image

say "publishing the service (container/publish.sh)"
rm -rf "$WORK/context"
mkdir -p "$WORK/context/container"
bash "$REPO/container/publish.sh" "$WORK/context/app"
cp "$REPO/container/entrypoint.sh" "$REPO/container/healthcheck.sh" "$WORK/context/container/"
bash "$REPO/container/stages-agree.sh"
version=$("$WORK/context/app/OpenMeet.AppService" --version | awk '{print $2}')

say "buildah bud --isolation chroot: $IMAGE:$version"
previous=$(buildah inspect --type image --format '{{.FromImageID}}' "$IMAGE:latest" 2>/dev/null || true)
# --format docker: the OCI format has no HEALTHCHECK, buildah would drop it.
buildah bud --isolation chroot --format docker --build-arg "BASE=$BASE_IMAGE" \
  -f "$REPO/container/Containerfile" -t "$IMAGE:$version" -t "$IMAGE:latest" "$WORK/context"
current=$(buildah inspect --type image --format '{{.FromImageID}}' "$IMAGE:latest")
# The image this build replaced, untagged now: removed, unless a container still uses it.
if [[ -n $previous && $previous != "$current" ]]; then
  buildah rmi "$previous" >/dev/null 2>&1 || true
fi

if [[ -n $save ]]; then
  rm -f "$save"
  buildah push -q "$IMAGE:$version" "docker-archive:$save:openmeet-appservice:$version"
  say "saved to $save ($(du -h "$save" | cut -f1)): docker load -i $save"
fi
say "built $IMAGE:$version and :latest (image ${current:0:12}, $(buildah images --format '{{.Size}}' "$current" | head -n 1); base $BASE_IMAGE)"
say "next: container/check.sh (runs it), container/check.sh dev (behind the dev stack's Synapse)"
