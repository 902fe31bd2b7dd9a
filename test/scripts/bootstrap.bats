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

@test "GIVEN a fresh server WHEN bootstrap runs THEN k3s, the flux CLI, Flux, the variables and the root are installed in that order, then it waits for the generated secrets and the core" {
  use_fresh_run
  [ "$status" -eq 0 ]
  assert_call_order \
    '^curl https://raw.githubusercontent.com/k3s-io/k3s/.*/install.sh$' \
    '^k3s-install ' \
    '^curl https://github.com/fluxcd/flux2/releases/download/.*_linux_.*\.tar\.gz$' \
    '^curl https://github.com/fluxcd/flux2/releases/download/.*_checksums\.txt$' \
    "^flux install --version=$FLUX_VERSION " \
    '^kubectl apply --server-side .*-f -$' \
    '^kubectl apply -f -$' \
    '^kubectl wait --for=condition=Ready gitrepository/stackspin -n flux-system' \
    '^kubectl wait --for=condition=Ready kustomization/generated-secrets -n flux-system' \
    '^kubectl wait --for=condition=Ready kustomization/stackspin -n flux-system'
  [[ $output == *"Stackspin core is ready"* ]]
  [[ $output == *"install-app.sh <app>"* ]]
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN k3s is the catalogue's version without bundled Traefik and local storage, ip_address its external address and in its certificate, its kubeconfig root's alone" {
  use_fresh_run
  grep -qxF "k3s-install INSTALL_K3S_VERSION=$K3S_VERSION INSTALL_K3S_EXEC=server --disable traefik --disable local-storage --write-kubeconfig-mode 0600 --node-external-ip 203.0.113.7 --tls-san 203.0.113.7" "$STUB_STATE/calls"
  grep -qF "curl https://raw.githubusercontent.com/k3s-io/k3s/$K3S_VERSION/install.sh" "$STUB_STATE/calls"
  [ -x "$STUB_BIN/flux" ]
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN the cluster variables Secret holds .flux.env, no other Secret is written (the cluster generates its own), and no secret is printed" {
  use_fresh_run
  [ "$(secret_value stackspin-cluster-variables domain)" = stackspin.example.org ]
  [ "$(secret_value stackspin-cluster-variables outgoing_mail_smtp_password)" = SmtpSecret42 ]
  [ "$(ls "$STUB_STATE/secrets")" = stackspin-cluster-variables.json ]
  refute_call '^kubectl (create|patch)'
  [[ $output != *SmtpSecret42* ]]
}

