#!/usr/bin/env bash
# Smoke-test an unpacked bundle with no Python on PATH: its version, the demo run to its end in
# the terminal, and the one-line install into a throwaway home.
set -euo pipefail
STAGE=$(readlink -f "$1")
EXPECTED=$(cd "$(dirname "$0")/../.." && "${UV:-uv}" run --frozen python -c 'import app; print(app.__version__)')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Only what the demo's agent and Orchard call on a user's machine: git and a shell's basics.
mkdir -p "$scratch/bin" "$scratch/home" "$scratch/work"
for tool in git sh bash ls cat readlink dirname basename mkdir cp rm ln; do
  ln -s "$(command -v "$tool")" "$scratch/bin/$tool"
done
clean=(env -i HOME="$scratch/home" PATH="$scratch/bin" LANG=C.UTF-8 ORCHARD_DEMO_PACE=0.05)
cd "$scratch/work"
version=$("${clean[@]}" "$STAGE/orchard" --version)
[ "$version" = "orchard $EXPECTED" ] || { echo "smoke: --version said '$version'" >&2; exit 1; }
out=$(timeout 300 "${clean[@]}" "$STAGE/orchard" --demo 2>&1) || {
  echo "$out" >&2; echo "smoke: the demo failed" >&2; exit 1; }
echo "$out" | tail -5
# Six tasks: five succeed, and one fails on purpose so that the demo shows a retry.
grep -q "6 tasks: 1 failed, 5 succeeded" <<<"$out" || { echo "smoke: the demo did not succeed" >&2; exit 1; }
grep -q "fails on purpose" <<<"$out" || { echo "smoke: the demo's failure is not the scripted one" >&2; exit 1; }
grep -q "^  orchard --home " <<<"$out" || { echo "smoke: the demo's hint is wrong" >&2; exit 1; }

# An agent Orchard starts sees the user's library path, not the bundle's own libraries.
git -c init.defaultBranch=main init -q "$scratch/repo"
git -C "$scratch/repo" -c user.name=t -c user.email=t@x commit -q --allow-empty -m start
o=(timeout 120 "${clean[@]}" LD_LIBRARY_PATH=/user/lib "$STAGE/orchard" --home "$scratch/oh")
"${o[@]}" project add "$scratch/repo" >/dev/null
id=$("${o[@]}" task new repo 'echo "$LD_LIBRARY_PATH" > ld.txt' --agent shell)
"${o[@]}" run >/dev/null 2>&1
seen=$("${o[@]}" task diff "$id" | grep '^+/' || true)
[ "$seen" = "+/user/lib" ] || { echo "smoke: the agent saw LD_LIBRARY_PATH='$seen'" >&2; exit 1; }

# The one-line install, into the throwaway home: command, menu entry, icon.
"${clean[@]}" "$STAGE/install.sh" >/dev/null
installed=$("${clean[@]}" "$scratch/home/.local/bin/orchard" --version)
[ "$installed" = "$version" ] || { echo "smoke: the installed orchard said '$installed'" >&2; exit 1; }
entry="$scratch/home/.local/share/applications/dev.orchard.Orchard.desktop"
[ -f "$entry" ] || { echo "smoke: install.sh wrote no desktop entry" >&2; exit 1; }
[ -f "$scratch/home/.local/share/icons/hicolor/scalable/apps/dev.orchard.Orchard.svg" ] ||
  { echo "smoke: install.sh installed no icon" >&2; exit 1; }
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$entry"; fi
echo "smoke: $version; demo ran to its end (5 of 6, one fails on purpose) with no Python on PATH; agents get the user's" \
  "library path; install.sh installed it"
