#!/usr/bin/env bash
# Backs up the cluster now, exactly as the nightly backup does (before a risky change, say): a
# Velero Backup with the template of the nightly Schedule, named backup-now-<UTC time>, through
# kubectl (no Velero CLI). With --wait it waits until Velero has finished and reports the result.
# Each run makes one new backup; Velero deletes it after 30 days like the nightly ones.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/velero.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/velero.sh"

readonly NAME_PREFIX=backup-now
# Copying every volume of a full server to S3 can take long the first time.
readonly WAIT_TIMEOUT=4h

WAIT=false

usage() {
  cat <<EOF_USAGE
usage: backup-now.sh [--wait] [--dry-run]

Backs up the cluster KUBECONFIG points at now, with what the nightly backup covers (every
namespace but velero, every volume but Prometheus's), kept 30 days, and prints the backup's name
to restore from (scripts/restore-app.sh <app> --backup <name>).

  --wait      wait until Velero has finished (up to $WAIT_TIMEOUT) and report what it backed up
  --dry-run   print the Backup it would create, and change nothing (it still reads the cluster)
  -h, --help  this text
EOF_USAGE
}

parse_args() {
  parse_options usage --wait --dry-run -- "$@"
  ((${#ARGUMENTS[@]} == 0)) || refuse_usage usage "unexpected argument '${ARGUMENTS[0]}'; backup-now.sh takes only options"
  WAIT=${OPTIONS[--wait]:-false}
  DRY_RUN=${OPTIONS[--dry-run]:-false}
}

# The Backup: the Schedule's template as its spec. Unlike the nightly ones, it does not carry the
# schedule's label: it is not one of the schedule's backups.
backup_manifest() {
  local name=$1 template=$2
  printf '{"apiVersion":"velero.io/v1","kind":"Backup","metadata":{"name":"%s","namespace":"%s"},"spec":%s}' \
    "$name" "$VELERO_NAMESPACE" "$template"
}

# What Velero made of it; fails unless it Completed.
report_backup() {
  local name=$1 phase reason
  phase=$(velero_field backup "$name" '{.status.phase}')
  printf 'Backup %s: %s\n  %s; kept until %s\n' "$name" "$phase" "$(velero_summary backup "$name" 'backed up')" \
    "$(velero_field backup "$name" '{.status.expiration}')"
  [[ $phase != Completed ]] || return 0
  reason=$(velero_field backup "$name" '{.status.failureReason}' || true)
  die "backup $name is $phase, not Completed${reason:+ ($reason)}; Velero's log of it: kubectl -n $VELERO_NAMESPACE logs deploy/velero | grep 'backup=$VELERO_NAMESPACE/$name'"
}

main() {
  parse_args "$@"
  require_node
  require_tools kubectl
  require_cluster
  read_velero_names < <(ts_tool backup-sets velero)
  require_velero
  local template name
  template=$(schedule_template)
  name="$NAME_PREFIX-$(timestamp)"
  log "backing up the cluster as backup $name (the template of schedule $VELERO_SCHEDULE)"
  backup_manifest "$name" "$template" | create_manifest
  if [[ $WAIT == true ]]; then
    wait_until_finished backup "$name" "$WAIT_TIMEOUT"
    [[ $DRY_RUN == true ]] || report_backup "$name"
  fi
  if [[ $DRY_RUN == true ]]; then
    printf '\nDry run: nothing was changed.\n'
    return
  fi
  cat <<EOF_NEXT

Backup $name $([[ $WAIT == true ]] && echo 'is complete' || echo 'is running'). Follow and list backups with:
  kubectl get backup -n $VELERO_NAMESPACE $name -w
  kubectl get backup -A
Restore one app from it with:
  scripts/restore-app.sh <app> --backup $name
EOF_NEXT
}

main "$@"
