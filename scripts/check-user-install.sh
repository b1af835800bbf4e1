#!/usr/bin/env bash
# Installs the packages the way a user's own project does, outside the workspace: every package
# is packed (`pnpm pack` turns workspace ranges into versions), the tarballs are installed with
# npm into a scratch project together with the user's own clients, and a strict program that
# uses every package is type-checked (skipLibCheck false) and run, as ESM and as CommonJS, on
# the Node on PATH and on the oldest Node the packages' `engines` allow.
#
#   scripts/check-user-install.sh [lowest|newest]   which end of the client ranges to install
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
end="${1:-newest}"

fail() { printf 'user install: FAILED: %s\n' "$*" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rk-user-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

packages=(core postgres docker k8s verify git testing)
mkdir -p "$tmp/tarballs"
for name in "${packages[@]}"; do
  (cd "packages/$name" && pnpm pack --pack-destination "$tmp/tarballs" >/dev/null) || fail "pnpm pack of $name"
done
for tarball in "$tmp"/tarballs/*.tgz; do
  listing="$(tar -tzf "$tarball")"
  grep -qx "package/LICENSE" <<<"$listing" || fail "$(basename "$tarball") has no LICENSE"
done

# The clients a user brings, at one end of the ranges the packages declare as peers.
clients="$(node scripts/user-install/client-versions.mjs "$end")" || fail "reading the peer ranges"
user="$tmp/user"
mkdir -p "$user"
node - "$user" "$tmp/tarballs" "$clients" <<'EOF'
const { readdirSync, writeFileSync } = require('node:fs')
const [, , user, tarballs, clients] = process.argv
const dependencies = JSON.parse(clients)
for (const file of readdirSync(tarballs)) {
  const name = `@rollback-kit/${file.replace(/^rollback-kit-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`
  dependencies[name] = `file:${tarballs}/${file}`
}
writeFileSync(`${user}/package.json`, JSON.stringify({ name: 'user-program', private: true, dependencies }, null, 2))
EOF
echo "installing into a scratch project ($end clients: $clients)"
(cd "$user" && npm install --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) ||
  { tail -20 "$tmp/npm.log" >&2; fail "npm install of the tarballs"; }
du -sh "$user/node_modules" | sed 's/^/installed size: /'

floor="$(node -p "require('./packages/core/package.json').engines.node.replace(/^>=\s*/, '')")"
floor_node="$(bash scripts/fetch-node.sh "$floor")" || fail "fetching Node $floor"
for format in module commonjs; do
  dir="$user/$format"
  mkdir -p "$dir"
  printf '{ "type": "%s" }\n' "$format" >"$dir/package.json"
  cp scripts/user-install/program.ts scripts/user-install/tsconfig.json "$dir/"
  (cd "$dir" && "$user/node_modules/.bin/tsc" -p tsconfig.json) || fail "the $format program does not type-check"
  for node in "$(command -v node)" "$floor_node"; do
    echo "--- $format on Node $("$node" --version)"
    (cd "$dir" && "$node" dist/program.js) || fail "the $format program failed on Node $("$node" --version)"
  done
done
# What a user pays for HTTP probes alone: verify's root entry, with core and neverthrow.
alone="$tmp/verify-alone"
mkdir -p "$alone"
node scripts/user-install/verify-alone.mjs "$alone" "$tmp/tarballs"
(cd "$alone" && npm install --no-audit --no-fund --loglevel=error >"$tmp/npm-alone.log" 2>&1) ||
  { tail -20 "$tmp/npm-alone.log" >&2; fail "npm install of verify alone"; }
packages_alone="$(find "$alone/node_modules" -name package.json -not -path '*/node_modules/*/node_modules/*' | grep -c .)"
echo "verify for HTTP probes alone: $(du -sh "$alone/node_modules" | cut -f1) in $packages_alone package.json files"
(cd "$alone" && node --input-type=module -e "
  const started = performance.now()
  const verify = await import('@rollback-kit/verify')
  if (typeof verify.httpProbe !== 'function') throw new Error('no httpProbe')
  console.log('cold import of @rollback-kit/verify: ' + Math.round(performance.now() - started) + ' ms')
") || fail "verify alone does not import"

echo "user install: ok ($end clients, Node $(node --version) and $("$floor_node" --version), ESM and CommonJS)"
