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

# The cluster-variables Secret bootstrap would have applied, with the given name=value pairs.
seed_cluster_variables() {
  mkdir -p "$STUB_STATE/secrets"
  node -e 'const data = Object.fromEntries(process.argv.slice(2).map((p) => [p.slice(0, p.indexOf("=")), Buffer.from(p.slice(p.indexOf("=") + 1)).toString("base64")]));
    process.stdout.write(JSON.stringify({ metadata: { name: "stackspin-cluster-variables", resourceVersion: "1" }, data }));' -- "$@" \
    >"$STUB_STATE/secrets/stackspin-cluster-variables.json"
}
BACKUP_SETTINGS=(backup_s3_url=https://s3.example.org backup_s3_region=eu-west-1 backup_s3_bucket=backups backup_s3_access_key=AKIAEXAMPLE backup_s3_secret_key=S3SecretKey42)

@test "GIVEN an app name with a newline WHEN install-app.sh runs THEN it is refused as not one name, and nothing changes" {
  run "$INSTALL_APP" $'wekan\nnextcloud'
  [ "$status" -ne 0 ]
  [[ $output == *"error: app name \$'wekan\\nnextcloud' is not valid; an app name is lower-case letters, digits and -, like nextcloud"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a checkout without dist/flux2/cluster/optional WHEN install-app.sh runs THEN it says the tree is missing and how to get it" {
  local copy=$BATS_TEST_TMPDIR/checkout
  mkdir -p "$copy"
  cp -R "$ROOT/scripts" "$copy/scripts"
  run "$copy/scripts/install-app.sh" wekan
  [ "$status" -ne 0 ]
  [[ $output == *"error: the tree has no optional apps: dist/flux2/cluster/optional is missing; run the script from a complete checkout (git status), or synthesize it with npm run synth"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN velero and a cluster without the backup settings WHEN install-app.sh runs (also as a dry run) THEN it names each missing key and enables nothing" {
  seed_cluster_variables domain=stackspin.example.org backup_s3_url=https://s3.example.org backup_s3_access_key=AKIAEXAMPLE
  for dry in '' --dry-run; do
    : >"$STUB_STATE/calls"
    run "$INSTALL_APP" velero $dry
    [ "$status" -ne 0 ]
    [[ $output == *"backup_s3_region: not set; velero needs it"* ]]
    [[ $output == *"backup_s3_bucket: not set; velero needs it"* ]]
    [[ $output == *"backup_s3_secret_key: not set; velero needs it"* ]]
    [[ $output != *"backup_s3_url: "* ]]
    [[ $output == *"add velero to enabled_apps and run scripts/bootstrap.sh again"* ]]
    [[ $output == *"error: velero was not enabled; nothing was changed"* ]]
    [[ $output != *AKIAEXAMPLE* ]]
    [ "$(calls | grep -v '^kubectl get --raw=/version ')" = "kubectl get secret stackspin-cluster-variables -n flux-system -o json" ]
  done
  [ ! -e "$STUB_STATE/applied" ]
}

@test "GIVEN velero and a cluster with every backup setting WHEN install-app.sh runs THEN it is enabled, and no setting is printed" {
  seed_cluster_variables domain=stackspin.example.org "${BACKUP_SETTINGS[@]}"
  run "$INSTALL_APP" velero
  [ "$status" -eq 0 ]
  # Velero's HelmRelease is in its own namespace, as the tree says.
  [[ $output == *"flux get helmreleases -n velero --watch"* ]]
  assert_call_order '^kubectl get secret stackspin-cluster-variables ' '^kubectl apply -f -$'
  grep -q '^  name: add-velero$' "$STUB_STATE/applied"
  [[ $output != *AKIAEXAMPLE* && $output != *S3SecretKey42* ]]
}

@test "GIVEN velero and no bootstrapped cluster WHEN install-app.sh runs THEN it says it cannot read the cluster's variables" {
  run "$INSTALL_APP" velero
  [ "$status" -ne 0 ]
  [[ $output == *"cannot read Secret stackspin-cluster-variables in flux-system"*"bootstrap it first (scripts/bootstrap.sh)"* ]]
  [ ! -e "$STUB_STATE/applied" ]
}
