#!/usr/bin/env bash
# Builds the stadscan container image from deploy/Containerfile and checks
# that it runs the way deploy/kubernetes runs it. For maintainers, by hand:
# a cold build compiles every crate (ten minutes or more), which is why CI
# does not run it.
#
# Checks, each fatal:
#   - the build succeeds (the binary prints its version inside the build);
#   - `stadscan --version` runs in the image;
#   - the image's user is uid 10001, not root;
#   - `stadscan demo` runs with a read-only root filesystem, no capabilities,
#     no-new-privileges and no /tmp, writing only to a mounted volume, and
#     leaves results.sarif and report.json holding the same, non-zero number
#     of findings;
#   - with HOST_STADSCAN set, the host binary's demo finds as many.
#
# The container runs get `--network none`: the demo's lab and scan live on
# the container's own loopback (127.42.0.0/24), so nothing leaves it. The
# build uses $BUILD_NETWORK (default host) because cargo fetches crates.
#
# Usage: deploy/test-image.sh [--offline-bases]
# Environment:
#   BUILDER        podman or docker (default: podman if installed, else docker)
#   IMAGE          tag to build (default localhost/stadscan:test)
#   RUST_IMAGE     build stage base (default: the Containerfile's)
#   RUNTIME_IMAGE  runtime base (default: the Containerfile's)
#   BUILD_NETWORK  network of the build (default host)
#   HOST_STADSCAN  a stadscan binary on this machine to compare the demo with
#   KEEP_OUT=1     keep the demo's output folder (its path is printed)
#
# --offline-bases exists because the machine this script was first run on
# cannot reach Docker Hub. It makes stand-ins for the two base images and
# builds against them: a Debian bookworm minbase (debootstrap from
# $DEBIAN_MIRROR) for the runtime, and the same plus gcc, libc6-dev,
# pkg-config, make and the host's own Rust toolchain (rustc --print sysroot)
# for the build. They are not the official images (larger, other package
# set), so image sizes measured on them are not the product's. Needs root,
# debootstrap and rustc on the host.
set -euo pipefail

offline=0
for arg in "$@"; do
  case "$arg" in
    --offline-bases) offline=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "test-image: unknown argument $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

fail() {
  echo "test-image: FAIL: $*" >&2
  exit 1
}
step() { echo "== $*"; }

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ -z "${BUILDER:-}" ]; then
  if command -v podman > /dev/null; then
    BUILDER=podman
  elif command -v docker > /dev/null; then
    BUILDER=docker
  else
    fail "neither podman nor docker is installed"
  fi
fi
command -v "$BUILDER" > /dev/null || fail "BUILDER=$BUILDER is not installed"
command -v python3 > /dev/null || fail "python3 is needed to read the demo's SARIF and JSON"
IMAGE="${IMAGE:-localhost/stadscan:test}"
BUILD_NETWORK="${BUILD_NETWORK:-host}"

