#!/bin/sh
# Install this Orchard bundle for the current user: the folder under ~/.local/opt, the
# `orchard` command in ~/.local/bin, and the menu entry and icons (orchard desktop install).
set -eu
here=$(dirname "$(readlink -f "$0")")
name=$(basename "$here")
opt="$HOME/.local/opt"
bin="$HOME/.local/bin"
mkdir -p "$opt" "$bin"
if [ ! "$here" -ef "$opt/$name" ]; then  # -ef: the same folder, even through a symlink
  rm -rf "${opt:?}/$name"
  cp -a "$here" "$opt/$name"
fi
ln -sf "$opt/$name/orchard" "$bin/orchard"
"$opt/$name/lib/orchard" desktop install
echo "installed $name: run 'orchard' (make sure $bin is on your PATH)"
