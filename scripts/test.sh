#!/usr/bin/env bash
# Runs every test the project has and ends with one line "N passed, N failed" computed from the
# runs: each jest test and each bats test counts once, and so does each whole-tree check. A
# missing tool is reported once, with how to get it, and the checks that need it count as failed.
set -euo pipefail

cd "$(dirname "$0")/.."
export CDK8S_CHECK_UPGRADE=false

passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record() { # name, status
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAILED: $1"; fi
}

check() { # name, command...
  local name=$1 status=0
  shift
  echo "== $name"
  "$@" || status=$?
  record "$name" "$status"
}

# How to get each tool the checks need (CI's .ci/run installs bats and shellcheck from apt).
tool_hint() {
  case $1 in
    kubectl) echo "install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/" ;;
    *) echo "apt-get install -y $1" ;;
  esac
}

# One line per missing tool, once, before any check runs.
report_missing() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || echo "missing tool: $tool ($(tool_hint "$tool")); the checks that need it count as failed" >&2
  done
}

# Runs the rest as a check that needs a tool, or records it as failed when the tool is missing.
check_with() { # tool, name, command...
  local tool=$1 name=$2
  shift 2
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "== $name"
    record "$name (needs $tool, which is missing)" 1
    return
  fi
  check "$name" "$@"
}

run_jest() {
  local status=0
  echo "== jest"
  npx jest --ci --json --outputFile="$work/jest.json" || status=$?
  if [ ! -s "$work/jest.json" ]; then
    record "jest (did not report)" 1
    return
  fi
  passed=$((passed + $(node -p "require('$work/jest.json').numPassedTests")))
  failed=$((failed + $(node -p "const r=require('$work/jest.json'); r.numFailedTests + r.numRuntimeErrorTestSuites")))
  [ "$status" -eq 0 ] || echo "jest exited $status"
}

run_bats() {
  echo "== bats"
  if ! command -v bats >/dev/null 2>&1; then
    record "bats (needs bats, which is missing)" 1
    return
  fi
  bats --tap test/scripts > "$work/bats.tap" || true
  cat "$work/bats.tap"
  passed=$((passed + $(grep -c '^ok ' "$work/bats.tap" || true)))
  failed=$((failed + $(grep -c '^not ok ' "$work/bats.tap" || true)))
  grep -q '^1\.\.[1-9]' "$work/bats.tap" || record "bats (ran no test)" 1
}

# Every shell script: by extension, and the extension-less stubs and CI entry point by their shebang.
shellcheck_all() {
  local files=()
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- scripts test .ci \
    | while read -r f; do case "$f" in *.sh|*.bash|*.bats) echo "$f" ;; *) head -n1 "$f" 2>/dev/null | grep -q '^#!.*\(bash\|sh\)$' && echo "$f" ;; esac; done)
  shellcheck "${files[@]}"
}

parity() {
  CDK8S_OUTDIR="$work/flux2" node scripts/synth.js >/dev/null
  diff -r "$work/flux2" dist/flux2 || { echo "dist/flux2 differs from a fresh synth: run npm run synth and commit" >&2; return 1; }
}

main() {
  report_missing bats shellcheck kubectl
  check "type-check" npx tsc --noEmit
  check "lint" npx eslint .
  check_with shellcheck "shellcheck" shellcheck_all
  check "dist/flux2 equals a fresh synth" parity
  # Before jest: it fills the chart and render caches the render tests read.
  check_with kubectl "npm run render (every release renders with Helm)" npm run --silent render
  run_jest
  run_bats
  check_with kubectl "npm run validate" npm run --silent validate
  check_with kubectl "upgrade plan from the previous commit" scripts/upgrade-check.sh
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

main "$@"
