#!/usr/bin/env bash
# Make rootful podman run containers on this machine, for the container tests (tests/it/containers.rs)
# and workflows/external-tools.yaml, and build the Debian tools image without any registry.
# Only the Debian mirror is needed: images come from debootstrap and busybox, never from a registry.
#
# (charliecloud-runtime comes along for the Charliecloud test.)
#
# Two fixes are applied when a probe container does not start (docs/containers.md explains them):
#  * crun refuses hybrid cgroups (v1 controllers, hugetlb on cgroup2)  -> [engine] runtime = "runc"
#  * no CAP_SYS_RESOURCE: podman's default rlimits (nofile/nproc 1048576) cannot be set
#                                                                        -> [containers] default_ulimits
# Idempotent. Exits non-zero with a message naming the failing piece. CAIRN_SKIP_TOOLS_IMAGE=1 skips
# the tools image (a minute or two of debootstrap + apt).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
LOG=/tmp/cairn-podman; mkdir -p "$LOG"
fail() { echo "podman-up: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and writes /etc/containers)"

need=()
for c in podman:podman runc:runc newuidmap:uidmap debootstrap:debootstrap busybox:busybox-static tar:tar ch-run:charliecloud-runtime; do
  command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${need[*]} and apt-get is absent"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" > "$LOG/apt.log" 2>&1 \
    || { tail -20 "$LOG/apt.log"; fail "apt-get install ${need[*]} failed (log: $LOG/apt.log)"; }
fi

# A probe image: busybox-static alone, imported from a tarball.
probe=localhost/cairn-podman-probe:1
if ! podman image exists "$probe"; then
  root=$(mktemp -d); mkdir -p "$root/bin"
  cp "$(command -v busybox)" "$root/bin/busybox"
  tar -C "$root" -cf "$LOG/probe.tar" . && rm -rf "$root"
  podman import "$LOG/probe.tar" "$probe" > "$LOG/import.log" 2>&1 || fail "podman import failed (log: $LOG/import.log)"
fi
try() { podman run --rm --network=none "$probe" /bin/busybox true > "$LOG/run.log" 2>&1; }
if ! try; then
  echo "podman-up: a container does not start ($(tail -1 "$LOG/run.log")); applying the runc and ulimit fixes" >&2
  mkdir -p /etc/containers
  [ -f /etc/containers/containers.conf ] && cp /etc/containers/containers.conf "$LOG/containers.conf.orig"
  cat > /etc/containers/containers.conf <<'EOC'
# Written by cairn's .ci/podman-up.sh (see docs/containers.md).
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOC
  try || fail "podman still cannot run a container: $(tail -3 "$LOG/run.log")"
fi
echo "podman-up: podman runs containers ($(podman --version))"

if [ "${CAIRN_SKIP_TOOLS_IMAGE:-0}" != 1 ]; then
  containers/build.sh tools > "$LOG/tools.log" 2>&1 \
    || { tail -20 "$LOG/tools.log"; fail "building the tools image failed (log: $LOG/tools.log)"; }
  echo "podman-up: localhost/cairn-tools:bookworm is built"
fi
