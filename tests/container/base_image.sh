#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (python:3.11-slim-bookworm) with no
# container registry: Debian 12 (minbase) with Debian's Python 3.11, venv and pip, bootstrapped by
# mmdebstrap (Debian's faster debootstrap) straight into `docker import`. Prints the image name.
# The tag is a hash of this script and of the host's extra CA certificates, so an image built by
# an earlier run is reused as it is, and a change to either builds a new one. Needs root,
# mmdebstrap and a running Docker engine.
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

hooks=()
for ca in "${EXTRA_CAS[@]}"; do
    hooks+=(--customize-hook="copy-in $ca /usr/local/share/ca-certificates/")
done
((${#hooks[@]})) && hooks+=(--customize-hook='chroot "$1" update-ca-certificates >/dev/null')

echo "building $image with mmdebstrap (bookworm, $MIRROR)" >&2
# No fsync per file (a throwaway build), no apt lists or caches in the image (mmdebstrap's default).
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" --dpkgopt=force-unsafe-io \
    "${hooks[@]}" bookworm - "$MIRROR" \
    | docker import --change 'ENV LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["python3"]' - "$image" >&2
echo "$image"
