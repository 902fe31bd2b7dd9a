#!/usr/bin/env bash
# Restores one app's data (or single sign-on's, or Grafana's) from a Velero backup, through
# kubectl, flux and Velero's own objects (no Velero CLI): suspends the app's Kustomization and
# every HelmRelease of the app, so Flux and Helm recreate nothing; deletes its workloads and
# claims by its backup-set label; has Velero restore that label from the backup and waits until
# it has finished and the pods are ready; resumes the releases in dependency order, then the
# Kustomization; and reports what it restored. The app, its releases and its label come from the
# committed tree (scripts/backup-sets.ts). Every check runs before anything changes.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/velero.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/velero.sh"

# Volumes come back from S3 through the node agent: allow for a large one.
readonly RESTORE_TIMEOUT=4h
readonly DELETE_TIMEOUT=10m
readonly READY_TIMEOUT=15m
readonly RESUME_TIMEOUT=15m
# A Kubernetes object name (RFC 1123 subdomain), which a backup's name is.
readonly OBJECT_NAME='^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$'

APP=''
BACKUP=''
YES=false
# From the tree: the set's Kustomization, namespaces, releases (<namespace>/<name>, resume order),
# its label selector and the kinds a restore deletes.
KUSTOMIZATION=''
NAMESPACES=()
RELEASES=()
SELECTOR=''
DELETE_KINDS=''
RESTORE=''
# The app's claims now, as "<namespace>/<claim> <volume>": their volumes are kept until the
# operator has checked the restored app.
CLAIMS=()
# What is suspended (for the message when a later step fails).
SUSPENDED=false

# The usage; with "apps", the apps it restores too (which reads the tree, a second or two).
usage() {
  local apps='an optional app, single-sign-on or grafana (restore-app.sh --help lists them)'
  [[ ${1:-} != apps ]] || apps="one of: $(ts_tool backup-sets list | paste -sd' ' -)"
  cat <<EOF_USAGE
usage: restore-app.sh <app> [--backup NAME] [--yes] [--dry-run]

Replaces an app's data in the cluster KUBECONFIG points at with its data in a Velero backup.
Everything the app stored since that backup is lost: back up first (scripts/backup-now.sh --wait).

  <app>          $apps
  --backup NAME  the backup to restore from (kubectl get backup -A); default: the newest completed one
  --yes          do not ask before deleting the app's workloads and volumes
  --dry-run      print every step and change nothing (it still reads the cluster)
  -h, --help     this text
EOF_USAGE
}

# --help: the usage with the apps it restores.
usage_with_apps() {
  require_node
  usage apps
}