work="$(mktemp -d "${TMPDIR:-/tmp}/stadscan-image.XXXXXX")"
cleanup() {
  if [ "${KEEP_OUT:-0}" = 1 ]; then
    echo "test-image: outputs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# ---- stand-in base images (--offline-bases only) ---------------------------
if [ "$offline" = 1 ]; then
  [ "$(id -u)" = 0 ] || fail "--offline-bases needs root (debootstrap, chroot)"
  command -v debootstrap > /dev/null || fail "--offline-bases needs debootstrap"
  sysroot="$(rustc --print sysroot)" || fail "--offline-bases needs rustc on the host"
  mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  RUNTIME_IMAGE="localhost/stadscan-standin/debian:bookworm"
  RUST_IMAGE="localhost/stadscan-standin/rust:bookworm"

  step "stand-in runtime base: debootstrap bookworm from $mirror"
  rt="$work/rootfs-runtime"
  debootstrap --variant=minbase bookworm "$rt" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    fail "debootstrap (log: $work/debootstrap.log; KEEP_OUT=1 keeps it)"
  rm -rf "$rt"/var/cache/apt/archives/*.deb "$rt"/var/lib/apt/lists/*
  : > "$rt/etc/resolv.conf"
  tar -C "$rt" -c . | "$BUILDER" import --change 'CMD ["bash"]' - "$RUNTIME_IMAGE" > /dev/null

  step "stand-in build base: the same plus a C toolchain and $(rustc -V)"
  bd="$work/rootfs-build"
  cp -a "$rt" "$bd"
  cp /etc/resolv.conf "$bd/etc/resolv.conf"
  # A build machine whose HTTPS goes through an inspecting proxy trusts the
  # proxy's CA; cargo inside the build needs the same roots to reach crates.io.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' > /dev/null; then
    mkdir -p "$bd/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$bd/usr/local/share/ca-certificates/"
  fi
  mount --bind /proc "$bd/proc"
  if ! chroot "$bd" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive
      apt-get update -q && apt-get install -y -q --no-install-recommends \
        gcc libc6-dev pkg-config make ca-certificates \
      && update-ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*' \
    > "$work/chroot-apt.log" 2>&1; then
    umount "$bd/proc"
    fail "apt-get in the build rootfs (log: $work/chroot-apt.log)"
  fi
  umount "$bd/proc"
  : > "$bd/etc/resolv.conf"
  mkdir -p "$bd/usr/local/rust" "$bd/usr/local/cargo"
  tar -C "$sysroot" --exclude=./share/doc -c . | tar -C "$bd/usr/local/rust" -x
  tar -C "$bd" -c . | "$BUILDER" import \
    --change 'ENV CARGO_HOME=/usr/local/cargo' \
    --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$RUST_IMAGE" > /dev/null
  rm -rf "$rt" "$bd"
  echo "stand-ins: $RUST_IMAGE, $RUNTIME_IMAGE (remove with: $BUILDER rmi $RUST_IMAGE $RUNTIME_IMAGE)"
fi

# ---- build -----------------------------------------------------------------
build_args=(--build-arg "REVISION=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)")
[ -n "${RUST_IMAGE:-}" ] && build_args+=(--build-arg "RUST_IMAGE=$RUST_IMAGE")
[ -n "${RUNTIME_IMAGE:-}" ] && build_args+=(--build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE")

step "$BUILDER build -t $IMAGE (network $BUILD_NETWORK)"
start=$(date +%s)
"$BUILDER" build --network "$BUILD_NETWORK" -f deploy/Containerfile "${build_args[@]}" \
  -t "$IMAGE" . || fail "build"
build_s=$(($(date +%s) - start))
size=$("$BUILDER" image inspect --format '{{.Size}}' "$IMAGE")
echo "built in ${build_s} s; image size $((size / 1000000)) MB"

# ---- run -------------------------------------------------------------------
run=("$BUILDER" run --rm --network none)

step "stadscan --version"
version=$("${run[@]}" "$IMAGE" --version) || fail "--version"
echo "$version"
case "$version" in stadscan\ *) ;; *) fail "--version printed '$version'" ;; esac

step "user of the image"
uid=$("${run[@]}" --entrypoint id "$IMAGE" -u) || fail "id -u"
[ "$uid" = 10001 ] || fail "the image runs as uid $uid, not 10001"
echo "uid $uid"

# As Kubernetes runs it (deploy/kubernetes): read-only root, no capabilities,
# no privilege escalation; here not even a /tmp, only the output volume.
step "demo, read-only root, no capabilities"
ro=(--read-only --cap-drop ALL --security-opt no-new-privileges)
[ "$BUILDER" = podman ] && ro+=(--read-only-tmpfs=false)
out="$work/out"
mkdir -p "$out"
chmod 0777 "$out" # uid 10001 in the container writes here
"${run[@]}" "${ro[@]}" -v "$out:/out:Z" "$IMAGE" demo --out /out > "$work/demo.txt" ||
  fail "demo in the container (exit $?)"
grep '^findings:' "$work/demo.txt" || true

count_findings() { # DIR -> "sarif json", after checking both files
  python3 - "$1" << 'EOF'
import json, sys
d = sys.argv[1]
sarif = json.load(open(f"{d}/results.sarif"))
assert sarif.get("version") == "2.1.0", "results.sarif is not SARIF 2.1.0"
n_sarif = sum(len(r.get("results", [])) for r in sarif["runs"])
n_json = len(json.load(open(f"{d}/report.json"))["findings"])
print(n_sarif, n_json)
EOF
}
read -r n_sarif n_json < <(count_findings "$out") || fail "reading the demo's SARIF/JSON"
echo "container demo: $n_sarif SARIF results, $n_json findings in report.json"
[ "$n_sarif" -gt 0 ] || fail "the demo's SARIF holds no results"
[ "$n_sarif" = "$n_json" ] || fail "SARIF ($n_sarif) and JSON ($n_json) disagree"

if [ -n "${HOST_STADSCAN:-}" ]; then
  step "demo with $HOST_STADSCAN on the host"
  hout="$work/host-out"
  mkdir -p "$hout"
  # In a network namespace of its own when possible: the demo's fixed ports
  # then cannot collide with anything else on this machine's loopback.
  if unshare -rn true 2> /dev/null; then
    # shellcheck disable=SC2016 # $0 and $1 expand in the inner shell
    unshare -rn sh -c 'ip link set lo up && exec "$0" demo --out "$1"' \
      "$HOST_STADSCAN" "$hout" > "$work/host-demo.txt" || fail "host demo"
  else
    "$HOST_STADSCAN" demo --out "$hout" > "$work/host-demo.txt" || fail "host demo"
  fi
  read -r h_sarif h_json < <(count_findings "$hout") || fail "reading the host demo's output"
  echo "host demo: $h_sarif SARIF results, $h_json findings in report.json"
  [ "$h_sarif" = "$n_sarif" ] || fail "host demo found $h_sarif, container $n_sarif"
fi

step "ok: $IMAGE (remove with: $BUILDER rmi $IMAGE)"
