#!/usr/bin/env bash
# Runs every test the project has and ends with one line "N passed, N failed" computed from the
# runs: each jest test and each bats test counts once, and so does each whole-tree check. A
# missing tool is reported once, with how to get it, and the checks that need it count as failed.
# The checks are independent (none writes dist/flux2 or another's files), so they run side by
# side; each one's output is kept and printed, in the order below, once all have finished.
set -euo pipefail

cd "$(dirname "$0")/.."

# Every check runs inside a network namespace of its own when this machine can make one (as root,
# as in CI): no test can reach another host, and the loopback trap (scripts/lib/loopback-trap.ts)
# counts whatever tries, for the check "no test reached outside loopback".
# The marker is this run's alone: a test.sh started by a test decides for itself.
IN_NETNS=${STACKSPIN_TEST_NETNS:-}
unset STACKSPIN_TEST_NETNS
if [[ -z $IN_NETNS && $(id -u 2>/dev/null) == 0 ]] && unshare --net --fork true 2>/dev/null; then
  exec unshare --net --fork -- env STACKSPIN_TEST_NETNS=1 bash "$PWD/scripts/test.sh" "$@"
fi

export CDK8S_CHECK_UPGRADE=false
# Node reads the CA bundle this names at every start: on machines that set it, two thirds of the
# start of each of the hundreds of Node processes the checks run (tools, stubs). No check opens a
# TLS connection from Node (charts come from the cache, or from Helm, which does not read it).
unset NODE_EXTRA_CA_CERTS

passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checks=()
check_pids=()

record() { # name, status
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAILED: $1"; fi
}

# Runs a check; its output, exit status, seconds and CPU time go to $work/<number>.*.
run_check() { # number, command...
  local number=$1 status=0 start=$SECONDS
  shift
  "$@" >"$work/$number.log" 2>&1 || status=$?
  echo "$((SECONDS - start))" >"$work/$number.seconds"
  # In the check's own (background) shell, the second line is the CPU time of its processes.
  times >"$work/$number.times"
  echo "$status" >"$work/$number.status"
}

# The CPU seconds `times` recorded for a check (user plus system, of the processes it waited for).
cpu_seconds() { # number
  awk 'NR == 2 { total = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); total += t[1] * 60 + t[2] }; printf "%.0f", total }' "$work/$1.times"
}

# Starts a check in the background.
check() { # name, command...
  local name=$1 number=${#checks[@]}
  shift
  checks+=("$name")
  run_check "$number" "$@" &
  check_pids+=("$!")
}

# Runs a check before the others start (one whose results they read).
check_first() { # name, command...
  local name=$1 number=${#checks[@]}
  shift
  checks+=("$name")
  # In a subshell, so that its CPU time is its own.
  (run_check "$number" "$@")
}

# How to get each tool the checks need (CI's .ci/run installs bats and shellcheck from apt).
tool_hint() {
  case $1 in
    kubectl) echo "install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/" ;;
    dot) echo "apt-get install -y graphviz (npm run graph, and the Renovate tasks' test, need it)" ;;
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

# A check that needs a tool, or one recorded as failed when the tool is missing.
missing() { # tool
  echo "needs $1, which is missing" >&2
  return 1
}
check_with() { # check|check_first, tool, name, command...
  local how=$1 tool=$2 name=$3
  shift 3
  if command -v "$tool" >/dev/null 2>&1; then "$how" "$name" "$@"; else "$how" "$name (needs $tool, which is missing)" missing "$tool"; fi
}

# Two workers (jest's default, one fewer than the cores, leaves one core to the other checks):
# jest and the script tests run longest, and once the script tests end jest has both cores.
run_jest() {
  npx jest --ci --maxWorkers=2 --json --outputFile="$work/jest.json"
}

tally_jest() { # status
  if [ ! -s "$work/jest.json" ]; then
    record "jest (did not report)" 1
    return
  fi
  passed=$((passed + $(node -p "require('$work/jest.json').numPassedTests")))
  failed=$((failed + $(node -p "const r=require('$work/jest.json'); r.numFailedTests + r.numRuntimeErrorTestSuites")))
  [ "$1" -eq 0 ] || echo "jest exited $1"
}

# With GNU parallel, one bats job per core.
run_bats() {
  local jobs=()
  command -v parallel >/dev/null 2>&1 && jobs=(--jobs "$(nproc)")
  bats --tap "${jobs[@]}" test/scripts > "$work/bats.tap" || true
  cat "$work/bats.tap"
}

tally_bats() {
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

# The trap of the network namespace (see the top), and a watcher naming sockets that leave it.
trap_up() {
  [[ -n $IN_NETNS ]] || return 0
  TRAP_BASELINE=$(node -r ./scripts/lib/ts-loader.js scripts/lib/loopback-trap.ts up)
  node -r ./scripts/lib/ts-loader.js scripts/lib/loopback-trap.ts watch "$work/sockets" &
  TRAP_WATCHER=$!
}

# After every check: what reached outside loopback, counted as one check.
trap_verdict() {
  local name='no test reached outside loopback' status=0
  if [[ -z $IN_NETNS ]]; then
    echo "== $name"
    echo "not checked: this run could not make a network namespace of its own (run npm test as root, as CI does)"
    record "$name" 1
    return
  fi
  kill "$TRAP_WATCHER" 2>/dev/null || true
  wait "$TRAP_WATCHER" 2>/dev/null || true
  echo "== $name"
  node -r ./scripts/lib/ts-loader.js scripts/lib/loopback-trap.ts verdict "$TRAP_BASELINE" "$work/sockets" || status=$?
  record "$name" "$status"
}

# Waits for every check, then prints each one's output and counts it.
report() {
  local number name status
  wait "${check_pids[@]}"
  for number in "${!checks[@]}"; do
    name=${checks[$number]}
    status=$(cat "$work/$number.status")
    echo "== $name ($(cat "$work/$number.seconds") s, CPU $(cpu_seconds "$number") s)"
    cat "$work/$number.log"
    case $name in
      jest) tally_jest "$status" ;;
      bats) tally_bats ;;
      *) record "$name" "$status" ;;
    esac
  done
}

main() {
  report_missing bats shellcheck kubectl dot
  trap_up
  # On a fresh clone the tools below would each transpile the same sources at once: do it first.
  node scripts/lib/ts-loader.js
  # The script tests need no render; they run about as long as jest, so they start first.
  check_with check bats bats run_bats
  # Before jest: it fills the chart and render caches the render tests read.
  check_with check_first kubectl "npm run render (every release renders with Helm)" npm run --silent render
  # Both keep what they learnt about unchanged files under node_modules/.cache for the next run.
  check "type-check" npx tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/tsc/tsbuildinfo
  check "lint" npx eslint --cache --cache-strategy content --cache-location node_modules/.cache/eslint/ .
  check_with check shellcheck "shellcheck" shellcheck_all
  check jest run_jest
  check "dist/flux2 equals a fresh synth" parity
  check_with check kubectl "npm run validate" npm run --silent validate
  check_with check kubectl "upgrade plan from the previous commit" scripts/upgrade-check.sh
  report
  trap_verdict
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

main "$@"
