#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/bootstrap.sh against stubbed curl, k3s, kubectl and flux.

load helpers

setup_file() {
  prepare_fixtures
  prepare_fresh_run
}

setup() {
  setup_stubs
  BOOTSTRAP=$ROOT/scripts/bootstrap.sh
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN k3s, the flux CLI, Flux, the variables, the secrets and the root are installed in that order, then it waits" {
  use_fresh_run
  [ "$status" -eq 0 ]
  assert_call_order \
    '^curl https://raw.githubusercontent.com/k3s-io/k3s/.*/install.sh$' \
    '^k3s-install ' \
    '^curl https://github.com/fluxcd/flux2/releases/download/.*_linux_.*\.tar\.gz$' \
    '^curl https://github.com/fluxcd/flux2/releases/download/.*_checksums\.txt$' \
    "^flux install --version=$FLUX_VERSION " \
    '^kubectl apply --server-side .*-f -$' \
    '^kubectl create -f -' \
    '^kubectl apply -f -$' \
    '^kubectl wait --for=condition=Ready gitrepository/stackspin -n flux-system' \
    '^kubectl wait --for=condition=Ready kustomization/stackspin -n flux-system'
  [[ $output == *"Stackspin core is ready"* ]]
  [[ $output == *"install-app.sh <app>"* ]]
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN k3s is the catalogue's version without bundled Traefik and local storage" {
  use_fresh_run
  grep -qxF "k3s-install INSTALL_K3S_VERSION=$K3S_VERSION INSTALL_K3S_EXEC=server --disable traefik --disable local-storage" "$STUB_STATE/calls"
  grep -qF "curl https://raw.githubusercontent.com/k3s-io/k3s/$K3S_VERSION/install.sh" "$STUB_STATE/calls"
  [ -x "$STUB_BIN/flux" ]
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN the cluster variables Secret holds .flux.env and every core secret is generated, and no secret is printed" {
  use_fresh_run
  [ "$(secret_value stackspin-cluster-variables domain)" = stackspin.example.org ]
  [ "$(secret_value stackspin-cluster-variables outgoing_mail_smtp_password)" = SmtpSecret42 ]
  expected=$(cd "$ROOT" && node -r ./scripts/lib/ts-loader.js scripts/secrets.ts ensure --core --app wekan --dry-run | awk '{ print $6 }' | sort)
  [ -n "$expected" ]
  created=$(grep -oE '^kubectl get secret [a-z0-9-]+' "$STUB_STATE/calls" | awk '{ print $4 }' | sort -u)
  [ "$created" = "$expected" ]
  for name in $expected; do
    [ -f "$STUB_STATE/secrets/$name.json" ]
    for value in $(node -e 'for (const v of Object.values(require(process.argv[1]).data)) console.log(Buffer.from(v, "base64").toString())' "$STUB_STATE/secrets/$name.json"); do
      [[ $output != *"$value"* ]]
    done
  done
  [[ $output != *SmtpSecret42* ]]
}

