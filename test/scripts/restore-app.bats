#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/restore-app.sh against a stubbed kubectl that answers like a cluster running Velero and
# zulip, and the stubbed flux CLI. The app's releases come from the committed tree.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  install_flux_stub
  RESTORE_APP=$ROOT/scripts/restore-app.sh
}

readonly NEWEST=velero-nightly-20300102043005
readonly DELETED='deployments,statefulsets,daemonsets,replicasets,cronjobs,jobs,pods,persistentvolumeclaims'

# A cluster with Velero, two completed backups (the stub answers the script's Completed filter)
# and the app $1 (default zulip) installed in namespace $2 with two claims, whose Velero restore
# ends in phase $3 having restored $RESTORED_ITEMS items (default 41) and, unless $CLAIMS_LOST,
# both claims.
seed_cluster() {
  local app=${1:-zulip} namespace=${2:-stackspin-apps} phase=${3:-Completed}
  seed_velero
  stub_respond '^kubectl get backups\.velero\.io -n velero -o jsonpath=\{range \.items\[\?\(@\.status\.phase=="Completed"\)\]\}' \
    $'2030-01-01T04:30:03Z velero-nightly-20300101043003\n2030-01-02T04:30:05Z '"$NEWEST"$'\n'
  stub_respond '^kubectl get kustomizations\.kustomize\.toolkit\.fluxcd\.io/[a-z-]+ -n flux-system -o name$' 'kustomization/x'
  stub_respond "^kubectl get helmreleases\\.helm\\.toolkit\\.fluxcd\\.io/[a-z-]+ -n $namespace -o name$" 'helmrelease/x'
  stub_respond "^kubectl get $DELETED -n $namespace -l stackspin.net/backupSet=$app -o name$" \
    $'statefulset.apps/'"$app"$'\npod/'"$app"$'-0\npersistentvolumeclaim/'"$app"$'-data\n'
  stub_respond "^kubectl get persistentvolumeclaims -n $namespace -l stackspin.net/backupSet=$app -o jsonpath=" \
    "$app-data pvc-0a1b"$'\n'"$app-postgres-data-0 pvc-2c3d"$'\n'
  [[ -n ${CLAIMS_LOST:-} ]] || stub_respond "^kubectl get persistentvolumeclaims/$app-(data|postgres-data-0) -n $namespace -o name$" 'persistentvolumeclaim/x'
  stub_respond "^kubectl get restore\\.velero\\.io $app-[0-9]{14} -n velero -o jsonpath=\\{\\.status\\.phase\\}$" "$phase"
  stub_respond "^kubectl get restore\\.velero\\.io $app-[0-9]{14} -n velero -o jsonpath=\\{\\.status\\.progress\\.itemsRestored\\}\\|" "${RESTORED_ITEMS-41}|41|7|"
  stub_respond "^kubectl get restore\\.velero\\.io $app-[0-9]{14} -n velero -o jsonpath=\\{\\.status\\.progress\\.itemsRestored\\}$" "${RESTORED_ITEMS-41}"
  stub_respond "^kubectl get restore\\.velero\\.io $app-[0-9]{14} -n velero -o jsonpath=\\{\\.status\\.failureReason\\}$" 'a volume failed'
  stub_respond '^kubectl get podvolumerestores\.velero\.io -n velero ' \
    "    $namespace/$app-postgres-0 volume data: Completed, 1048576 bytes"$'\n'
}

# The calls that change the cluster, with the restore's timestamp made constant.
changed() { changes | sed -E 's/-[0-9]{14}/-<time>/g'; }

@test "GIVEN zulip and its four backing services WHEN restore-app.sh zulip --yes runs THEN it checks everything, suspends, deletes by label, restores, waits, and resumes in dependency order, in exactly this sequence" {
  seed_cluster
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 0 ]
  diff <(changed) - <<EOF
