#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/backup-now.sh against a stubbed kubectl that answers like a cluster running Velero.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  BACKUP_NOW=$ROOT/scripts/backup-now.sh
}

# The backup Velero reports for any backup-now-<time> backup: phase $1, then counts.
backup_status() {
  stub_respond '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.phase\}$' "$1"
  stub_respond '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.progress\.itemsBackedUp\}\|' "${2:-812|812||}"
  stub_respond '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.expiration\}$' 2030-02-01T10:00:00Z
  stub_respond '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.failureReason\}$' "${3:-}"
  stub_respond '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.validationErrors\}$' "${4:-}"
}

@test "GIVEN Velero with its nightly Schedule WHEN backup-now.sh runs THEN it creates one Backup named backup-now-<UTC time> whose spec is the Schedule's template, and says how to restore from it" {
  seed_velero
  run "$BACKUP_NOW"
  [ "$status" -eq 0 ]
  [ "$(changes)" = "kubectl create -f -" ]
  [ "$(created | wc -l)" -eq 1 ]
  node -e 'const b = JSON.parse(require("fs").readFileSync(0, "utf8")); const t = JSON.parse(process.argv[1]);
    const ok = b.apiVersion === "velero.io/v1" && b.kind === "Backup" && b.metadata.namespace === "velero"
      && /^backup-now-\d{14}$/.test(b.metadata.name) && b.metadata.labels === undefined
      && JSON.stringify(b.spec) === JSON.stringify(t);
    process.exit(ok ? 0 : 1);' "$SCHEDULE_TEMPLATE" < <(created)
  name=$(created | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).metadata.name)')
  [[ $output == *"Backup $name is running"* ]]
  [[ $output == *"kubectl get backup -A"* ]]
  [[ $output == *"scripts/restore-app.sh <app> --backup $name"* ]]
  refute_call '^kubectl wait'
}

@test "GIVEN --wait WHEN the backup completes THEN it waits for Velero to validate it, then to finish it, and reports counts and expiry" {
  seed_velero
  backup_status Completed '812|815|3|'
  run "$BACKUP_NOW" --wait
  [ "$status" -eq 0 ]
  assert_call_order '^kubectl create -f -$' \
    '^kubectl wait --for=jsonpath=\{\.status\.expiration\} backup\.velero\.io/backup-now-[0-9]{14} -n velero --timeout=4h$' \
    '^kubectl get backup\.velero\.io backup-now-[0-9]{14} -n velero -o jsonpath=\{\.status\.phase\}$' \
    '^kubectl wait --for=jsonpath=\{\.status\.completionTimestamp\} backup\.velero\.io/backup-now-[0-9]{14} -n velero --timeout=4h$'
  [[ $output =~ Backup\ backup-now-[0-9]{14}:\ Completed ]]
  [[ $output == *"items backed up: 812 of 815, warnings: 3, errors: 0; kept until 2030-02-01T10:00:00Z"* ]]
  [[ $output == *"is complete"* ]]
}

@test "GIVEN --wait WHEN the backup only partly succeeds THEN it reports the counts and the reason and fails" {
  seed_velero
  backup_status PartiallyFailed '700|815||2' 'some volumes failed'
  run "$BACKUP_NOW" --wait
  [ "$status" -eq 1 ]
  [[ $output == *"items backed up: 700 of 815, warnings: 0, errors: 2"* ]]
  [[ $output == *"PartiallyFailed, not Completed (some volumes failed)"* ]]
  [[ $output =~ error:\ backup\ backup-now-[0-9]{14}\ is\ PartiallyFailed,\ not\ Completed ]]
}

@test "GIVEN --wait WHEN Velero refuses the backup THEN it names Velero's reason and does not wait for a completion that never comes" {
  seed_velero
  backup_status FailedValidation '' '' '["the backup storage location is read-only"]'
  run "$BACKUP_NOW" --wait
  [ "$status" -eq 1 ]
  [[ $output == *"Velero refused backup backup-now-"*'the backup storage location is read-only'* ]]
  refute_call 'completionTimestamp'
}

@test "GIVEN --dry-run (with or without --wait) WHEN backup-now.sh runs THEN it prints the Backup and the waits, and only reads the cluster" {
  seed_velero
  run "$BACKUP_NOW" --dry-run --wait
  [ "$status" -eq 0 ]
  [ -z "$(changes)" ]
  [[ $output == *"+ kubectl create -f - <<EOF"* ]]
  [[ $output == *'"kind":"Backup"'*"\"spec\":$SCHEDULE_TEMPLATE"* ]]
  [[ $output =~ \+\ kubectl\ wait\ --for=jsonpath=\\\{.status.completionTimestamp\\\}\ backup.velero.io/backup-now-[0-9]{14} ]]
  [[ $output == *"Dry run: nothing was changed."* ]]
  [ -z "$(created)" ]
}

@test "GIVEN a cluster without Velero WHEN backup-now.sh runs THEN it says how to install it and creates nothing" {
  run "$BACKUP_NOW"
  [ "$status" -eq 1 ]
  [[ $output == *"error: Velero is not installed: there is no backup storage location default in namespace velero. Set the backup_s3_* settings and run scripts/install-app.sh velero; nothing was changed"* ]]
  [ -z "$(changes)" ]
}

@test "GIVEN Velero that cannot reach its bucket WHEN backup-now.sh runs THEN it names the location's phase and creates nothing" {
  stub_respond '^kubectl get backupstoragelocation\.velero\.io default ' Unavailable
  run "$BACKUP_NOW"
  [ "$status" -eq 1 ]
  [[ $output == *"error: Velero cannot use its bucket: backup storage location default is Unavailable, not Available. Check the backup_s3_* settings"* ]]
  [ -z "$(changes)" ]
}

@test "GIVEN Velero without the nightly Schedule WHEN backup-now.sh runs THEN it says the template is missing and creates nothing" {
  stub_respond '^kubectl get backupstoragelocation\.velero\.io default ' Available
  run "$BACKUP_NOW"
  [ "$status" -eq 1 ]
  [[ $output == *"error: Velero has no schedule velero-nightly with a backup template in namespace velero"* ]]
  [ -z "$(changes)" ]
}

@test "GIVEN an unknown option, a value given to a flag, or an argument WHEN backup-now.sh runs THEN it prints the usage, refuses, and reads nothing" {
  for args in --force --wait=yes --dry-run=true now; do
    run "$BACKUP_NOW" "$args"
    [ "$status" -ne 0 ]
    [[ $output == *"usage: backup-now.sh [--wait] [--dry-run]"* ]]
    [[ $output == *"unknown option '$args'"* || $output == *"unexpected argument '$args'"* || $output == *"${args%%=*} takes no value; write ${args%%=*} alone"* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
  run "$BACKUP_NOW" --help
  [ "$status" -eq 0 ]
  [[ $output == *"usage: backup-now.sh"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}
