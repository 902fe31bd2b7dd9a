#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/admin-credentials.sh against a stubbed kubectl.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  mkdir -p "$STUB_STATE/secrets"
  ADMIN_CREDENTIALS=$ROOT/scripts/admin-credentials.sh
}

seed_secret() { # name key value
  printf '{"metadata":{"name":"%s","resourceVersion":"1"},"data":{"%s":"%s"}}' "$1" "$2" "$(printf '%s' "$3" | base64)" \
    >"$STUB_STATE/secrets/$1.json"
}

@test "GIVEN a bootstrapped cluster WHEN admin-credentials runs THEN it prints the admin e-mail and the single sign-on admin password" {
  seed_secret stackspin-cluster-variables admin_email admin@example.org
  seed_secret stackspin-single-sign-on-variables single_sign_on_admin_password S3cretPassw0rd
  run "$ADMIN_CREDENTIALS"
  [ "$status" -eq 0 ]
  [[ $output == *"user:     admin@example.org"* ]]
  [[ $output == *"password: S3cretPassw0rd"* ]]
}

@test "GIVEN single sign-on has not created its password yet WHEN admin-credentials runs THEN it says which key is missing" {
  seed_secret stackspin-cluster-variables admin_email admin@example.org
  seed_secret stackspin-single-sign-on-variables other_key x
  run "$ADMIN_CREDENTIALS"
  [ "$status" -ne 0 ]
  [[ $output == *"Secret stackspin-single-sign-on-variables has no key single_sign_on_admin_password yet"* ]]
  [[ $output == *"kubectl -n flux-system wait kustomization/generated-secrets --for=condition=Ready"* ]]
}

@test "GIVEN no cluster WHEN admin-credentials runs THEN it says it cannot read the Secret" {
  run "$ADMIN_CREDENTIALS"
  [ "$status" -ne 0 ]
  [[ $output == *"cannot read Secret stackspin-cluster-variables in flux-system"* ]]
}

@test "GIVEN an argument WHEN admin-credentials runs THEN it is refused naming it, and nothing is read" {
  run "$ADMIN_CREDENTIALS" --namespace
  [ "$status" -ne 0 ]
  [ "$output" = "error: admin-credentials.sh takes no arguments, got '--namespace'; run it alone (it reads the cluster KUBECONFIG points at)" ]
  [ ! -s "$STUB_STATE/calls" ]
  run "$ADMIN_CREDENTIALS" --help
  [ "$status" -eq 0 ]
  [[ $output == "usage: admin-credentials.sh"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}
