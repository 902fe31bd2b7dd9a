# shellcheck shell=bash
# Shared by backup-now.sh and restore-app.sh: Velero's own objects (Backup, Restore, Schedule,
# BackupStorageLocation) through kubectl, so no Velero CLI is needed. Source after common.sh.

# Velero's objects by name (apps/velero/backup-template.ts, through scripts/backup-sets.ts); set
# by read_velero_names.
VELERO_NAMESPACE=''
VELERO_LOCATION=''
VELERO_SCHEDULE=''

# Sets VELERO_* from the key=value lines of `backup-sets.ts` on stdin; other keys are the caller's.
read_velero_names() {
  local line
  while IFS= read -r line; do
    case $line in
      velero_namespace=*) VELERO_NAMESPACE=${line#*=} ;;
      velero_location=*) VELERO_LOCATION=${line#*=} ;;
      velero_schedule=*) VELERO_SCHEDULE=${line#*=} ;;
    esac
  done
  [[ -n $VELERO_NAMESPACE && -n $VELERO_LOCATION && -n $VELERO_SCHEDULE ]] || die "scripts/backup-sets.ts did not name Velero's objects; run the script from a complete checkout (npm ci)"
}

# One field of a Velero object ($1 kind, $2 name, $3 JSONPath), or a refusal naming what is missing.
# kubectl's own message (never a secret: these objects hold none) is shown for other errors.
velero_field() {
  local kind=$1 name=$2 path=$3 out
  if ! out=$(kubectl get "$kind.velero.io" "$name" -n "$VELERO_NAMESPACE" -o "jsonpath=$path" 2>&1); then
    if [[ $out == *"doesn't have a resource type"* || $out == *NotFound* || $out == *"not found"* ]]; then
      return 3
    fi
    die "cannot read $kind $name in namespace $VELERO_NAMESPACE: $out"
  fi
  printf '%s' "$out"
}

# Refuses, changing nothing, unless Velero is installed and can use its bucket.
require_velero() {
  local phase status=0
  phase=$(velero_field backupstoragelocation "$VELERO_LOCATION" '{.status.phase}') || status=$?
  if ((status == 3)); then
    die "Velero is not installed: there is no backup storage location $VELERO_LOCATION in namespace $VELERO_NAMESPACE. Set the backup_s3_* settings and run scripts/install-app.sh velero; nothing was changed"
  fi
  ((status == 0)) || exit "$status"
  [[ $phase == Available ]] || die "Velero cannot use its bucket: backup storage location $VELERO_LOCATION is ${phase:-not yet checked}, not Available. Check the backup_s3_* settings and kubectl -n $VELERO_NAMESPACE logs deploy/velero; nothing was changed"
}

# The Backup spec every backup has: the template of the paused nightly Schedule, as JSON.
schedule_template() {
  local template status=0
  template=$(velero_field schedule "$VELERO_SCHEDULE" '{.spec.template}') || status=$?
  if ((status == 3)) || [[ -z ${template:-} ]]; then
    die "Velero has no schedule $VELERO_SCHEDULE with a backup template in namespace $VELERO_NAMESPACE; see flux get helmreleases -n $VELERO_NAMESPACE; nothing was changed"
  fi
  ((status == 0)) || exit "$status"
  printf '%s' "$template"
}

# A UTC timestamp for names, as Velero's schedules name their backups (20060102150405).
timestamp() {
  date -u +%Y%m%d%H%M%S
}

# Creates the object on stdin (JSON), or prints it (dry run).
create_manifest() {
  if [[ $DRY_RUN == true ]]; then
    printf '+ kubectl create -f - <<EOF\n'
    cat
    printf '\nEOF\n'
  else
    kubectl create -f -
  fi
}

# Waits up to $3 until Velero has finished backup or restore ($1) $2: first until it has validated
# it (a Backup gets its expiration then, a Restore its phase), which fails at once on invalid
# input, then until it has a completion time (Completed, PartiallyFailed or Failed).
wait_until_finished() {
  local kind=$1 name=$2 timeout=$3 validated phase
  case $kind in
    backup) validated='{.status.expiration}' ;;
    restore) validated='{.status.phase}' ;;
    *) die "wait_until_finished: unknown kind $kind" ;;
  esac
  log "waiting up to $timeout for Velero to finish $kind $name"
  run kubectl wait --for="jsonpath=$validated" "$kind.velero.io/$name" -n "$VELERO_NAMESPACE" --timeout="$timeout" \
    || die "Velero did not start $kind $name within $timeout; see kubectl -n $VELERO_NAMESPACE logs deploy/velero"
  if [[ $DRY_RUN != true ]]; then
    phase=$(velero_field "$kind" "$name" '{.status.phase}') || die "$kind $name disappeared while waiting for it"
    if [[ $phase == FailedValidation ]]; then
      die "Velero refused $kind $name: $(velero_field "$kind" "$name" '{.status.validationErrors}' || true)"
    fi
  fi
  run kubectl wait --for='jsonpath={.status.completionTimestamp}' "$kind.velero.io/$name" -n "$VELERO_NAMESPACE" --timeout="$timeout" \
    || die "$kind $name did not finish within $timeout (it goes on in the cluster); follow it with kubectl -n $VELERO_NAMESPACE get $kind $name -w"
}

# "items <verb>: N of M, warnings: W, errors: E" of backup or restore ($1) $2; Velero leaves out
# counts that are 0.
velero_summary() {
  local kind=$1 name=$2 verb=$3 progress fields items total warnings errors
  progress='{.status.progress.itemsBackedUp}'
  [[ $kind == restore ]] && progress='{.status.progress.itemsRestored}'
  fields=$(velero_field "$kind" "$name" "$progress|{.status.progress.totalItems}|{.status.warnings}|{.status.errors}")
  IFS='|' read -r items total warnings errors <<<"$fields"
  printf 'items %s: %s of %s, warnings: %s, errors: %s' "$verb" "${items:-0}" "${total:-0}" "${warnings:-0}" "${errors:-0}"
}
