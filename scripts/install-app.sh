#!/usr/bin/env bash
# Enables an optional app on a bootstrapped cluster, like the original install-app.sh: checks that
# the cluster generated its secrets (the app's included), then applies the Kustomization
# add-<app>, whose entry (dist/flux2/cluster/optional/<app>/) Flux then installs. Safe to re-run.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF_USAGE
usage: install-app.sh <app> [--dry-run]

  <app>       one of: $(optional_apps | paste -sd' ' -)
  --dry-run   print the commands and the manifest, and change nothing

Uninstalling: see "Install a cluster" in README.md.
EOF_USAGE
}

main() {
  local app=''
  while (($# > 0)); do
    case $1 in
      --dry-run) DRY_RUN=true ;;
      -h | --help) usage; exit 0 ;;
      -*) usage >&2; die "unknown option '$1'" ;;
      *)
        [[ -z $app ]] || { usage >&2; die "one app at a time; got '$app' and '$1'"; }
        app=$1
        ;;
    esac
    shift
  done
  [[ -n $app ]] || { usage >&2; die "name the app to install"; }
  # The documents install monitoring as an app; here it is part of the core bootstrap installs.
  if [[ $app == monitoring ]]; then
    log "monitoring (Prometheus, Alertmanager, Grafana, Loki, Alloy) is part of the core: nothing to install"
    return 0
  fi
  require_app "$app"
  [[ $DRY_RUN == true ]] || require_tools kubectl

  # The tree declares every app's secrets, so the cluster has generated this app's too; its
  # Kustomization also depends on the generator.
  wait_for_generated_secrets 10m
  log "enabling $app"
  add_app_manifest "$app" | apply_manifests
  cat <<EOF_NEXT

Flux is installing $app$([[ $DRY_RUN == true ]] && echo ' (dry run: nothing was changed)'). Follow it with:
  flux get kustomizations $app --watch
  flux get helmreleases -n stackspin-apps --watch
EOF_NEXT
}

main "$@"
