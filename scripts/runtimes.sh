#!/usr/bin/env bash
# Runs the seal conformance suite (test/seal/conformance.ts) and the session
# conformance suite (test/runtimes/session-cases.ts: the public API through
# toWebHandler and plain { req, res } events, memoryStore included) on every
# runtime the package supports, through test/runtimes/run-conformance.ts:
#
#   node20   Node 20 from .runtimes/, on the built dist/ (Node 20 cannot strip types)
#   node22   Node 22 from .runtimes/, on the TypeScript sources
#   node24   Node 24 from .runtimes/, on the TypeScript sources
#   bun      Bun from .runtimes/, on the TypeScript sources
#   deno     Deno from .runtimes/ (`deno run -A`), on the TypeScript sources
#   workerd  a bundled Worker in miniflare, plain and with nodejs_compat
#
# "On the TypeScript sources" is all of src/ but one module on Node and Deno:
# the package's own import `#node-crypto` (package.json "imports") resolves
# there to the built dist/seal/node-crypto.js, so the node:crypto backend they
# run is the built one (dist/ is built first). Bun follows tsconfig's paths
# to the source.
#
# The runtimes, esbuild and miniflare are pinned in scripts/runtimes/package.json
# (+ its package-lock.json) and installed with `npm ci` into .runtimes/, which is
# gitignored and reused while the pins are unchanged: they are never
# devDependencies of the package. Linux x64 only.
#
# Usage: scripts/runtimes.sh [runtime...]   (default: all of them)
# Closes with `N passed, N failed` over all runtimes; exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIMES="$ROOT/.runtimes"
MANIFEST="$ROOT/scripts/runtimes"
BUILD="$RUNTIMES/build"
ALL=(node20 node22 node24 bun deno workerd)
TIMEOUT=300

NODE20="$RUNTIMES/node_modules/node20/bin/node"
NODE22="$RUNTIMES/node_modules/node22/bin/node"
NODE24="$RUNTIMES/node_modules/node24/bin/node"
BUN="$RUNTIMES/node_modules/bun/bin/bun"
DENO="$RUNTIMES/node_modules/deno/deno"

export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 DO_NOT_TRACK=1 NO_COLOR=1

cd "$ROOT"

# Installs the pinned runtimes into .runtimes/ unless the same pins are there already.
install_runtimes() {
  local stamp="$RUNTIMES/.installed" want
  want="$(cat "$MANIFEST/package.json" "$MANIFEST/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$NODE20" && -x "$NODE22" && -x "$NODE24" && -x "$BUN" && -x "$DENO" ]]; then
    echo "runtimes: .runtimes/ is up to date"
    return
  fi
  echo "runtimes: installing pinned runtimes into .runtimes/"
  mkdir -p "$RUNTIMES"
  cp "$MANIFEST/package.json" "$MANIFEST/package-lock.json" "$RUNTIMES/"
  # miniflare declares node >= 22 and runs under Node 24 here; npm (on the
  # system node) only warns about that.
  npm ci --prefix "$RUNTIMES" --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

# Sets `command` to what runs the suite on runtime $1.
runner() {
  case "$1" in
  node20) command=("$NODE20" "$BUILD/node-dist.mjs") ;;
  node22) command=("$NODE22" test/runtimes/run-conformance.ts) ;;
  node24) command=("$NODE24" test/runtimes/run-conformance.ts) ;;
  bun) command=("$BUN" test/runtimes/run-conformance.ts) ;;
  deno) command=("$DENO" run -A test/runtimes/run-conformance.ts) ;;
  workerd) command=("$NODE24" test/runtimes/workerd.ts "$BUILD" "$RUNTIMES") ;;
  *) return 1 ;;
  esac
}

selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${ALL[@]}")
for name in "${selected[@]}"; do
  runner "$name" || {
    echo "runtimes: unknown runtime '$name' (known: ${ALL[*]})" >&2
    exit 2
  }
done

install_runtimes
echo "runtimes: building dist/ and the node20/workerd bundles"
npm run --silent build
"$NODE24" test/runtimes/bundle.ts "$BUILD" "$RUNTIMES"

total_passed=0
total_failed=0
summary=()
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

for name in "${selected[@]}"; do
  runner "$name"
  echo
  echo "=== $name: ${command[*]#"$ROOT/"}"
  started=$(date +%s%N)
  if timeout "$TIMEOUT" "${command[@]}" 2>&1 | tee "$logs/$name"; then status=0; else status=$?; fi
  seconds=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$name" | tail -n 1 || true)"
  passed=0 failed=0
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
  fi
  # A crash, a timeout or a run without a summary counts as one failure.
  if [[ $status -ne 0 && $failed -eq 0 ]] || [[ $passed -eq 0 && $failed -eq 0 ]]; then failed=$((failed + 1)); fi
  backends="$(grep -E '^platform backend: ' "$logs/$name" | sed 's/^platform backend: //' | paste -sd/ - || true)"
  summary+=("$(printf '%-8s %-16s %4d passed %3d failed  exit %-3d %6ss' "$name" "${backends:-?}" "$passed" "$failed" "$status" "$seconds")")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
done

echo
echo "=== runtime matrix: seal + session suites (platform backend chosen at load; every runtime also runs the WebCrypto backend)"
printf '%s\n' "${summary[@]}"
echo "${total_passed} passed, ${total_failed} failed"
[[ $total_failed -eq 0 ]]