parse_args() {
  parse_options usage_with_apps --backup=NAME --yes --dry-run -- "$@"
  ((${#ARGUMENTS[@]} <= 1)) || refuse_usage usage "one app at a time; got '${ARGUMENTS[0]}' and '${ARGUMENTS[1]}'"
  APP=${ARGUMENTS[0]:-}
  BACKUP=${OPTIONS[--backup]:-$BACKUP}
  YES=${OPTIONS[--yes]:-false}
  DRY_RUN=${OPTIONS[--dry-run]:-false}
  [[ -n $APP ]] || { usage >&2; die "name the app to restore"; }
  if [[ -n $BACKUP && ! $BACKUP =~ $OBJECT_NAME ]]; then
    die "backup name $(printf '%q' "$BACKUP") is not valid; give a name as kubectl get backup -n velero lists it"
  fi
}

# The set from the committed tree; refuses an unknown app, or one no backup holds (velero).
read_set() {
  local info line
  info=$(ts_tool backup-sets show "$APP") || die "nothing was changed"
  while IFS= read -r line; do
    case $line in
      kustomization=*) KUSTOMIZATION=${line#*=} ;;
      namespace=*) NAMESPACES+=("${line#*=}") ;;
      release=*) RELEASES+=("${line#*=}") ;;
      selector=*) SELECTOR=${line#*=} ;;
      delete=*) DELETE_KINDS=${line#*=} ;;
    esac
  done <<<"$info"
  read_velero_names <<<"$info"
  [[ -n $KUSTOMIZATION && -n $SELECTOR && -n $DELETE_KINDS && ${#NAMESPACES[@]} -gt 0 ]] \
    || die "scripts/backup-sets.ts did not describe $APP; run the script from a complete checkout (npm ci); nothing was changed"
}

# Refuses an app the cluster does not run: there would be nothing to suspend and restore into.
require_installed() {
  local release
  kubectl get "kustomizations.kustomize.toolkit.fluxcd.io/$KUSTOMIZATION" -n "$FLUX_NAMESPACE" -o name >/dev/null 2>&1 \
    || die "$APP is not installed on this cluster (no Kustomization $KUSTOMIZATION in $FLUX_NAMESPACE): there is nothing to restore into. Install it (scripts/install-app.sh $APP), wait until flux get kustomizations $KUSTOMIZATION is Ready, then restore; nothing was changed"
  for release in "${RELEASES[@]}"; do
    kubectl get "helmreleases.helm.toolkit.fluxcd.io/${release#*/}" -n "${release%%/*}" -o name >/dev/null 2>&1 \
      || die "HelmRelease ${release#*/} of $APP is not in namespace ${release%%/*}: the cluster runs an older revision of the tree. Wait until flux get kustomizations $KUSTOMIZATION is Ready at the current one; nothing was changed"
  done
}

# The named backup, checked, or the newest completed one.
choose_backup() {
  local phase status=0 list
  if [[ -n $BACKUP ]]; then
    phase=$(velero_field backup "$BACKUP" '{.status.phase}') || status=$?
    ((status != 3)) || die "backup $BACKUP does not exist in namespace $VELERO_NAMESPACE; list the backups with kubectl get backup -n $VELERO_NAMESPACE; nothing was changed"
    ((status == 0)) || exit "$status"
    [[ $phase == Completed ]] || die "backup $BACKUP is ${phase:-not started}, not Completed, so it may lack $APP's data; choose a completed one (kubectl get backup -n $VELERO_NAMESPACE); nothing was changed"
    return
  fi
  list=$(kubectl get backups.velero.io -n "$VELERO_NAMESPACE" \
    -o 'jsonpath={range .items[?(@.status.phase=="Completed")]}{.status.startTimestamp}{" "}{.metadata.name}{"\n"}{end}') \
    || die "cannot list the backups in namespace $VELERO_NAMESPACE (see above); nothing was changed"
  BACKUP=$(sort <<<"$list" | sed -n '$s/^[^ ]* //p')
  [[ -n $BACKUP ]] || die "there is no completed backup in namespace $VELERO_NAMESPACE to restore from; make one with scripts/backup-now.sh --wait; nothing was changed"
}

# What the restore deletes, one line per object, per namespace.
targets() {
  local namespace objects object
  for namespace in "${NAMESPACES[@]}"; do
    # kubectl says "No resources found" on stderr when there are none.
    objects=$(kubectl get "$DELETE_KINDS" -n "$namespace" -l "$SELECTOR" -o name 2>/dev/null) \
      || die "cannot list $APP's objects (see kubectl get $DELETE_KINDS -n $namespace -l $SELECTOR); nothing was changed"
    for object in $objects; do printf '  %s: %s\n' "$namespace" "$object"; done
  done
}

# The app's claims and their volumes.
find_claims() {
  local namespace lines claim volume
  for namespace in "${NAMESPACES[@]}"; do
    lines=$(kubectl get persistentvolumeclaims -n "$namespace" -l "$SELECTOR" \
      -o 'jsonpath={range .items[*]}{.metadata.name}{" "}{.spec.volumeName}{"\n"}{end}') \
      || die "cannot list $APP's volume claims in namespace $namespace (see above); nothing was changed"
    while read -r claim volume; do
      [[ -z $claim ]] || CLAIMS+=("$namespace/$claim ${volume:-}")
    done <<<"$lines"
  done
}

# The volumes of the claims (a claim not yet bound has none).
kept_volumes() {
  local entry
  for entry in "${CLAIMS[@]}"; do
    [[ -z ${entry#* } ]] || printf '%s\n' "${entry#* }"
  done
}

show_plan() {
  local listed releases
  listed=$(targets)
  releases=$(printf '%s\n' "${RELEASES[@]}" | paste -sd' ' - | sed 's/ /, /g')
  cat <<EOF_PLAN
Restoring $APP from backup $BACKUP. Suspended: Flux Kustomization $KUSTOMIZATION and HelmReleases
$releases. Then these objects with label $SELECTOR are deleted:
${listed:-  (none: $APP has no workloads or volumes now)}
Velero then restores $APP's workloads and volumes from the backup; everything $APP stored since
that backup is gone from the app. The volumes it has now are kept on the node until you delete them.
EOF_PLAN
}

# Asks for the app's name, unless --yes or a dry run.
confirm() {
  [[ $YES == false && $DRY_RUN == false ]] || return 0
  local answer=''
  printf 'Type %s to delete its current data and restore it from %s: ' "$APP" "$BACKUP" >&2
  # At the end of the input the terminal's line is still the prompt's: end it before the error.
  read -r answer || printf '\n' >&2
  [[ $answer == "$APP" ]] || die "not confirmed; nothing was changed (type the app's name, or pass --yes)"
}

suspend_app() {
  local i release
  log "suspending Kustomization $KUSTOMIZATION and $APP's HelmReleases, so nothing recreates what is deleted"
  SUSPENDED=true
  run flux suspend kustomization "$KUSTOMIZATION"
  for ((i = ${#RELEASES[@]} - 1; i >= 0; i--)); do
    release=${RELEASES[i]}
    run flux suspend helmrelease "${release#*/}" -n "${release%%/*}"
  done
}

# Volumes whose claim is deleted are deleted with it (the storage class's policy): keep them, so
# the data is still there if the backup lacks something.
keep_volumes() {
  local volume
  [[ -z $(kept_volumes) ]] || log "keeping the volumes of $APP's claims on the node: $(kept_volumes | paste -sd' ' -)"
  for volume in $(kept_volumes); do
    run kubectl patch persistentvolume "$volume" --type merge -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'
  done
}

delete_data() {
  local namespace
  for namespace in "${NAMESPACES[@]}"; do
    log "deleting $APP's workloads and volume claims in $namespace"
    run kubectl delete "$DELETE_KINDS" -n "$namespace" -l "$SELECTOR" --wait=true --timeout="$DELETE_TIMEOUT"
  done
}

# The Restore: the set's label from the backup, in its namespaces, volumes included (file-system
# backup: each volume's data comes back through the restored pod that mounts it). Not the
# endpoints: the kept Services' controllers make them, and restored ones would name old pods.
restore_manifest() {
  local namespaces
  namespaces=$(printf '"%s",' "${NAMESPACES[@]}")
  printf '{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"name":"%s","namespace":"%s"},"spec":{"backupName":"%s","includedNamespaces":[%s],"excludedResources":["endpoints","endpointslices.discovery.k8s.io"],"labelSelector":{"matchLabels":{"%s":"%s"}},"restorePVs":true}}' \
    "$RESTORE" "$VELERO_NAMESPACE" "$BACKUP" "${namespaces%,}" "${SELECTOR%%=*}" "${SELECTOR#*=}"
}

restore_data() {
  RESTORE="$APP-$(timestamp)"
  log "restoring $APP from backup $BACKUP as restore $RESTORE"
  restore_manifest | create_manifest
  wait_until_finished restore "$RESTORE" "$RESTORE_TIMEOUT"
  [[ $DRY_RUN == true ]] || { report_restore; require_claims_back; }
}

# Every claim the app had is back: else the backup lacks it (a backup from before the claim or its
# label existed), and the app would start on an empty volume.
require_claims_back() {
  local entry missing=()
  for entry in "${CLAIMS[@]}"; do
    entry=${entry%% *}
    kubectl get "persistentvolumeclaims/${entry#*/}" -n "${entry%%/*}" -o name >/dev/null 2>&1 || missing+=("$entry")
  done
  ((${#missing[@]} == 0)) || die "backup $BACKUP holds no ${missing[*]} with label $SELECTOR (made before the claim or its label existed?); restore from a newer backup"
}

wait_for_pods() {
  local namespace
  for namespace in "${NAMESPACES[@]}"; do
    log "waiting up to $READY_TIMEOUT for $APP's pods in $namespace to be ready"
    run kubectl wait --for=condition=Ready pod -l "$SELECTOR" -n "$namespace" --timeout="$READY_TIMEOUT"
  done
}

# Releases first, each after those it depends on (flux waits until each is ready), then the
# Kustomization, which Flux reconciles at once.
resume_app() {
  local release
  for release in "${RELEASES[@]}"; do
    run flux resume helmrelease "${release#*/}" -n "${release%%/*}" --timeout="$RESUME_TIMEOUT"
  done
  run flux resume kustomization "$KUSTOMIZATION" --timeout="$RESUME_TIMEOUT"
  SUSPENDED=false
}

# What Velero restored: counts, and each volume with its size; fails unless it Completed.
report_restore() {
  local phase volumes
  phase=$(velero_field restore "$RESTORE" '{.status.phase}')
  volumes=$(kubectl get podvolumerestores.velero.io -n "$VELERO_NAMESPACE" -l "velero.io/restore-name=$RESTORE" \
    -o 'jsonpath={range .items[*]}    {.spec.pod.namespace}/{.spec.pod.name} volume {.spec.volume}: {.status.phase}, {.status.progress.bytesDone} bytes{"\n"}{end}' || true)
  cat <<EOF_REPORT
Restore $RESTORE of $APP from backup $BACKUP: $phase
  $(velero_summary restore "$RESTORE" restored)
  volumes:
${volumes:-    (none)}
  Warnings mostly name objects that exist and were kept (Services, ConfigMaps, Secrets). Velero's
  log of this restore: kubectl -n $VELERO_NAMESPACE logs deploy/velero | grep 'restore=$VELERO_NAMESPACE/$RESTORE'
EOF_REPORT
  [[ $phase == Completed ]] || die "restore $RESTORE is $phase, not Completed (reason: $(velero_field restore "$RESTORE" '{.status.failureReason}' || true))"
  [[ $(velero_field restore "$RESTORE" '{.status.progress.itemsRestored}') -gt 0 ]] 2>/dev/null \
    || die "restore $RESTORE restored nothing: backup $BACKUP holds nothing with label $SELECTOR (made before the label existed?); restore from a newer backup"
}

# The volumes from before the restore, and how to free their space once the app is checked.
report_kept() {
  local volumes
  volumes=$(kept_volumes | paste -sd' ' -)
  [[ -n $volumes ]] || return 0
  cat <<EOF_KEPT
The volumes $APP had before the restore are kept (Released, reclaim policy Retain, data under
/var/lib/Stackspin/local-storage): $volumes
Once $APP works as it should, free their space:
  for pv in $volumes; do kubectl patch pv "\$pv" -p '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}'; done
EOF_KEPT
}

# After a failure once something is suspended: say what state the app is in and how to go on.
on_exit() {
  local status=$?
  ((status != 0)) && [[ $SUSPENDED == true && $DRY_RUN == false ]] || return 0
  local release resume='' volumes
  for release in "${RELEASES[@]}"; do resume+="flux resume helmrelease ${release#*/} -n ${release%%/*}; "; done
  volumes=$(kept_volumes | paste -sd' ' -)
  cat >&2 <<EOF_FAILED

$APP stays suspended, so Flux and Helm do not recreate its volumes empty. Fix the cause above, then
run the restore again: scripts/restore-app.sh $APP --backup $BACKUP
or resume $APP as it is now: ${resume}flux resume kustomization $KUSTOMIZATION
${volumes:+The volumes $APP had before are kept (Released, reclaim policy Retain): $volumes}
EOF_FAILED
}

main() {
  parse_args "$@"
  require_node
  require_tools kubectl
  [[ $DRY_RUN == true ]] || require_tools flux
  read_set
  require_cluster
  require_velero
  require_installed
  choose_backup
  find_claims
  show_plan
  confirm
  trap on_exit EXIT
  suspend_app
  keep_volumes
  delete_data
  restore_data
  wait_for_pods
  resume_app
  if [[ $DRY_RUN == true ]]; then
    printf '\nDry run: nothing was changed.\n'
    return
  fi
  printf '\n%s is restored from backup %s and running again.\n' "$APP" "$BACKUP"
  report_kept
}

main "$@"