@test "GIVEN the tree WHEN bootstrap points Flux at it THEN it applies the tree's own GitRepository and root Kustomization with --repo-url and --branch, which also land in the Secret" {
  use_fresh_run
  grep -q '^    branch: staging$' "$STUB_STATE/applied"
  grep -q '^  url: https://git.example.org/ops/stackspin.git$' "$STUB_STATE/applied"
  grep -q '^  path: ./dist/flux2/cluster/core$' "$STUB_STATE/applied"
  [ "$(secret_value stackspin-cluster-variables stackspin_repo_url)" = https://git.example.org/ops/stackspin.git ]
  [ "$(secret_value stackspin-cluster-variables stackspin_repo_branch)" = staging ]
}

@test "GIVEN enabled_apps=wekan WHEN bootstrap runs THEN wekan's secret is generated and add-wekan is applied" {
  use_fresh_run
  [ -n "$(secret_value stackspin-wekan-variables wekan_oauth_client_secret)" ]
  grep -q '^  name: add-wekan$' "$STUB_STATE/applied"
  grep -q '^  path: ./dist/flux2/cluster/optional/wekan$' "$STUB_STATE/applied"
}

@test "GIVEN a bootstrapped cluster WHEN bootstrap runs again THEN nothing is downloaded or installed, no secret changes and the same manifests are applied" {
  use_fresh_run
  before=$(secrets_fingerprint)
  first=$(grep -v '^#' "$STUB_STATE/applied")
  : >"$STUB_STATE/calls"
  : >"$STUB_STATE/applied"
  run "$BOOTSTRAP" --env-file "$ENV_FILE" "${FRESH_FLAGS[@]}"
  [ "$status" -eq 0 ]
  refute_call '^curl '
  refute_call '^k3s-install '
  refute_call '^flux install'
  refute_call '^kubectl (create|patch)'
  [ "$(secrets_fingerprint)" = "$before" ]
  [ "$(grep -v '^#' "$STUB_STATE/applied")" = "$first" ]
  [[ $output == *"k3s $K3S_VERSION is installed"* ]]
  [[ $output == *"Flux $FLUX_VERSION controllers are installed"* ]]
}

@test "GIVEN a run that failed after generating secrets WHEN bootstrap runs again THEN it continues, keeps the secrets and completes" {
  export STUB_FAIL='^kubectl apply -f -$'
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  refute_call '^kubectl wait'
  before=$(secrets_fingerprint)
  unset STUB_FAIL
  : >"$STUB_STATE/calls"
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -eq 0 ]
  [ "$(secrets_fingerprint)" = "$before" ]
  refute_call '^(curl|k3s-install|flux install)'
  refute_call '^kubectl (create|patch)'
  assert_call_order '^kubectl apply -f -$' '^kubectl wait --for=condition=Ready kustomization/stackspin'
}

@test "GIVEN a run that failed installing Flux WHEN bootstrap runs again THEN Flux is installed without reinstalling k3s or the CLI" {
  export STUB_FAIL='^flux install'
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  refute_call '^kubectl apply'
  unset STUB_FAIL
  : >"$STUB_STATE/calls"
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -eq 0 ]
  refute_call '^(curl|k3s-install)'
  assert_call_order "^flux install --version=$FLUX_VERSION" '^kubectl wait'
}

@test "GIVEN --dry-run WHEN bootstrap runs THEN it prints every command and manifest, hides sensitive values and touches nothing" {
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --dry-run
  [ "$status" -eq 0 ]
  [ ! -s "$STUB_STATE/calls" ]
  [ -z "$(ls -A "$STUB_BIN")" ]
  [ ! -d "$STUB_STATE/secrets" ] || [ -z "$(ls -A "$STUB_STATE/secrets")" ]
  [[ $output == *"+ env INSTALL_K3S_VERSION=$K3S_VERSION"* ]]
  [[ $output == *"+ flux install --version=$FLUX_VERSION"* ]]
  [[ $output == *"name: stackspin-cluster-variables"* ]]
  [[ $output == *"outgoing_mail_smtp_password: <sensitive, not shown>"* ]]
  [[ $output != *SmtpSecret42* ]]
  [[ $output == *"+ npx ts-node --transpile-only scripts/secrets.ts ensure --core"* ]]
  [[ $output == *"kind: GitRepository"* ]]
  [[ $output == *"path: ./dist/flux2/cluster/core"* ]]
  [[ $output == *"+ kubectl wait --for=condition=Ready kustomization/stackspin"* ]]
}

