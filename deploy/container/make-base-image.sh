#!/usr/bin/env bash
# Makes the Debian 12 base image that deploy/Dockerfile builds FROM, when no registry image can be
# pulled: `debootstrap --variant=minbase bookworm` into a temporary folder, then `podman import`.
#
#   deploy/container/make-base-image.sh [TAG]     default TAG: localhost/debian:bookworm
#
# Does nothing when TAG already exists. Needs root (debootstrap), debootstrap and podman.
# Environment: UE_DEBIAN_MIRROR (default http://deb.debian.org/debian), CONTAINERS_CONF as usual.
set -euo pipefail
tag=${1:-localhost/debian:bookworm}
mirror=${UE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if podman image exists "$tag"; then
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/var/tmp}/ue-debootstrap.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "making base image $tag with debootstrap (minbase bookworm, a few minutes)..."
started=$(date +%s)
if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  echo "error: debootstrap failed; last lines of its log:" >&2
  tail -20 "$work/debootstrap.log" >&2
  exit 1
fi
# Nothing of the build host's apt cache or logs goes into the image.
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* \
  "$work/rootfs/var/log/"*.log
tar --numeric-owner -C "$work/rootfs" -c . \
  | podman import -q --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
echo "base image $tag made in $(($(date +%s) - started)) s"
