#!/usr/bin/env bash
# Prints the single sign-on admin login that setup created (it does not follow later password
# changes). The only command that prints a secret.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# One key of a Secret in flux-system, decoded; fails naming the Secret and key when it is missing.
secret_value() {
  local secret=$1 key=$2 value
  value=$(kubectl get secret "$secret" -n "$FLUX_NAMESPACE" -o "jsonpath={.data.$key}") \
    || die "cannot read Secret $secret in $FLUX_NAMESPACE; is KUBECONFIG set and the cluster bootstrapped?"
  [[ -n $value ]] || die "Secret $secret has no key $key yet; run bootstrap.sh first, or wait for the cluster to generate it: kubectl -n $FLUX_NAMESPACE wait kustomization/$GENERATED_SECRETS --for=condition=Ready"
  base64 -d <<<"$value"
}

main() {
  if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    echo "usage: admin-credentials.sh   prints the single sign-on admin login of the cluster KUBECONFIG points at"
    exit 0
  fi
  (($# == 0)) || die "admin-credentials.sh takes no arguments, got '$1'; run it alone (it reads the cluster KUBECONFIG points at)"
  require_tools kubectl base64
  local email password
  email=$(secret_value stackspin-cluster-variables admin_email)
  password=$(secret_value stackspin-single-sign-on-variables single_sign_on_admin_password)
  printf 'Single sign-on admin login (as created at setup; later changes are not shown):\n'
  printf '  user:     %s\n' "$email"
  printf '  password: %s\n' "$password"
}

main "$@"