@test "GIVEN an invalid .flux.env WHEN bootstrap runs THEN it names the key and the fix and applies nothing" {
  sed -i 's/^domain=.*/domain="stackspin.example.org"/' "$ENV_FILE"
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"domain: remove the quotes around the value"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN no .flux.env WHEN bootstrap runs THEN it says to copy the example" {
  run "$BOOTSTRAP" --env-file "$BATS_TEST_TMPDIR/missing.env"
  [ "$status" -ne 0 ]
  [[ $output == *"copy .flux.env.example"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN missing tools WHEN bootstrap runs THEN each missing tool is named with how to get it, and nothing runs" {
  mkdir "$BATS_TEST_TMPDIR/path"
  for tool in node dirname; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/path/$tool"; done
  PATH=$BATS_TEST_TMPDIR/path run "$(command -v bash)" "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"error: curl is missing: apt-get install -y curl"* ]]
  [[ $output == *"error: tar is missing"* ]]
  [[ $output == *"error: sha256sum is missing"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN no Node.js WHEN bootstrap runs THEN it says to install Node.js 20" {
  mkdir "$BATS_TEST_TMPDIR/path"
  ln -s "$(command -v dirname)" "$BATS_TEST_TMPDIR/path/dirname"
  PATH=$BATS_TEST_TMPDIR/path run "$(command -v bash)" "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"error: node is missing: install Node.js 20 or newer"* ]]
}

@test "GIVEN bad flags WHEN bootstrap runs THEN it prints the usage and the problem and does nothing" {
  run "$BOOTSTRAP" --frobnicate
  [ "$status" -ne 0 ]
  [[ $output == *"usage: bootstrap.sh"* ]]
  [[ $output == *"unknown option '--frobnicate'"* ]]
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --branch
  [ "$status" -ne 0 ]
  [[ $output == *"--branch needs a value"* ]]
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --timeout soon
  [ "$status" -ne 0 ]
  [[ $output == *"--timeout 'soon' must be a duration like 30m"* ]]
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --repo-url 'ftp://example.org/x'
  [ "$status" -ne 0 ]
  [[ $output == *"stackspin_repo_url: 'ftp://example.org/x' must be an http(s) URL"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a non-root user on a fresh server WHEN bootstrap runs THEN it asks for root and does nothing" {
  export STUB_UID=1000
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"installing k3s needs root"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN --existing-cluster without KUBECONFIG WHEN bootstrap runs THEN it asks for KUBECONFIG" {
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --existing-cluster
  [ "$status" -ne 0 ]
  [[ $output == *"--existing-cluster needs KUBECONFIG"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN --existing-cluster and KUBECONFIG WHEN a non-root user bootstraps THEN k3s is skipped and the rest runs" {
  export STUB_UID=1000 KUBECONFIG=$BATS_TEST_TMPDIR/kubeconfig
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --existing-cluster
  [ "$status" -eq 0 ]
  refute_call 'k3s'
  assert_call_order "^flux install --version=$FLUX_VERSION" '^kubectl wait --for=condition=Ready kustomization/stackspin'
}

@test "GIVEN a flux release that does not match its checksum WHEN bootstrap runs THEN it stops before installing the CLI" {
  export STUB_BAD_CHECKSUM=1
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"does not match its published checksum"* ]]
  [ ! -e "$STUB_BIN/flux" ]
  refute_call '^kubectl'
}

@test "GIVEN Flux never reports the core ready WHEN bootstrap waits THEN it fails saying how to look and that a re-run continues" {
  export STUB_FAIL='^kubectl wait --for=condition=Ready kustomization/stackspin'
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --timeout 5m
  [ "$status" -ne 0 ]
  [[ $output == *"Flux did not report the core ready within 5m"* ]]
  [[ $output == *"run bootstrap.sh again"* ]]
  grep -q -- '--timeout=5m' "$STUB_STATE/calls"
}

@test "GIVEN k3s of another version WHEN bootstrap runs THEN it leaves k3s to the upgrade controller instead of reinstalling it" {
  use_fresh_run
  echo v1.99.0+k3s1 >"$STUB_STATE/k3s-version"
  : >"$STUB_STATE/calls"
  run "$BOOTSTRAP" --env-file "$ENV_FILE" "${FRESH_FLAGS[@]}"
  [ "$status" -eq 0 ]
  refute_call '^(curl|k3s-install)'
  [[ $output == *"k3s v1.99.0+k3s1 is installed (the catalogue pins $K3S_VERSION)"* ]]
}
