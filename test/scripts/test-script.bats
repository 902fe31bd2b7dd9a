#!/usr/bin/env bats
# scripts/test.sh (npm test) on a machine without bats, shellcheck and kubectl: one line per
# missing tool, the checks that need it failed, and still the tally. It runs in a stand-in
# project whose npx, npm and synth are stubs, so this takes a second, not a whole test run.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  PROJECT=$BATS_TEST_TMPDIR/project
  mkdir -p "$PROJECT/scripts/lib" "$PROJECT/dist/flux2" "$BATS_TEST_TMPDIR/stubs" "$BATS_TEST_TMPDIR/tools"
  cp "$ROOT/scripts/test.sh" "$PROJECT/scripts/"
  # The transpile step before the checks: nothing to transpile here.
  echo '' >"$PROJECT/scripts/lib/ts-loader.js"
  echo 'kind: ConfigMap' >"$PROJECT/dist/flux2/configmap-a.yaml"
  cat >"$PROJECT/scripts/synth.js" <<'EOF_SYNTH'
const fs = require('fs');
fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
fs.writeFileSync(`${process.env.CDK8S_OUTDIR}/configmap-a.yaml`, 'kind: ConfigMap\n');
EOF_SYNTH
  cat >"$BATS_TEST_TMPDIR/stubs/npx" <<'EOF_NPX'
#!/usr/bin/env bash
# tsc and eslint pass; jest reports three passed tests where --outputFile says.
for arg in "$@"; do
  case $arg in --outputFile=*) echo '{"numPassedTests":3,"numFailedTests":0,"numRuntimeErrorTestSuites":0}' >"${arg#*=}" ;; esac
done
EOF_NPX
  printf '#!/usr/bin/env bash\necho "stub npm: not expected" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/stubs/npm"
  chmod +x "$BATS_TEST_TMPDIR/stubs/npx" "$BATS_TEST_TMPDIR/stubs/npm"
  # What test.sh itself needs, and nothing of bats, shellcheck or kubectl.
  local tool
  for tool in bash env dirname mktemp rm cat grep head diff git node; do
    ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/tools/$tool"
  done
}

@test "GIVEN no bats, shellcheck or kubectl WHEN npm test runs THEN each is reported once with its install command, their checks fail, and the tally is printed" {
  PATH=$BATS_TEST_TMPDIR/stubs:$BATS_TEST_TMPDIR/tools run bash "$PROJECT/scripts/test.sh"
  [ "$status" -ne 0 ]
  [ "$(grep -c '^missing tool: ' <<<"$output")" -eq 4 ]
  [[ $output == *"missing tool: dot (apt-get install -y graphviz (npm run graph, and the Renovate tasks' test, need it)); the checks that need it count as failed"* ]]
  [[ $output == *"missing tool: bats (apt-get install -y bats); the checks that need it count as failed"* ]]
  [[ $output == *"missing tool: shellcheck (apt-get install -y shellcheck); the checks that need it count as failed"* ]]
  [[ $output == *"missing tool: kubectl (install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/); the checks that need it count as failed"* ]]
  [[ $output == *"FAILED: shellcheck (needs shellcheck, which is missing)"* ]]
  [[ $output == *"FAILED: bats (needs bats, which is missing)"* ]]
  [[ $output == *"FAILED: npm run validate (needs kubectl, which is missing)"* ]]
  [[ $output == *"FAILED: npm run render (every release renders with Helm) (needs kubectl, which is missing)"* ]]
  [[ $output == *"FAILED: upgrade plan from the previous commit (needs kubectl, which is missing)"* ]]
  [[ $output == *"ok: dist/flux2 equals a fresh synth"* ]]
  # Not root here (no id on PATH): no network namespace, so the loopback check cannot pass.
  [[ $output == *"not checked: this run could not make a network namespace of its own (run npm test as root, as CI does)"* ]]
  [[ $output == *"FAILED: no test reached outside loopback"* ]]
  [ "${lines[-1]}" = "6 passed, 6 failed" ]
}
