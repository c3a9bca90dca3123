#!/usr/bin/env bash
# The container side of `make local-invoke`: a Docker engine on this machine and the Lambda
# python3.13 base image SAM CLI builds its invoke image on, made locally because no image
# registry is reachable here.
#
#   docker.sh available   exit 0 when an engine answers or can be installed and started here
#   docker.sh start       install docker.io/debootstrap/qemu if missing, start dockerd, register arm64
#   docker.sh image       build public.ecr.aws/lambda/python:3.13-<arch> for each of $LOCAL_INVOKE_ARCHS
#                         (default "x86_64 arm64") unless the same recipe is cached
#   docker.sh stop        stop the dockerd this script started (never one it found running)
#   docker.sh pick-gateway INSPECTED ADDRESSES
#                         the bridge gateway from those two answers (what `start` records; tested)
#
# Everything is idempotent. State lives in $LOCAL_INVOKE_STATE (default build/local-invoke) and
# the rootfs tarball cache in $LOCAL_INVOKE_CACHE (default ~/.cache/sagewatch/local-invoke), which
# survives `make clean` so a cached run never debootstraps again.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${LOCAL_INVOKE_STATE:-$ROOT/build/local-invoke}"
CACHE="${LOCAL_INVOKE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sagewatch/local-invoke}"
# The images to build. arm64 is the template's architecture (Globals.Function.Architectures)
# and runs under qemu-user on x86 hosts; x86_64 is for the harness's local-only architecture
# override (harness.ARCH_OVERRIDE), which runs the full parity matrix natively.
ARCHS="${LOCAL_INVOKE_ARCHS:-x86_64 arm64}"
SUITE=trixie                   # Debian 13: the release whose python3.13 is the system Python
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The runtime's own packages: awslambdaric speaks the Runtime API; boto3 is pinned to the
# version requirements-dev.txt pins, so the container and the emulated invoke run the same SDK.
RIC_VERSION=4.2.2
BOTO3_VERSION="$(sed -n 's/^boto3==//p' "$ROOT/requirements-dev.txt")"
BOTOCORE_VERSION="$(sed -n 's/^botocore==//p' "$ROOT/requirements-dev.txt")"
PIDFILE="$STATE/dockerd.pid"
# The IPv4 address of the docker0 bridge of the dockerd this script started: the only address
# the harness's relays may listen on (harness.bridge_gateway checks it against docker0).
GATEWAYFILE="$STATE/bridge-gateway"

log() { printf 'local-invoke: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# Sets ARCH, IMAGE and the per-architecture names for one image.
use_arch() {
  ARCH="$1"
  IMAGE="public.ecr.aws/lambda/python:3.13-$ARCH"
  case "$ARCH" in
    arm64) DEB_ARCH=arm64; PLATFORM=linux/arm64; PIP_PLATFORM=manylinux2014_aarch64 ;;
    x86_64) DEB_ARCH=amd64; PLATFORM=linux/amd64; PIP_PLATFORM=manylinux2014_x86_64 ;;
    *) die "LOCAL_INVOKE_ARCHS may name arm64 and x86_64, not $ARCH" ;;
  esac
}
HOST_ARCH="$(uname -m)"
wants_arm64() { [[ " $ARCHS " == *" arm64 "* ]]; }

