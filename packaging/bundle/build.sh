#!/usr/bin/env bash
# Build Orchard as a one-folder bundle that runs without Python (PyInstaller), smoke-test it,
# and pack it with a launcher, the desktop entry, the icon and an installer:
#   bash packaging/bundle/build.sh        ->  build/bundle/orchard-VERSION-linux-ARCH.tar.gz
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VERSION=$("${UV:-uv}" run --frozen python -c 'import app; print(app.__version__)')
ARCH=$(uname -m)
NAME="orchard-$VERSION-linux-$ARCH"
OUT="$ROOT/build/bundle"
PYINSTALLER="pyinstaller==6.22.3"
rm -rf "$OUT"
mkdir -p "$OUT"
started=$(date +%s)

# Orchard's own modules load lazily (app/exports.py): collect every one of them. Ray (the
# orchard[ray] extra, in the dev group) stays out: the desktop app does not need it.
"${UV:-uv}" run --frozen --with "$PYINSTALLER" pyinstaller --noconfirm --clean --log-level WARN \
  --onedir --name orchard \
  --distpath "$OUT/dist" --workpath "$OUT/work" --specpath "$OUT" \
  --collect-submodules app \
  --hidden-import py_compile \
  --exclude-module ray \
  --add-data "$ROOT/resources:app/resources" \
  --add-data "$ROOT/packaging/linux:app/packaging/linux" \
  packaging/bundle/entry.py
built=$(date +%s)

# The package: a top-level launcher, the folder, the desktop entry, the icon, the installer.
STAGE="$OUT/$NAME"
mkdir -p "$STAGE"
mv "$OUT/dist/orchard" "$STAGE/lib"
cp packaging/bundle/launcher.sh "$STAGE/orchard"
cp packaging/bundle/install.sh "$STAGE/install.sh"
cp packaging/linux/dev.orchard.Orchard.desktop resources/icons/dev.orchard.Orchard.svg "$STAGE/"
chmod 755 "$STAGE/orchard" "$STAGE/install.sh"

bash packaging/bundle/smoke.sh "$STAGE"

tar -C "$OUT" -czf "$OUT/$NAME.tar.gz" "$NAME"
echo "bundle: $OUT/$NAME.tar.gz ($(du -sm "$STAGE" | cut -f1) MB unpacked," \
  "$(du -m "$OUT/$NAME.tar.gz" | cut -f1) MB packed); build $((built - started)) s," \
  "all $(($(date +%s) - started)) s; needs glibc $(ldd --version | head -1 | awk '{print $NF}') or newer"
