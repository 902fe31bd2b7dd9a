#!/usr/bin/env bash
# Prints the admin logins that setup created (they do not follow later password changes): single
# sign-on's, and WordPress's when the cluster has WordPress. The only command that prints a secret.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Kept equal to WORDPRESS_ADMIN_USER and WORDPRESS_ADMIN_PASSWORD_KEY (apps/wordpress.ts) and to
# the tree's Kustomization of the app by test/scripts/admin-credentials.bats.
readonly WORDPRESS_APP=wordpress
readonly WORDPRESS_SECRET=stackspin-wordpress-variables
readonly WORDPRESS_USER=admin
readonly WORDPRESS_PASSWORD_KEY=wordpress_admin_password

# One key of a Secret in flux-system, decoded; fails naming the Secret and key when it is missing.
secret_value() {
  local secret=$1 key=$2 value
  value=$(kubectl get secret "$secret" -n "$FLUX_NAMESPACE" -o "jsonpath={.data.$key}") \
    || die "cannot read Secret $secret in $FLUX_NAMESPACE; is KUBECONFIG set and the cluster bootstrapped?"
  [[ -n $value ]] || die "Secret $secret has no key $key yet; run bootstrap.sh first, or wait for the cluster to generate it: kubectl -n $FLUX_NAMESPACE wait kustomization/$GENERATED_SECRETS --for=condition=Ready"
  base64 -d <<<"$value"
}

# Whether an app is installed: its Kustomization (which install-app.sh's add-<app> applies) exists.
# Its generated Secret proves nothing: the core declares every app's, so every cluster has them.
app_installed() {
  local name
  name=$(kubectl get kustomization "$1" -n "$FLUX_NAMESPACE" --ignore-not-found -o 'jsonpath={.metadata.name}') \
    || die "cannot read Kustomization $1 in $FLUX_NAMESPACE; is KUBECONFIG set and the cluster bootstrapped?"
  [[ -n $name ]]
}

print_single_sign_on() {
  local email password
  email=$(secret_value stackspin-cluster-variables admin_email)
  password=$(secret_value stackspin-single-sign-on-variables single_sign_on_admin_password)
  printf 'Single sign-on admin login (as created at setup; later changes are not shown):\n'
  printf '  user:     %s\n' "$email"
  printf '  password: %s\n' "$password"
}

print_wordpress() {
  if ! app_installed "$WORDPRESS_APP"; then
    printf '\nWordPress is not installed (scripts/install-app.sh wordpress); it has no admin login yet.\n'
    return
  fi
  local domain password
  domain=$(secret_value stackspin-cluster-variables domain)
  password=$(secret_value "$WORDPRESS_SECRET" "$WORDPRESS_PASSWORD_KEY")
  printf '\nWordPress admin login at https://www.%s/wp-admin/ (as created at install):\n' "$domain"
  printf '  user:     %s\n' "$WORDPRESS_USER"
  printf '  password: %s\n' "$password"
}

usage() {
  echo "usage: admin-credentials.sh   prints the single sign-on and WordPress admin logins of the cluster KUBECONFIG points at"
}

main() {
  parse_options usage -- "$@"
  ((${#ARGUMENTS[@]} == 0)) || die "admin-credentials.sh takes no arguments, got '${ARGUMENTS[0]}'; run it alone (it reads the cluster KUBECONFIG points at)"
  require_tools kubectl base64
  require_cluster
  print_single_sign_on
  print_wordpress
}

main "$@"
