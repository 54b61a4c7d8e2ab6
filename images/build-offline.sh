#!/usr/bin/env bash
# Builds the base image's root filesystem from Debian packages, no image registry needed:
# mmdebstrap reads the host's apt sources and its tarball is imported as an image. The
# harness (core/sandbox/images.ts) then finishes it with base.Dockerfile, which needs no pull.
set -euo pipefail
tag=${1:?usage: build-offline.sh ROOTFS_IMAGE_TAG}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkgs=$(grep -v -E '^\s*(#|$)' "$here/packages.txt" | paste -sd, -)
echo "mmdebstrap: bookworm with $pkgs"
mmdebstrap --quiet --variant=apt --include="$pkgs" \
  --customize-hook='chroot "$1" apt-get clean' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar"
echo "docker import as $tag"
docker import "$work/rootfs.tar" "$tag" >/dev/null
