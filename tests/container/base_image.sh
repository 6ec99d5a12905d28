#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (python:3.11-slim-bookworm) with no
# container registry: debootstrap Debian 12 (minbase) with Debian's Python 3.11, venv and pip, and
# `docker import` it. Prints the image name. The tag is a hash of this script and of the host's
# extra CA certificates, so an image built by an earlier run is reused as it is, and a change to
# either builds a new one. Needs root, debootstrap and a running Docker engine.
set -euo pipefail

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES=python3.11,python3.11-venv,python3-pip,python-is-python3,ca-certificates
# Registries behind a TLS-inspecting proxy need the host's extra CAs inside the image too.
EXTRA_CAS=(/usr/local/share/ca-certificates/*.crt)
[[ -e "${EXTRA_CAS[0]}" ]] || EXTRA_CAS=()

tag=$(cat "$0" "${EXTRA_CAS[@]}" | sha256sum | cut -c1-12)
image="orgsites-standin-python:$tag"
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image"
    exit 0
fi

root=$(mktemp -d /var/tmp/orgsites-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "building $image with debootstrap (bookworm, $MIRROR)" >&2
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$MIRROR" >&2
if ((${#EXTRA_CAS[@]})); then
    cp "${EXTRA_CAS[@]}" "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >&2
fi
# As in the official image: no apt lists or caches, and a bytecode-compiled standard library.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' - "$image" >&2
echo "$image"
