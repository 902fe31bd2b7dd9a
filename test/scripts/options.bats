#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# Every operator script parses its command line with parse_options (scripts/lib/common.sh), the
# rules of the TypeScript tools: an option given twice is refused, -h/--help anywhere prints the
# usage and does nothing else, a flag takes no value. Nothing reaches the cluster in any of these.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  install_flux_stub
}

# Each script with an option that takes a value, given twice.
@test "GIVEN an option given twice WHEN a script runs THEN it is refused naming the option, and nothing is read" {
  local cases=(
    'bootstrap.sh --env-file .flux.env --env-file other.env --dry-run|--env-file'
    'bootstrap.sh --dry-run --dry-run|--dry-run'
    'install-app.sh nextcloud --dry-run --dry-run|--dry-run'
    'create-user.sh ada@example.org --name A --name B --dry-run|--name'
    'create-user.sh ada@example.org --admin --admin --dry-run|--admin'
    'user-admin.sh ada@example.org --grant --grant --dry-run|--grant'
    'restore-app.sh zulip --backup x --backup y --dry-run|--backup'
    'restore-app.sh zulip --yes --yes --dry-run|--yes'
    'backup-now.sh --wait --wait|--wait'
  )
  local case command option
  for case in "${cases[@]}"; do
    command=${case%|*}
    option=${case#*|}
    : >"$STUB_STATE/calls"
    # shellcheck disable=SC2086 # the script and its arguments
    run "$ROOT"/scripts/$command
    [ "$status" -ne 0 ]
    [ "${lines[-1]}" = "error: $option is given twice; give it once" ]
    [ ! -s "$STUB_STATE/calls" ]
  done
}

@test "GIVEN --help after another option, even one that lacks its value WHEN a script runs THEN it prints the usage and exits 0" {
  local command
  for command in 'bootstrap.sh --branch --help' 'create-user.sh a@b.org --name --help' 'install-app.sh --dry-run --help' \
    'restore-app.sh zulip --backup --help' 'backup-now.sh --wait -h' 'user-admin.sh a@b.org --grant --help' 'upgrade-check.sh --help' 'admin-credentials.sh --help'; do
    : >"$STUB_STATE/calls"
    # shellcheck disable=SC2086 # the script and its arguments
    run "$ROOT"/scripts/$command
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == usage:* ]]
    [ ! -s "$STUB_STATE/calls" ]
  done
}

@test "GIVEN -- WHEN a script reads its arguments THEN what follows is an argument, as in the TypeScript tools" {
  run "$ROOT/scripts/install-app.sh" --dry-run -- nextcloud
  [ "$status" -eq 0 ]
  [[ $output == *"name: add-nextcloud"* ]]
}
