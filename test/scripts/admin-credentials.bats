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

seed_secret() { # name key value [key value]...
  local name=$1 data='' separator=''
  shift
  while (($# > 0)); do
    data+=$(printf '%s"%s":"%s"' "$separator" "$1" "$(printf '%s' "$2" | base64)")
    separator=,
    shift 2
  done
  printf '{"metadata":{"name":"%s","resourceVersion":"1"},"data":{%s}}' "$name" "$data" >"$STUB_STATE/secrets/$name.json"
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
  [ "${lines[-1]}" = "error: unknown option '--namespace'" ]
  run "$ADMIN_CREDENTIALS" wordpress
  [ "$output" = "error: admin-credentials.sh takes no arguments, got 'wordpress'; run it alone (it reads the cluster KUBECONFIG points at)" ]
  [ ! -s "$STUB_STATE/calls" ]
  run "$ADMIN_CREDENTIALS" --help
  [ "$status" -eq 0 ]
  [[ $output == "usage: admin-credentials.sh"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

# WordPress installed: install-app.sh's add-wordpress has applied the Kustomization wordpress.
install_wordpress() {
  stub_respond '^kubectl get kustomization wordpress -n flux-system --ignore-not-found -o jsonpath=\{\.metadata\.name\}$' wordpress
}

@test "GIVEN a cluster with WordPress WHEN admin-credentials runs THEN it also prints WordPress's admin login and address" {
  install_wordpress
  seed_secret stackspin-cluster-variables admin_email admin@example.org domain stackspin.example.org
  seed_secret stackspin-single-sign-on-variables single_sign_on_admin_password S3cretPassw0rd
  seed_secret stackspin-wordpress-variables wordpress_admin_password WpPassw0rd wordpress_mariadb_password x
  run "$ADMIN_CREDENTIALS"
  [ "$status" -eq 0 ]
  [[ $output == *"password: S3cretPassw0rd"* ]]
  [[ $output == *"WordPress admin login at https://www.stackspin.example.org/wp-admin/ (as created at install):"* ]]
  [[ $output == *$'user:     admin\n  password: WpPassw0rd'* ]]
}

@test "GIVEN a cluster without WordPress, its generated Secret there as on every cluster WHEN admin-credentials runs THEN it says WordPress is not installed and prints no WordPress password" {
  seed_secret stackspin-cluster-variables admin_email admin@example.org domain stackspin.example.org
  seed_secret stackspin-single-sign-on-variables single_sign_on_admin_password S3cretPassw0rd
  seed_secret stackspin-wordpress-variables wordpress_admin_password WpPassw0rd
  run "$ADMIN_CREDENTIALS"
  [ "$status" -eq 0 ]
  [[ $output == *"password: S3cretPassw0rd"* ]]
  [[ $output == *"WordPress is not installed (scripts/install-app.sh wordpress); it has no admin login yet."* ]]
  [[ $output != *WpPassw0rd* ]]
}

@test "GIVEN WordPress before its password is generated WHEN admin-credentials runs THEN it names the missing key" {
  install_wordpress
  seed_secret stackspin-cluster-variables admin_email admin@example.org domain stackspin.example.org
  seed_secret stackspin-single-sign-on-variables single_sign_on_admin_password S3cretPassw0rd
  seed_secret stackspin-wordpress-variables wordpress_mariadb_password x
  run "$ADMIN_CREDENTIALS"
  [ "$status" -ne 0 ]
  [[ $output == *"Secret stackspin-wordpress-variables has no key wordpress_admin_password yet"* ]]
}

@test "GIVEN the script's WordPress user, Secret and key WHEN compared with the TypeScript that installs WordPress THEN they are the same" {
  read -r user key < <(cd "$ROOT" && node -r ./scripts/lib/ts-loader.js -e '
    const w = require("./apps/wordpress"); console.log(w.WORDPRESS_ADMIN_USER, w.WORDPRESS_ADMIN_PASSWORD_KEY)')
  grep -qx "readonly WORDPRESS_USER=$user" "$ADMIN_CREDENTIALS"
  grep -qx "readonly WORDPRESS_PASSWORD_KEY=$key" "$ADMIN_CREDENTIALS"
  grep -qx 'readonly WORDPRESS_SECRET=stackspin-wordpress-variables' "$ADMIN_CREDENTIALS"
  grep -qx 'readonly WORDPRESS_APP=wordpress' "$ADMIN_CREDENTIALS"
  grep -q '^  name: wordpress$' "$ROOT/dist/flux2/cluster/optional/wordpress/kustomization-wordpress.yaml"
  grep -q '^  wordpress_admin_password: password$' "$ROOT/dist/flux2/infrastructure/generated-secrets/configmap-stackspin-wordpress-variables-keys.yaml"
}
