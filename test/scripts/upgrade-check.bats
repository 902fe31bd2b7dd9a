#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # each @test is a subshell
# scripts/upgrade-check.sh in a scratch repository, with npm stubbed to record the plan it runs.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  REPO=$BATS_TEST_TMPDIR/repo
  mkdir -p "$REPO/scripts/lib" "$BATS_TEST_TMPDIR/bin"
  cp "$ROOT/scripts/upgrade-check.sh" "$REPO/scripts/"
  cp "$ROOT/scripts/lib/common.sh" "$REPO/scripts/lib/"
  # The plan's exit status comes from STUB_PLAN_STATUS.
  cat >"$BATS_TEST_TMPDIR/bin/npm" <<'EOF_NPM'
#!/usr/bin/env bash
echo "npm $*" >>"$STUB_CALLS"
exit "${STUB_PLAN_STATUS:-0}"
EOF_NPM
  chmod +x "$BATS_TEST_TMPDIR/bin/npm"
  export PATH="$BATS_TEST_TMPDIR/bin:$PATH" STUB_CALLS=$BATS_TEST_TMPDIR/calls
  : >"$STUB_CALLS"
  git -C "$REPO" init -q
}

commit() { # message, with a dist/flux2 file unless "nodist"
  if [[ ${2:-} != nodist ]]; then
    mkdir -p "$REPO/dist/flux2"
    echo "$1" >"$REPO/dist/flux2/kustomization.yaml"
  fi
  git -C "$REPO" add -A
  git -C "$REPO" -c user.name=test -c user.email=test@example.org commit -q -m "$1"
}

@test "GIVEN a previous commit with a tree WHEN the upgrade check runs THEN it plans the upgrade from HEAD~1 and fails when the plan does" {
  commit one
  commit two
  run "$REPO/scripts/upgrade-check.sh"
  [ "$status" -eq 0 ]
  [ "$(cat "$STUB_CALLS")" = 'npm run --silent plan -- --upgrade-from HEAD~1' ]
  STUB_PLAN_STATUS=1 run "$REPO/scripts/upgrade-check.sh"
  [ "$status" -eq 1 ]
}

@test "GIVEN a single-commit history WHEN the upgrade check runs THEN it says there is nothing to upgrade from and passes" {
  commit one
  run "$REPO/scripts/upgrade-check.sh"
  [ "$status" -eq 0 ]
  [[ $output == *"upgrade check skipped: HEAD has no parent (a single-commit history)"* ]]
  [ ! -s "$STUB_CALLS" ]
}

@test "GIVEN a shallow clone WHEN the upgrade check runs THEN it says how to fetch the previous commit and passes" {
  commit one
  commit two
  git clone -q --depth 1 "file://$REPO" "$BATS_TEST_TMPDIR/shallow"
  run "$BATS_TEST_TMPDIR/shallow/scripts/upgrade-check.sh"
  [ "$status" -eq 0 ]
  [[ $output == *"this shallow clone lacks HEAD~1; fetch it (git fetch --deepen=1"* ]]
  [ ! -s "$STUB_CALLS" ]
}

@test "GIVEN a previous commit without the tree WHEN the upgrade check runs THEN it says so and passes" {
  commit one nodist
  commit two
  run "$REPO/scripts/upgrade-check.sh"
  [ "$status" -eq 0 ]
  [[ $output == *"HEAD~1 has no dist/flux2"* ]]
  [ ! -s "$STUB_CALLS" ]
}

@test "GIVEN an option or an argument WHEN the upgrade check runs THEN it prints its usage, refuses, and plans nothing" {
  run "$REPO/scripts/upgrade-check.sh" --from main
  [ "$status" -eq 1 ]
  [[ $output == *"usage: upgrade-check.sh"* ]]
  [ "${lines[-1]}" = "error: unknown option '--from'" ]
  run "$REPO/scripts/upgrade-check.sh" main
  [ "${lines[-1]}" = "error: unexpected argument 'main'; upgrade-check.sh takes none" ]
  [ ! -s "$STUB_CALLS" ]
}

@test "GIVEN no git WHEN the upgrade check runs THEN it fails naming the install command: a check that cannot run does not pass" {
  commit one
  commit two
  mkdir -p "$BATS_TEST_TMPDIR/nogit"
  local tool
  for tool in bash dirname cat; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/nogit/$tool"; done
  PATH=$BATS_TEST_TMPDIR/bin:$BATS_TEST_TMPDIR/nogit run "$REPO/scripts/upgrade-check.sh"
  [ "$status" -eq 1 ]
  [ "$output" = "error: git is missing: apt-get install -y git" ]
  [ ! -s "$STUB_CALLS" ]
}
