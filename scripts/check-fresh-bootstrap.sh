#!/usr/bin/env bash
# Proves the README's bootstrap from nothing: a clean environment with an empty HOME, a PATH of
# system folders only, no pnpm and no Node >= 22 visible, and npm's global prefix inside a
# temporary folder. It must end with Node 24.x and pnpm 10.x on PATH, and `scripts/rk` with no
# job must print its usage and exit 2. The npm cache is reused so the step stays cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

fail() { printf 'fresh bootstrap: FAILED: %s\n' "$*" >&2; exit 1; }
major() { local v; v="$("$@" 2>/dev/null || true)"; v="${v#v}"; echo "${v%%.*}"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rk-fresh-bootstrap.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/npm-global"

# The system folders, as a fresh machine has them. A developer's machine may already hold pnpm
# (or a newer node) there; such programs are hidden behind a folder of links to the rest.
system_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
visible() { PATH="$system_path" command -v "$1" 2>/dev/null || true; }
hide=()
[ -n "$(visible pnpm)" ] && hide+=(pnpm pnpx)
node_bin="$(visible node)"
[ -n "$node_bin" ] && [ "$(PATH="$system_path" major node --version)" -ge 22 ] && hide+=(node npm npx)
clean_path="$system_path"
if [ "${#hide[@]}" -gt 0 ]; then
  echo "hiding from the clean PATH: ${hide[*]} (present in this machine's system folders)"
  mkdir -p "$tmp/system-bin"
  IFS=: read -ra folders <<<"$system_path"
  for folder in "${folders[@]}"; do
    [ -d "$folder" ] || continue
    for program in "$folder"/*; do
      name="${program##*/}"
      [ -e "$tmp/system-bin/$name" ] && continue
      case " ${hide[*]} " in *" $name "*) continue ;; esac
      ln -s "$program" "$tmp/system-bin/$name"
    done
  done
  clean_path="$tmp/system-bin"
fi
if [ "$(PATH="$clean_path" major node --version)" -ge 22 ] 2>/dev/null; then
  fail "a Node >= 22 is still visible on the clean PATH"
fi
PATH="$clean_path" command -v pnpm >/dev/null 2>&1 && fail "pnpm is still visible on the clean PATH"

npm_cache="$(npm config get cache 2>/dev/null || echo "$HOME/.npm")"
# Machine-wide settings stay: the global npmrc (moving the prefix would also move where npm
# looks for it) and the trust store and proxies a fresh machine of this kind has.
npm_globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
clean_env=(
  env -i
  HOME="$tmp/home"
  PATH="$clean_path"
  TMPDIR="$tmp"
  npm_config_prefix="$tmp/npm-global"
  npm_config_cache="$npm_cache"
  npm_config_update_notifier=false
)
[ -f "$npm_globalconfig" ] && clean_env+=(npm_config_globalconfig="$npm_globalconfig")
for name in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy; do
  [ -n "${!name:-}" ] && clean_env+=("$name=${!name}")
done

echo "bootstrap: HOME=$tmp/home, npm prefix $tmp/npm-global, PATH=$clean_path"
versions="$("${clean_env[@]}" bash -c 'set -e; env="$(scripts/ensure-toolchain.sh --print-env)"; eval "$env"; echo "$(node --version) $(pnpm --version)"')" ||
  fail "scripts/ensure-toolchain.sh did not finish (its last line above says why)"
read -r node_version pnpm_version <<<"$versions"
case "$node_version" in v24.*) ;; *) fail "expected Node 24.x on PATH, got '$node_version'" ;; esac
case "$pnpm_version" in 10.*) ;; *) fail "expected pnpm 10.x on PATH, got '$pnpm_version'" ;; esac
echo "bootstrap: node $node_version, pnpm $pnpm_version"

set +e
usage="$("${clean_env[@]}" bash "$repo/scripts/rk" 2>&1)"
code=$?
set -e
[ "$code" -eq 2 ] || fail "scripts/rk with no job exited $code, expected 2: $usage"
case "$usage" in *"usage: scripts/rk"*) ;; *) fail "scripts/rk with no job printed no usage: $usage" ;; esac
echo "scripts/rk with no job: exit 2, '$(printf '%s' "$usage" | tail -n 1)'"
echo "fresh bootstrap: ok"
