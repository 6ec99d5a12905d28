#!/bin/sh
# Stand-in for the official redis image's entrypoint: Debian's redis-server without a config file
# refuses other hosts (protected mode); the official image turns that off, and so does this.
set -eu
if [ "${1:-}" = redis-server ]; then
    set -- "$@" --protected-mode no
fi
exec setpriv --reuid=redis --regid=redis --init-groups "$@"
