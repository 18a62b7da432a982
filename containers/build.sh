#!/usr/bin/env bash
# Build Cairn's container images on this machine, without any container registry.
#
#   containers/build.sh [--pin] [--runtime podman|docker] IMAGE...
#
# IMAGE is one of:
#   base   localhost/cairn-debian:bookworm   Debian bookworm minbase made by debootstrap (Debian mirror
#                                            only) and imported; the FROM of the two below
#   tools  localhost/cairn-tools:bookworm    tools.Containerfile: bwa, samtools, bcftools, tabix
#   cairn  localhost/cairn:latest            cairn.Containerfile: the cairn binary (built on the host
#                                            with cargo, then copied by the Containerfile's builder stage)
# With --pin, the image's digest is written into containers/images.toml (`digest = "sha256:..."`),
# so workflows that name it run exactly that image and `cairn validate` stops warning.
# Images that already exist are kept; `podman rmi IMAGE` to rebuild. Env: DEBIAN_MIRROR, SUITE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
runtime=podman pin=0 images=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) pin=1 ;;
    --runtime) runtime=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    base|tools|cairn) images+=("$1") ;;
    *) echo "build.sh: unknown argument \`$1\`; images: base tools cairn" >&2; exit 2 ;;
  esac
  shift
done
[ ${#images[@]} -gt 0 ] || { echo "build.sh: name at least one image: base tools cairn" >&2; exit 2; }
command -v "$runtime" >/dev/null || { echo "build.sh: \`$runtime\` is not installed (apt-get install podman)" >&2; exit 3; }
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${SUITE:-bookworm}
BASE=localhost/cairn-debian:$SUITE

ROOTFS=
trap 'rm -rf "${ROOTFS:-/nonexistent}"' EXIT
exists() { "$runtime" image inspect "$1" >/dev/null 2>&1; }

build_base() {
  exists "$BASE" && return 0
  command -v debootstrap >/dev/null || { echo "build.sh: debootstrap is needed for the base image (apt-get install debootstrap)" >&2; exit 3; }
  local root; root=$(mktemp -d /var/tmp/cairn-rootfs.XXXXXX)
  ROOTFS=$root
  echo "build.sh: debootstrap $SUITE from $MIRROR (a minute or two)" >&2
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" > "$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; echo "build.sh: debootstrap failed (log: $root.log)" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -c . | "$runtime" import --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$root" "$root.log"
}

build_tools() {
  build_base
  exists localhost/cairn-tools:$SUITE && return 0
  "$runtime" build --build-arg BASE="$BASE" -t localhost/cairn-tools:$SUITE -f "$here/tools.Containerfile" "$here"
}

build_cairn() {
  build_base
  exists localhost/cairn:latest && return 0
  (cd "$repo" && cargo build --release --locked --bin cairn)
  # The builder stage keeps a binary that is already in the context, so a local Debian base (without
  # cargo) can serve as RUST_IMAGE; with a registry, the default rust image compiles it instead.
  "$runtime" build --build-arg RUST_IMAGE="$BASE" --build-arg BASE="$BASE" \
    -t localhost/cairn:latest -f "$here/cairn.Containerfile" "$repo"
}

# Write `digest = "..."` under [images.NAME] in images.toml (replacing an earlier pin).
pin_image() {
  local name=$1 ref=$2 digest
  digest=$("$runtime" image inspect --format '{{.Digest}}' "$ref")
  python3 - "$here/images.toml" "$name" "$digest" <<'PY'
import re, sys
path, name, digest = sys.argv[1:]
text = open(path).read()
head = f"[images.{name}]"
start = text.index(head) + len(head)
end = text.find("\n[", start)
end = len(text) if end < 0 else end + 1
body = re.sub(r'(?m)^#?\s*digest\s*=.*\n', '', text[start:end])
body = body.rstrip("\n") + f'\ndigest = "{digest}"\n' + ("\n" if end < len(text) else "")
open(path, "w").write(text[:start] + body + text[end:])
PY
  echo "build.sh: pinned $name = $ref @ $digest in containers/images.toml" >&2
}

for img in "${images[@]}"; do
  case "$img" in
    base) build_base ;;
    tools) build_tools; [ $pin = 0 ] || pin_image tools localhost/cairn-tools:$SUITE ;;
    cairn) build_cairn; [ $pin = 0 ] || pin_image cairn localhost/cairn:latest ;;
  esac
done
"$runtime" images --filter reference='localhost/cairn*'