available() {
  engine_up && return 0
  # Starting an engine needs root (dockerd, binfmt_misc) and either dockerd or apt-get.
  [[ "$(id -u)" == 0 ]] || return 1
  command -v dockerd >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if wants_arm64 && [[ "$HOST_ARCH" != aarch64 ]]; then
    [[ -e /usr/bin/qemu-aarch64-static ]] || missing+=(qemu-user-static)
    command -v update-binfmts >/dev/null 2>&1 || missing+=(binfmt-support)
  fi
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  [[ "$(id -u)" == 0 ]] || die "installing ${missing[*]} needs root"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# arm64 binaries (the image's python, SAM's aws-lambda-rie-arm64) run through qemu-user. The
# F flag of qemu-user-static's registration opens the interpreter at registration time, so it
# also works inside containers, which do not have /usr/libexec/qemu-binfmt.
register_arm64() {
  wants_arm64 && [[ "$HOST_ARCH" != aarch64 ]] || return 0
  [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import qemu-aarch64
  fi
  grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || die "qemu-aarch64 is registered without the F flag: containers could not run arm64 binaries"
}

start() {
  mkdir -p "$STATE"
  install_packages
  register_arm64
  if engine_up; then
    log "Docker engine already running"
    # Not ours: the relays still listen only on its docker0 address, which is recorded anew.
    record_gateway
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "no Docker engine answers and starting dockerd needs root"
  log "starting dockerd (log: $STATE/dockerd.log)"
  # setsid: the engine outlives this script and make's process group; stop() ends it by pid.
  setsid dockerd --host unix:///var/run/docker.sock >"$STATE/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 60); do
    if engine_up; then
      log "dockerd up (pid $(cat "$PIDFILE"))"
      record_gateway
      return 0
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$STATE/dockerd.log" >&2 || true
  die "dockerd did not answer within 60 s"
}

# docker0's IPv4 address as this engine set it up (never 0.0.0.0 or a host interface).
record_gateway() {
  local inspected addresses gateway
  # range, not index: an engine whose bridge has no IPAM config at all answers empty, not an error.
  inspected="$(docker network inspect bridge --format '{{ range .IPAM.Config }}{{ .Gateway }}{{ end }}')"
  addresses="$(ip -4 -o addr show dev docker0)"
  gateway="$(pick_gateway "$inspected" "$addresses")" || die "cannot tell docker0's gateway address"
  echo "$gateway" >"$GATEWAYFILE"
  log "docker0 gateway $gateway (the relays' only listening address)"
}

# The gateway from what the engine says ($1: IPAM.Config's Gateway, may be empty) and docker0's
# addresses ($2: `ip -4 -o addr show dev docker0`). Debian 12's docker.io (20.10) leaves the
# Gateway field empty for the default bridge; Debian 13's newer one fills it. docker0's own address
# is the bridge's gateway in both (dockerd assigns the gateway to the bridge interface), so it
# is taken when the field is empty, and a filled field must be one of docker0's addresses.
pick_gateway() {
  local inspected="$1" addresses="$2" own
  own="$(awk '$3 == "inet" { split($4, cidr, "/"); print cidr[1] }' <<<"$addresses")"
  [[ -n "$own" ]] || { log "docker0 has no IPv4 address"; return 1; }
  if [[ -z "$inspected" ]]; then
    head -n 1 <<<"$own"
  elif grep -qxF -- "$inspected" <<<"$own"; then
    echo "$inspected"
  else
    log "the bridge network's gateway $inspected is not docker0's address ($(tr '\n' ' ' <<<"$own"))"
    return 1
  fi
}

stop() {
  [[ -f "$PIDFILE" ]] || { log "no dockerd started here; nothing to stop"; return 0; }
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && { log "dockerd still running after 30 s; killing"; kill -KILL "$pid"; }
  fi
  rm -f "$PIDFILE" "$GATEWAYFILE"
}

# Files the image gets on top of Debian, written into the rootfs.
write_runtime_files() {
  local rootfs="$1"
  mkdir -p "$rootfs/var/runtime" "$rootfs/var/task" "$rootfs/opt" "$rootfs/usr/local/bin"
  # As Lambda's python runtime orders sys.path: function code, then layers, then the runtime's
  # own packages (so a layer's boto3 would win over the runtime's, as on Lambda).
  cat >"$rootfs/var/runtime/bootstrap" <<'EOF'
#!/bin/sh
export PYTHONPATH="/var/task:/opt/python/lib/python3.13/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3.13 -m awslambdaric "$_HANDLER"
EOF
  # The real image's entry point: the handler is the image command; outside Lambda (no
  # AWS_LAMBDA_RUNTIME_API) it starts the Runtime Interface Emulator around the bootstrap.
  # `sam local` does not use it (it starts /var/rapid/aws-lambda-rie itself).
  cat >"$rootfs/lambda-entrypoint.sh" <<'EOF'
#!/bin/sh
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap
else
  exec /var/runtime/bootstrap
fi
EOF
  chmod 0755 "$rootfs/var/runtime/bootstrap" "$rootfs/lambda-entrypoint.sh"
}

recipe_hash() {
  { cat "${BASH_SOURCE[0]}"; echo "$ARCH $SUITE $RIC_VERSION $BOTO3_VERSION $BOTOCORE_VERSION"; } \
    | sha256sum | cut -c1-16
}

image() {
  engine_up || die "no Docker engine (run: $0 start)"
  local arch
  for arch in $ARCHS; do
    (use_arch "$arch" && image_of_arch)
  done
}

image_of_arch() {
  local recipe tarball started=$SECONDS
  recipe="$(recipe_hash)"
  if [[ "$(docker image inspect -f '{{ index .Config.Labels "org.sagewatch.recipe" }}' "$IMAGE" 2>/dev/null)" == "$recipe" ]]; then
    log "$IMAGE is current (recipe $recipe)"
    return 0
  fi
  mkdir -p "$CACHE"
  tarball="$CACHE/python3.13-$ARCH-$recipe.tar"
  if [[ ! -s "$tarball" ]]; then
    build_rootfs "$tarball"
    log "rootfs $ARCH built in $((SECONDS - started)) s"
  else
    log "rootfs cached: $tarball"
  fi
  log "building $IMAGE from $tarball"
  # `docker import --platform` does not set the image's architecture on this engine (20.10),
  # and SAM CLI builds its image for linux/arm64: a FROM-scratch build does. The Config is the
  # real image's (environment, working directory, entry point).
  local context
  context="$(mktemp -d "$CACHE/context.XXXXXX")"
  ln "$tarball" "$context/rootfs.tar" 2>/dev/null || cp "$tarball" "$context/rootfs.tar"
  {
    echo 'FROM scratch'
    echo 'ADD rootfs.tar /'
    echo 'ENV LANG=C.UTF-8 TZ=:/etc/localtime PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin'
    echo 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib'
    echo 'ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime'
    echo 'WORKDIR /var/task'
    echo 'ENTRYPOINT ["/lambda-entrypoint.sh"]'
    echo "LABEL org.sagewatch.recipe=$recipe"
  } >"$context/Dockerfile"
  if ! timeout 600 docker build -q --platform "$PLATFORM" -t "$IMAGE" "$context" >/dev/null 2>"$CACHE/build.log"; then
    rm -rf "$context"
    cat "$CACHE/build.log" >&2
    die "docker build of $IMAGE failed"
  fi
  rm -rf "$context"
  # Tarballs of older recipes are never used again.
  find "$CACHE" -maxdepth 1 -name "python3.13-$ARCH-*.tar" ! -name "$(basename "$tarball")" -delete
  log "built $IMAGE ($(docker image inspect -f '{{.Architecture}}' "$IMAGE")) in $((SECONDS - started)) s"
}

build_rootfs() {
  local tarball="$1" rootfs deb
  rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: the trap must remove this very directory
  trap "rm -rf '$rootfs'" RETURN
  # Unpacked, never configured: debootstrap's first stage resolves and downloads minbase plus
  # python3.13 and unpacks the required packages on the host; the rest are unpacked here with
  # the host's dpkg-deb. No maintainer script runs, so no package is configured under qemu
  # (debootstrap's second stage took 6-11 minutes for arm64 on an x86 host, 23 s this way).
  # The image never installs packages, so it needs no dpkg database; what the scripts would
  # have done that a Lambda runtime needs is done below, each step named.
  log "debootstrap --foreign $SUITE $DEB_ARCH (minbase + python3.13), unpacked without configuring"
  timeout 900 debootstrap --foreign --variant=minbase --include=python3.13,ca-certificates --arch="$DEB_ARCH" \
    "$SUITE" "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap --foreign failed"; }
  for deb in "$rootfs"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$rootfs" || die "cannot unpack $(basename "$deb")"
  done
  # libc6's trigger: the dynamic linker's cache, so /usr/lib/<triplet> libraries are found
  # (the image's own ldconfig; under qemu for arm64, one short run).
  chroot "$rootfs" /sbin/ldconfig || die "ldconfig in the $DEB_ARCH rootfs failed"
  [[ -x "$rootfs/usr/bin/python3.13" && -e "$rootfs/bin/sh" ]] || die "the rootfs has no python3.13 or /bin/sh"
  # base-passwd's postinst: root's entries, for anything that looks the user up.
  cp "$rootfs/usr/share/base-passwd/passwd.master" "$rootfs/etc/passwd"
  cp "$rootfs/usr/share/base-passwd/group.master" "$rootfs/etc/group"
  # ca-certificates' postinst (update-ca-certificates): the bundle OpenSSL reads.
  mkdir -p "$rootfs/etc/ssl/certs"
  cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"
  log "pip: awslambdaric==$RIC_VERSION boto3==$BOTO3_VERSION into /var/runtime ($PIP_PLATFORM wheels)"
  # Wheels for the image's platform are chosen on the host: no pip runs under emulation.
  timeout 600 "${PIP_PYTHON:-$ROOT/.venv/bin/python}" -m pip install --quiet --disable-pip-version-check --no-compile \
    --target "$rootfs/var/runtime" --platform "$PIP_PLATFORM" --implementation cp \
    --python-version 3.13 --only-binary=:all: \
    "awslambdaric==$RIC_VERSION" "boto3==$BOTO3_VERSION" "botocore==$BOTOCORE_VERSION"
  write_runtime_files "$rootfs"
  # Bytecode for the runtime's packages, compiled here: without it every container start
  # compiles boto3 and botocore again (about 20 s under qemu). Hash-based, so the files'
  # timestamps do not matter; .pyc files do not depend on the architecture (the host's
  # python3.13 and the image's share 3.13's bytecode magic number).
  timeout 600 "${PIP_PYTHON:-$ROOT/.venv/bin/python}" -m compileall -q -j 0 \
    --invalidation-mode unchecked-hash "$rootfs/var/runtime" >/dev/null
  # python3.13-minimal's postinst (py3compile): the standard library's bytecode, likewise.
  timeout 600 "${PIP_PYTHON:-$ROOT/.venv/bin/python}" -m compileall -q -j 0 \
    --invalidation-mode unchecked-hash "$rootfs/usr/lib/python3.13" >/dev/null
  # What a minbase system keeps only for installing packages, which this image never does.
  rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/* "$rootfs/debootstrap"
  tar -C "$rootfs" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
}

case "${1:-}" in
  available) available ;;
  start) start ;;
  stop) stop ;;
  image) image ;;
  pick-gateway) pick_gateway "${2-}" "${3-}" ;;
  *) echo "usage: $0 available|start|image|stop|pick-gateway INSPECTED ADDRESSES" >&2; exit 2 ;;
esac