flux suspend kustomization zulip
flux suspend helmrelease zulip -n stackspin-apps
flux suspend helmrelease zulip-valkey -n stackspin-apps
flux suspend helmrelease zulip-rabbitmq -n stackspin-apps
flux suspend helmrelease zulip-postgres -n stackspin-apps
flux suspend helmrelease zulip-memcached -n stackspin-apps
kubectl patch persistentvolume pvc-0a1b --type merge -p {"spec":{"persistentVolumeReclaimPolicy":"Retain"}}
kubectl patch persistentvolume pvc-2c3d --type merge -p {"spec":{"persistentVolumeReclaimPolicy":"Retain"}}
kubectl delete $DELETED -n stackspin-apps -l stackspin.net/backupSet=zulip --wait=true --timeout=10m
kubectl create -f -
kubectl wait --for=jsonpath={.status.phase} restore.velero.io/zulip-<time> -n velero --timeout=4h
kubectl wait --for=jsonpath={.status.completionTimestamp} restore.velero.io/zulip-<time> -n velero --timeout=4h
kubectl wait --for=condition=Ready pod -l stackspin.net/backupSet=zulip -n stackspin-apps --timeout=15m
flux resume helmrelease zulip-memcached -n stackspin-apps --timeout=15m
flux resume helmrelease zulip-postgres -n stackspin-apps --timeout=15m
flux resume helmrelease zulip-rabbitmq -n stackspin-apps --timeout=15m
flux resume helmrelease zulip-valkey -n stackspin-apps --timeout=15m
flux resume helmrelease zulip -n stackspin-apps --timeout=15m
flux resume kustomization zulip --timeout=15m
EOF
  # Every check reads the cluster before the first change.
  assert_call_order '^kubectl get backupstoragelocation\.velero\.io default ' \
    '^kubectl get kustomizations\.kustomize\.toolkit\.fluxcd\.io/zulip -n flux-system -o name$' \
    '^kubectl get helmreleases\.helm\.toolkit\.fluxcd\.io/zulip-postgres -n stackspin-apps -o name$' \
    '^kubectl get backups\.velero\.io -n velero ' \
    "^kubectl get $DELETED -n stackspin-apps -l stackspin.net/backupSet=zulip -o name$" \
    '^flux suspend kustomization zulip$'
  [[ $output == *"Restoring zulip from backup $NEWEST."* ]]
  [[ $output == *"  stackspin-apps: persistentvolumeclaim/zulip-data"* ]]
  [[ $output =~ Restore\ zulip-[0-9]{14}\ of\ zulip\ from\ backup\ $NEWEST:\ Completed ]]
  [[ $output == *"items restored: 41 of 41, warnings: 7, errors: 0"* ]]
  [[ $output == *"stackspin-apps/zulip-postgres-0 volume data: Completed, 1048576 bytes"* ]]
  [[ $output == *"zulip is restored from backup $NEWEST and running again."* ]]
  [[ $output == *"The volumes zulip had before the restore are kept (Released, reclaim policy Retain"*"): pvc-0a1b pvc-2c3d"* ]]
  [[ $output == *"for pv in pvc-0a1b pvc-2c3d; do kubectl patch pv \"\$pv\" -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}'; done"* ]]
}

@test "GIVEN a restore WHEN the Restore object is read THEN it restores the newest completed backup, only zulip's label, only in zulip's namespace, volumes included, endpoints left to the kept Services" {
  seed_cluster
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 0 ]
  [ "$(created | wc -l)" -eq 1 ]
  created | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const want = { backupName: process.argv[1], includedNamespaces: ["stackspin-apps"], excludedResources: ["endpoints", "endpointslices.discovery.k8s.io"],
      labelSelector: { matchLabels: { "stackspin.net/backupSet": "zulip" } }, restorePVs: true };
    const ok = r.apiVersion === "velero.io/v1" && r.kind === "Restore" && r.metadata.namespace === "velero" && /^zulip-\d{14}$/.test(r.metadata.name)
      && JSON.stringify(r.spec) === JSON.stringify(want);
    if (!ok) { console.error(JSON.stringify(r)); process.exit(1); }' "$NEWEST"
}

