#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/install-app.sh against a stubbed kubectl.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  INSTALL_APP=$ROOT/scripts/install-app.sh
}

@test "GIVEN an optional app WHEN install-app.sh runs THEN it waits for the cluster's generated secrets, then applies add-<app> with the app's entry, writing no Secret" {
  run "$INSTALL_APP" wekan
  [ "$status" -eq 0 ]
  assert_call_order '^kubectl wait --for=condition=Ready kustomization/generated-secrets -n flux-system --timeout=10m$' '^kubectl apply -f -$'
  refute_call '^kubectl (create|patch)'
  grep -q '^  name: add-wekan$' "$STUB_STATE/applied"
  grep -q '^  namespace: flux-system$' "$STUB_STATE/applied"
  grep -q '^  path: ./dist/flux2/cluster/optional/wekan$' "$STUB_STATE/applied"
  grep -q '^  prune: true$' "$STUB_STATE/applied"
  grep -q '^    name: stackspin$' "$STUB_STATE/applied"
  [[ $output == *"flux get kustomizations wekan --watch"* ]]
}

@test "GIVEN an installed app WHEN install-app.sh runs again THEN it applies the same manifest and still writes no Secret" {
  run "$INSTALL_APP" wekan
  [ "$status" -eq 0 ]
  first=$(grep -v '^#' "$STUB_STATE/applied")
  : >"$STUB_STATE/applied"
  run "$INSTALL_APP" wekan
  [ "$status" -eq 0 ]
  [ "$(grep -v '^#' "$STUB_STATE/applied")" = "$first" ]
  refute_call '^kubectl (create|patch)'
}

@test "GIVEN a cluster that has not generated its secrets (or runs a revision without the generator) WHEN install-app.sh runs THEN it says so and applies nothing" {
  export STUB_FAIL='^kubectl wait --for=condition=Ready kustomization/generated-secrets'
  run "$INSTALL_APP" wekan
  [ "$status" -ne 0 ]
  [[ $output == *"the cluster did not generate its secrets within 10m"* ]]
  [[ $output == *"flux resume source git stackspin"* ]]
  refute_call '^kubectl apply'
}

@test "GIVEN the documented install-app.sh monitoring WHEN it runs THEN it succeeds and says monitoring is core, changing nothing" {
  run "$INSTALL_APP" monitoring
  [ "$status" -eq 0 ]
  [[ $output == *"monitoring (Prometheus, Alertmanager, Grafana, Loki, Alloy) is part of the core"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN an unknown app WHEN install-app.sh runs THEN it lists the valid apps and changes nothing" {
  run "$INSTALL_APP" wekanx
  [ "$status" -ne 0 ]
  valid=$(find "$ROOT/dist/flux2/cluster/optional" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | paste -sd, - | sed 's/,/, /g')
  [[ $output == *"unknown app 'wekanx'; valid apps: $valid"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN no app or two apps or a bad flag WHEN install-app.sh runs THEN it prints the usage and changes nothing" {
  run "$INSTALL_APP"
  [ "$status" -ne 0 ]
  [[ $output == *"usage: install-app.sh <app>"* ]]
  [[ $output == *"name the app to install"* ]]
  run "$INSTALL_APP" wekan nextcloud
  [ "$status" -ne 0 ]
  [[ $output == *"one app at a time"* ]]
  run "$INSTALL_APP" wekan --force
  [ "$status" -ne 0 ]
  [[ $output == *"unknown option '--force'"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN --dry-run WHEN install-app.sh runs THEN it prints the commands and the manifest and touches nothing" {
  run "$INSTALL_APP" wekan --dry-run
  [ "$status" -eq 0 ]
  [ ! -s "$STUB_STATE/calls" ]
  [[ $output == *"+ kubectl wait --for=condition=Ready kustomization/generated-secrets -n flux-system --timeout=10m"* ]]
  [[ $output == *"+ kubectl apply -f - <<EOF"* ]]
  [[ $output == *"name: add-wekan"* ]]
}

@test "GIVEN no kubectl WHEN install-app.sh runs THEN it names the missing tool" {
  mkdir "$BATS_TEST_TMPDIR/path"
  for tool in node dirname basename grep paste sed; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/path/$tool"; done
  PATH=$BATS_TEST_TMPDIR/path run "$(command -v bash)" "$INSTALL_APP" wekan
  [ "$status" -ne 0 ]
  [[ $output == *"error: kubectl is missing"* ]]
}
