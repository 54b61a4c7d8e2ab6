#!/usr/bin/env bash
# Builds the base image from Debian packages, no image registry needed: mmdebstrap reads the
# host's apt sources, its tarball is imported as an image, and a tiny Dockerfile on top adds
# the agent user and the container-contract folders (docker build needs no pull for that).
set -euo pipefail
tag=${1:?usage: build-offline.sh IMAGE_TAG}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkgs=$(grep -v -E '^\s*(#|$)' "$here/packages.txt" | paste -sd, -)
mmdebstrap --quiet --variant=apt --include="$pkgs" \
  --customize-hook='chroot "$1" apt-get clean' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar"
docker import "$work/rootfs.tar" "$tag-rootfs" >/dev/null
docker build --quiet --build-arg "ROOTFS=$tag-rootfs" -t "$tag" -f "$here/base.Dockerfile" "$here" >/dev/null
docker image rm "$tag-rootfs" >/dev/null 2>&1 || true