@test "GIVEN --backup NAME of a completed backup WHEN restore-app.sh runs THEN it restores that one, also as --backup=NAME" {
  seed_cluster
  stub_respond '^kubectl get backup\.velero\.io velero-nightly-20300101043003 -n velero -o jsonpath=\{\.status\.phase\}$' Completed
  for form in "--backup velero-nightly-20300101043003" "--backup=velero-nightly-20300101043003"; do
    : >"$STUB_STATE/created"
    # shellcheck disable=SC2086 # the two words of the first form
    run "$RESTORE_APP" zulip $form --yes
    [ "$status" -eq 0 ]
    created | grep -q '"backupName":"velero-nightly-20300101043003"'
  done
  refute_call '^kubectl get backups\.velero\.io -n velero '
}

@test "GIVEN single sign-on, which is no app WHEN restore-app.sh single-sign-on runs THEN it suspends single-sign-on and its four releases, restores its label in stackspin, and resumes the database first" {
  seed_cluster single-sign-on stackspin
  run "$RESTORE_APP" single-sign-on --yes
  [ "$status" -eq 0 ]
  [ "$(changed | grep '^flux suspend')" = "flux suspend kustomization single-sign-on
flux suspend helmrelease login -n stackspin
flux suspend helmrelease kratos -n stackspin
flux suspend helmrelease hydra -n stackspin
flux suspend helmrelease single-sign-on-postgres -n stackspin" ]
  [ "$(changed | grep '^flux resume')" = "flux resume helmrelease single-sign-on-postgres -n stackspin --timeout=15m
flux resume helmrelease hydra -n stackspin --timeout=15m
flux resume helmrelease kratos -n stackspin --timeout=15m
flux resume helmrelease login -n stackspin --timeout=15m
flux resume kustomization single-sign-on --timeout=15m" ]
  assert_call_order "^kubectl delete $DELETED -n stackspin -l stackspin.net/backupSet=single-sign-on " '^kubectl create -f -$'
  created | grep -q '"includedNamespaces":\["stackspin"\],.*"labelSelector":{"matchLabels":{"stackspin.net/backupSet":"single-sign-on"}}'
}

@test "GIVEN Grafana WHEN restore-app.sh grafana runs THEN it suspends kube-prometheus-stack, the Kustomization and release that label Grafana's data" {
  seed_cluster grafana stackspin
  run "$RESTORE_APP" grafana --yes
  [ "$status" -eq 0 ]
  [ "$(changed | grep '^flux ')" = "flux suspend kustomization kube-prometheus-stack
flux suspend helmrelease kube-prometheus-stack -n stackspin
flux resume helmrelease kube-prometheus-stack -n stackspin --timeout=15m
flux resume kustomization kube-prometheus-stack --timeout=15m" ]
}

@test "GIVEN the question WHEN the operator types the app's name THEN it restores, and WHEN anything else or nothing THEN it changes nothing" {
  seed_cluster
  run "$RESTORE_APP" zulip <<<"zulip"
  [ "$status" -eq 0 ]
  [[ $output == *"Type zulip to delete its current data and restore it from $NEWEST:"* ]]
  grep -q '^kubectl delete ' "$STUB_STATE/calls"
  for answer in yes '' ZULIP; do
    : >"$STUB_STATE/calls"
    run "$RESTORE_APP" zulip <<<"$answer"
    [ "$status" -eq 1 ]
    [[ $output == *"error: not confirmed; nothing was changed (type the app's name, or pass --yes)"* ]]
    [ -z "$(changes)" ]
  done
  : >"$STUB_STATE/calls"
  run "$RESTORE_APP" zulip </dev/null
  [ "$status" -eq 1 ]
  [ -z "$(changes)" ]
  # At the end of the input the error is on a line of its own, not after the prompt.
  [ "${lines[-1]}" = "error: not confirmed; nothing was changed (type the app's name, or pass --yes)" ]
}

@test "GIVEN --dry-run WHEN restore-app.sh runs THEN it prints every step and the Restore, asks nothing, and only reads the cluster" {
  seed_cluster
  run "$RESTORE_APP" zulip --dry-run </dev/null
  [ "$status" -eq 0 ]
  [ -z "$(changes)" ]
  [ -z "$(created)" ]
  [[ $output != *"Type zulip"* ]]
  [[ $output == *"+ flux suspend kustomization zulip"* ]]
  [[ $output == *"+ flux suspend helmrelease zulip-postgres -n stackspin-apps"* ]]
  # As run prints it: each word shell-quoted, so it can be pasted.
  [[ $output == *"+ kubectl delete $(printf '%q' "$DELETED") -n stackspin-apps -l stackspin.net/backupSet=zulip --wait=true --timeout=10m"* ]]
  [[ $output == *'"kind":"Restore"'*"\"backupName\":\"$NEWEST\""* ]]
  [[ $output == *"+ kubectl wait --for=condition=Ready pod -l stackspin.net/backupSet=zulip -n stackspin-apps --timeout=15m"* ]]
  [[ $output == *"+ flux resume helmrelease zulip -n stackspin-apps --timeout=15m"* ]]
  [[ $output == *"+ flux resume kustomization zulip --timeout=15m"* ]]
  [[ $output == *"Dry run: nothing was changed."* ]]
}

@test "GIVEN a dry run on a server without flux WHEN restore-app.sh runs THEN it still prints the plan" {
  seed_cluster
  rm "$STUB_BIN/flux"
  run "$RESTORE_APP" zulip --dry-run
  [ "$status" -eq 0 ]
  run "$RESTORE_APP" zulip --yes
  [ "$status" -ne 0 ]
  [[ $output == *"error: flux is missing"* ]]
}

@test "GIVEN a restore that Velero only partly completes WHEN restore-app.sh runs THEN it reports the counts, fails, leaves zulip suspended and says how to go on" {
  seed_cluster zulip stackspin-apps PartiallyFailed
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"items restored: 41 of 41, warnings: 7, errors: 0"* ]]
  [[ $output =~ error:\ restore\ zulip-[0-9]{14}\ is\ PartiallyFailed,\ not\ Completed\ \(reason:\ a\ volume\ failed\) ]]
  [[ $output == *"zulip stays suspended, so Flux and Helm do not recreate its volumes empty"* ]]
  [[ $output == *"scripts/restore-app.sh zulip --backup $NEWEST"* ]]
  [[ $output == *"flux resume helmrelease zulip-memcached -n stackspin-apps; "*"flux resume kustomization zulip"* ]]
  refute_call '^flux resume'
  refute_call 'condition=Ready'
}

@test "GIVEN a backup that lacks one of zulip's claims WHEN restore-app.sh runs THEN it fails before resuming, naming the claim, and says the old volumes are kept" {
  CLAIMS_LOST=1 seed_cluster
  stub_respond '^kubectl get persistentvolumeclaims/zulip-data ' 'persistentvolumeclaim/zulip-data'
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: backup $NEWEST holds no stackspin-apps/zulip-postgres-data-0 with label stackspin.net/backupSet=zulip (made before the claim or its label existed?); restore from a newer backup"* ]]
  [[ $output == *"The volumes zulip had before are kept (Released, reclaim policy Retain): pvc-0a1b pvc-2c3d"* ]]
  refute_call '^flux resume'
}

@test "GIVEN a backup with nothing of the app WHEN the restore completes with no item THEN it fails, saying so, and resumes nothing" {
  RESTORED_ITEMS='' seed_cluster grafana stackspin
  run "$RESTORE_APP" grafana --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: restore grafana-"*" restored nothing: backup $NEWEST holds nothing with label stackspin.net/backupSet=grafana (made before the label existed?)"* ]]
  refute_call '^flux resume'
}

@test "GIVEN an app name that is unknown, velero, invalid, or missing WHEN restore-app.sh runs THEN it refuses with the apps it restores and reads nothing from the cluster" {
  run "$RESTORE_APP" wekanx --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: unknown app 'wekanx'; restore-app.sh restores: grafana, nextcloud, single-sign-on, wekan, wordpress, zulip"* ]]
  run "$RESTORE_APP" velero --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: velero cannot be restored: namespace velero is in no backup"* ]]
  run "$RESTORE_APP" $'zulip\nwekan' --yes
  [ "$status" -eq 1 ]
  [[ $output == *"is not valid; an app name is lower-case letters, digits and -"* ]]
  run "$RESTORE_APP" --yes
  [ "$status" -eq 1 ]
  [[ $output == *"usage: restore-app.sh <app> [--backup NAME] [--yes] [--dry-run]"* ]]
  [[ $output == *"name the app to restore"* ]]
  [ ! -s "$STUB_STATE/calls" ]
  run "$RESTORE_APP" --help
  [ "$status" -eq 0 ]
  [[ $output == *"<app>          one of: grafana nextcloud single-sign-on wekan wordpress zulip"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN garbage options WHEN restore-app.sh runs THEN a flag as the backup's value, an empty value, an unknown option or two apps are refused before anything is read" {
  for args in "zulip --backup --yes" "zulip --backup" "zulip --backup=" "zulip --force" "zulip wekan" "zulip --backup=-x"; do
    # shellcheck disable=SC2086 # each case is several words
    run "$RESTORE_APP" $args
    [ "$status" -ne 0 ]
  done
  run "$RESTORE_APP" zulip --backup --yes
  [[ $output == *"error: --backup needs a value, got the flag '--yes'; write --backup NAME (or --backup=NAME for a value that starts with -)"* ]]
  run "$RESTORE_APP" zulip --backup=
  [[ $output == *"error: --backup needs a value, got an empty one"* ]]
  run "$RESTORE_APP" zulip --backup='a b'
  [[ $output == *"error: backup name a\\ b is not valid"* ]]
  run "$RESTORE_APP" zulip wekan
  [[ $output == *"one app at a time; got 'zulip' and 'wekan'"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a cluster without Velero, or whose Velero cannot reach its bucket WHEN restore-app.sh runs THEN it refuses and changes nothing" {
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: Velero is not installed: there is no backup storage location default in namespace velero"* ]]
  stub_respond '^kubectl get backupstoragelocation\.velero\.io default ' Unavailable
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: Velero cannot use its bucket: backup storage location default is Unavailable"* ]]
  [ -z "$(changes)" ]
}

@test "GIVEN an app the cluster does not run, or runs without one of its releases WHEN restore-app.sh runs THEN it says so and changes nothing" {
  seed_velero
  run "$RESTORE_APP" wekan --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: wekan is not installed on this cluster (no Kustomization wekan in flux-system): there is nothing to restore into. Install it (scripts/install-app.sh wekan)"* ]]
  stub_respond '^kubectl get kustomizations\.kustomize\.toolkit\.fluxcd\.io/zulip ' 'kustomization/zulip'
  stub_respond '^kubectl get helmreleases\.helm\.toolkit\.fluxcd\.io/zulip(-postgres|-memcached|-rabbitmq)? ' 'helmrelease/x'
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: HelmRelease zulip-valkey of zulip is not in namespace stackspin-apps: the cluster runs an older revision of the tree"* ]]
  [ -z "$(changes)" ]
}

@test "GIVEN a backup that does not exist, did not complete, or no completed backup at all WHEN restore-app.sh runs THEN each is refused and nothing changes" {
  seed_velero
  stub_respond '^kubectl get kustomizations\.' 'kustomization/zulip'
  stub_respond '^kubectl get helmreleases\.' 'helmrelease/x'
  stub_respond '^kubectl get backup\.velero\.io velero-nightly-20300103043001 ' PartiallyFailed
  run "$RESTORE_APP" zulip --backup nightly-typo --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: backup nightly-typo does not exist in namespace velero; list the backups with kubectl get backup -n velero; nothing was changed"* ]]
  run "$RESTORE_APP" zulip --backup velero-nightly-20300103043001 --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: backup velero-nightly-20300103043001 is PartiallyFailed, not Completed, so it may lack zulip's data; choose a completed one"* ]]
  stub_respond '^kubectl get backups\.velero\.io -n velero ' ''
  run "$RESTORE_APP" zulip --yes
  [ "$status" -eq 1 ]
  [[ $output == *"error: there is no completed backup in namespace velero to restore from; make one with scripts/backup-now.sh --wait; nothing was changed"* ]]
  [ -z "$(changes)" ]
}
