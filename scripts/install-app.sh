#!/usr/bin/env bash
# Enables an optional app on a bootstrapped cluster, like the original install-app.sh: checks the
# cluster variables the app needs (velero: the backup_s3_* settings, read from the cluster's
# Secret stackspin-cluster-variables, which is what Flux substitutes), checks that the cluster
# generated its secrets (the app's included), then applies the Kustomization add-<app>, whose entry
# (dist/flux2/cluster/optional/<app>/) Flux then installs from git. Safe to re-run.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF_USAGE
usage: install-app.sh <app> [--dry-run]

  <app>       one of: $(optional_apps | paste -sd' ' -)
  --dry-run   print the commands and the manifest, and change nothing (the settings check
              still reads the cluster, when kubectl is there)

Flux installs the app from the git repository the cluster follows: commit and push the tree first.

Uninstalling: see "Install a cluster" in README.md.
EOF_USAGE
}

# Refuses an app whose cluster variables are not set in the cluster (velero's S3 settings),
# naming the keys and never their values. It only reads, so a dry run checks too.
check_settings() {
  local app=$1
  if [[ $DRY_RUN == true ]] && ! command -v kubectl >/dev/null 2>&1; then
    warn "kubectl is missing: the settings $app needs in the cluster are not checked"
    return
  fi
  ts_tool flux-env check-app "$app" || die "$app was not enabled; nothing was changed"
}

# `-n <namespace>` of the app's HelmRelease (named after the app) in the committed tree, found
# through the path its entry applies; `-A` when the tree does not say.
release_namespace_flag() {
  local app=$1 dir namespace=''
  dir=$(sed -n 's|^  path: \./||p' "$OPTIONAL_ENTRIES/$app/kustomization-$app.yaml" 2>/dev/null | head -n 1)
  [[ -z $dir ]] || namespace=$(sed -n 's/^  namespace: //p' "$STACKSPIN_ROOT/$dir/helmrelease-$app.yaml" 2>/dev/null | head -n 1)
  if [[ -n $namespace ]]; then printf -- '-n %s' "$namespace"; else printf -- '-A'; fi
}

main() {
  local app=''
  parse_options usage --dry-run -- "$@"
  ((${#ARGUMENTS[@]} <= 1)) || refuse_usage usage "one app at a time; got '${ARGUMENTS[0]}' and '${ARGUMENTS[1]}'"
  app=${ARGUMENTS[0]:-}
  DRY_RUN=${OPTIONS[--dry-run]:-false}
  [[ -n $app ]] || { usage >&2; die "name the app to install"; }
  # The documents install monitoring as an app; here it is part of the core bootstrap installs.
  if [[ $app == monitoring ]]; then
    log "monitoring (Prometheus, Alertmanager, Grafana, Loki, Alloy) is part of the core: nothing to install"
    return 0
  fi
  require_app "$app"
  require_node
  if [[ $DRY_RUN == false ]]; then
    require_tools kubectl
    require_cluster
  fi
  check_settings "$app"

  # The tree declares every app's secrets, so the cluster has generated this app's too; its
  # Kustomization also depends on the generator.
  wait_for_generated_secrets 10m
  log "enabling $app"
  add_app_manifest "$app" | apply_manifests
  cat <<EOF_NEXT

Flux is installing $app$([[ $DRY_RUN == true ]] && echo ' (dry run: nothing was changed)'). Follow it with:
  flux get kustomizations $app --watch
  flux get helmreleases $(release_namespace_flag "$app") --watch
EOF_NEXT
}

main "$@"
