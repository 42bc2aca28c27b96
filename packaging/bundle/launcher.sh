#!/bin/sh
# Orchard's launcher: runs the bundle beside it, wherever the folder was unpacked or linked.
here=$(dirname "$(readlink -f "$0")")
exec "$here/lib/orchard" "$@"
