#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# The operator scripts with no reachable cluster: one line naming the server and the fix, before
# any other kubectl call prints its noise or a wait claims it waited (require_cluster in common.sh).

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  install_flux_stub
  touch "$STUB_STATE/unreachable"
}

readonly UNREACHABLE='error: cannot reach the cluster at https://127.0.0.1:6443; set KUBECONFIG to its kubeconfig (on the server: run as root, whose kubectl reads /root/.kube/config)'

@test "GIVEN no reachable cluster WHEN an operator script that talks to it runs THEN it stops with one line naming the server and the fix, and asks the cluster nothing else" {
  local script
  for script in 'install-app.sh nextcloud' 'backup-now.sh' 'restore-app.sh zulip' 'admin-credentials.sh' 'create-user.sh ada@example.org' 'user-admin.sh ada@example.org --grant'; do
    : >"$STUB_STATE/calls"
    # shellcheck disable=SC2086 # the script and its arguments
    run "$ROOT"/scripts/$script
    [ "$status" -eq 1 ]
    [ "$output" = "$UNREACHABLE" ]
    [ "$(grep -v -e '^kubectl get --raw=/version ' -e '^kubectl config view ' "$STUB_STATE/calls" | grep -c '^kubectl ' || true)" -eq 0 ]
  done
}

@test "GIVEN no reachable cluster WHEN install-app.sh runs as a dry run THEN it prints what it would do, as without a cluster" {
  run "$ROOT/scripts/install-app.sh" nextcloud --dry-run
  [[ $output == *"+ kubectl apply -f - <<EOF"* ]]
  [[ $output != *"cannot reach the cluster"* ]]
}