@test "GIVEN the tree WHEN bootstrap points Flux at it THEN it applies the tree's own GitRepository, secret generator and root Kustomization with --repo-url and --branch, which also land in the Secret" {
  use_fresh_run
  grep -q '^    branch: "staging"$' "$STUB_STATE/applied"
  grep -q '^  url: "https://git.example.org/ops/stackspin.git"$' "$STUB_STATE/applied"
  grep -q '^  path: ./dist/flux2/cluster/core$' "$STUB_STATE/applied"
  grep -q '^  name: generated-secrets$' "$STUB_STATE/applied"
  grep -q '^  path: ./dist/flux2/infrastructure/generated-secrets$' "$STUB_STATE/applied"
  [ "$(secret_value stackspin-cluster-variables stackspin_repo_url)" = https://git.example.org/ops/stackspin.git ]
  [ "$(secret_value stackspin-cluster-variables stackspin_repo_branch)" = staging ]
}

@test "GIVEN enabled_apps=wekan WHEN bootstrap runs THEN add-wekan is applied" {
  use_fresh_run
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

@test "GIVEN a run that failed applying the root WHEN bootstrap runs again THEN it continues, keeps the variables and completes" {
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
  [[ $output =~ \+\ kubectl\ wait\ --for=condition=Ready\ kustomization/generated-secrets\ -n\ flux-system\ --timeout=(1800|1799)s ]]
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

@test "GIVEN Node.js 18 WHEN bootstrap runs THEN it says it is too old and changes nothing" {
  printf '#!/bin/sh\necho v18.19.1\n' >"$STUB_BIN/node"
  chmod +x "$STUB_BIN/node"
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -ne 0 ]
  [[ $output == *"error: Node.js v18.19.1 is too old; install Node.js 20 or newer"* ]]
  [ ! -s "$STUB_STATE/calls" ]
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
  # The three waits share the 5 minutes: each gets what is left.
  [ "$(grep -cE -- '--timeout=(300|299|298)s$' "$STUB_STATE/calls")" -eq 3 ]
}

@test "GIVEN a timeout that waits for nothing or overflows WHEN bootstrap starts THEN it is refused before anything runs" {
  for timeout in 0s 99999999999999h 1d; do
    run "$BOOTSTRAP" --env-file "$ENV_FILE" --timeout "$timeout"
    [ "$status" -ne 0 ]
    [[ $output == *"--timeout '$timeout' "* ]]
  done
  refute_call '^kubectl'
}

@test "GIVEN the cluster never generates its secrets WHEN bootstrap waits THEN it fails saying where to look, before waiting for the core" {
  export STUB_FAIL='^kubectl wait --for=condition=Ready kustomization/generated-secrets'
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --timeout 5m
  [ "$status" -ne 0 ]
  [[ $output == *"the cluster did not generate its secrets within 5m; see flux get kustomizations generated-secrets"* ]]
  refute_call '^kubectl wait --for=condition=Ready kustomization/stackspin'
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

@test "GIVEN --branch followed by --dry-run WHEN bootstrap runs THEN the flag is not taken as the branch, and nothing runs" {
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --branch --dry-run
  [ "$status" -ne 0 ]
  [[ $output == *"error: --branch needs a value, got the flag '--dry-run'; write --branch NAME (or --branch=NAME for a value that starts with -)"* ]]
  [[ $output != *"Stackspin core is ready"* ]]
  [ ! -s "$STUB_STATE/calls" ]
  [ -z "$(ls -A "$STUB_BIN")" ]
}

@test "GIVEN any value-taking option followed by a flag WHEN bootstrap runs THEN it is refused naming the option, and nothing runs" {
  for option in --env-file --repo-url --branch --timeout; do
    run "$BOOTSTRAP" "$option" --existing-cluster
    [ "$status" -ne 0 ]
    [[ $output == *"error: $option needs a value, got the flag '--existing-cluster'"* ]]
    run "$BOOTSTRAP" "$option=" --dry-run
    [ "$status" -ne 0 ]
    [[ $output == *"error: $option needs a value, got an empty one"* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN --branch=NAME and --env-file=FILE WHEN bootstrap runs a dry run THEN the values are used" {
  run "$BOOTSTRAP" --env-file="$ENV_FILE" --branch=staging --dry-run
  [ "$status" -eq 0 ]
  [[ $output == *"stackspin_repo_branch: staging"* ]]
  [[ $output == *"branch: staging"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN an env file git tracks WHEN bootstrap runs (also as a dry run) THEN it refuses with the git rm --cached fix, and nothing runs" {
  git -C "$BATS_TEST_TMPDIR" init -q
  git -C "$BATS_TEST_TMPDIR" add .flux.env
  for dry in '' --dry-run; do
    run "$BOOTSTRAP" --env-file "$ENV_FILE" $dry
    [ "$status" -ne 0 ]
    [[ $output == *"error: $ENV_FILE is tracked by git, so its secrets reach everyone who can read the repository; untrack it with: git -C $BATS_TEST_TMPDIR rm --cached -- .flux.env"* ]]
    [[ $output != *SmtpSecret42* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN an env file in a git checkout that ignores it WHEN bootstrap runs a dry run THEN it goes ahead" {
  git -C "$BATS_TEST_TMPDIR" init -q
  cp "$ROOT/.gitignore" "$BATS_TEST_TMPDIR/.gitignore"
  git -C "$BATS_TEST_TMPDIR" check-ignore -q .flux.env
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --dry-run
  [ "$status" -eq 0 ]
}

@test "GIVEN a directory as the env file WHEN bootstrap runs THEN it says so in one line, and nothing runs" {
  run "$BOOTSTRAP" --env-file "$BATS_TEST_TMPDIR"
  [ "$status" -ne 0 ]
  [ "$output" = "error: $BATS_TEST_TMPDIR is a directory, not an env file; pass --env-file with the path of your .flux.env" ]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a malformed line holding the SMTP password WHEN bootstrap runs, or its dry run THEN the line number and key are named, never the value" {
  sed -i 's/^outgoing_mail_smtp_password=.*/outgoing_mail_smtp_password = SuperSecret123/' "$ENV_FILE"
  for dry in '' --dry-run; do
    run "$BOOTSTRAP" --env-file "$ENV_FILE" $dry
    [ "$status" -ne 0 ]
    [[ $output == *"line 11: outgoing_mail_smtp_password: not name=value"* ]]
    [[ $output != *SuperSecret123* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a fresh server WHEN bootstrap runs THEN root's ~/.kube/config links to k3s's kubeconfig, which is readable by root only, so kubectl and flux work in any root shell" {
  use_fresh_run
  [ "$status" -eq 0 ]
  [ -L "$ROOT_KUBECONFIG" ]
  [ "$(readlink "$ROOT_KUBECONFIG")" = "$K3S_KUBECONFIG" ]
  # The fresh run's own directory (use_fresh_run re-creates the link at this test's paths).
  [ "$(stat -c %a "$BATS_FILE_TMPDIR/fresh/root/.kube")" = 700 ]
  [ "$(stat -c %a "$K3S_KUBECONFIG")" = 600 ]
  [[ $output == *"kubectl and flux reach the cluster in any root shell (/"*"/root/.kube/config links to /"*"/etc/rancher/k3s/k3s.yaml)."* ]]
}

@test "GIVEN the link in place WHEN bootstrap runs again THEN it is kept as it is and nothing is re-linked" {
  use_fresh_run
  run "$BOOTSTRAP" --env-file "$ENV_FILE" "${FRESH_FLAGS[@]}"
  [ "$status" -eq 0 ]
  [[ $output == *"$ROOT_KUBECONFIG links to k3s's kubeconfig"* ]]
  [[ $output != *"linking $ROOT_KUBECONFIG"* ]]
  [ "$(readlink "$ROOT_KUBECONFIG")" = "$K3S_KUBECONFIG" ]
}

@test "GIVEN a kubeconfig of root's own WHEN bootstrap runs THEN it is left untouched and the warning says how to connect" {
  mkdir -p "$(dirname "$ROOT_KUBECONFIG")"
  echo 'mine' >"$ROOT_KUBECONFIG"
  run "$BOOTSTRAP" --env-file "$ENV_FILE"
  [ "$status" -eq 0 ]
  [ "$(cat "$ROOT_KUBECONFIG")" = mine ]
  [[ $output == *"warning: $ROOT_KUBECONFIG exists and is not k3s's kubeconfig; left as it is"* ]]
  [ "$(stat -c %a "$K3S_KUBECONFIG")" = 600 ]
}

@test "GIVEN --dry-run WHEN bootstrap runs THEN it shows the k3s options with ip_address and the kubeconfig link, and creates neither" {
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --dry-run
  [ "$status" -eq 0 ]
  [[ $output == *"INSTALL_K3S_EXEC=server\ --disable\ traefik\ --disable\ local-storage\ --write-kubeconfig-mode\ 0600\ --node-external-ip\ 203.0.113.7\ --tls-san\ 203.0.113.7"* ]]
  [[ $output == *"+ install -d -m 0700 $(dirname "$ROOT_KUBECONFIG")"* ]]
  [[ $output == *"+ ln -s $K3S_KUBECONFIG $ROOT_KUBECONFIG"* ]]
  [[ $output == *"+ chmod 0600 $K3S_KUBECONFIG"* ]]
  [ ! -e "$ROOT_KUBECONFIG" ]
  [ ! -e "$K3S_KUBECONFIG" ]
}

@test "GIVEN an existing cluster WHEN bootstrap runs THEN no kubeconfig is linked (KUBECONFIG names the operator's)" {
  export KUBECONFIG=$BATS_TEST_TMPDIR/kubeconfig
  : >"$KUBECONFIG"
  run "$BOOTSTRAP" --env-file "$ENV_FILE" --existing-cluster
  [ "$status" -eq 0 ]
  [ ! -e "$ROOT_KUBECONFIG" ]
  [[ $output != *"any root shell"* ]]
}
