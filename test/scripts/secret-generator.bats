#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # each @test is a subshell
# constructs/secret-generator.sh, the script of the generated-secrets Job, against a stubbed
# kubectl whose Secrets live in $STUB_STATE/secrets. STUB_SHELL picks the shell (default sh; the
# Job runs busybox sh).

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SCRIPT=$ROOT/constructs/secret-generator.sh

setup() {
  export STUB_ROOT=$ROOT
  export STUB_DIR=$BATS_TEST_DIRNAME/stubs
  export STUB_STATE=$BATS_TEST_TMPDIR/state
  export PATH="$STUB_DIR/bin:$PATH"
  export NAMESPACE=flux-system
  export DECLARATIONS=$BATS_TEST_TMPDIR/declarations
  export TMPDIR=$BATS_TEST_TMPDIR
  unset STUB_FAIL STUB_CONCURRENT_WRITE STUB_ALWAYS_CHANGING
  mkdir -p "$STUB_STATE/secrets" "$DECLARATIONS"
  : >"$STUB_STATE/calls"
}

declare_key() { # secret key generator
  mkdir -p "$DECLARATIONS/$1"
  printf '%s' "$3" >"$DECLARATIONS/$1/$2"
}

seed_secret() { # name [key value]...
  local name=$1 data='' key value
  shift
  while (($# > 0)); do
    key=$1 value=$2
    shift 2
    data="$data${data:+,}\"$key\":\"$(printf '%s' "$value" | base64 -w0)\""
  done
  printf '{"metadata":{"name":"%s","namespace":"flux-system","resourceVersion":"7"},"type":"Opaque","data":{%s}}' "$name" "$data" \
    >"$STUB_STATE/secrets/$name.json"
}

value_of() { # secret key
  node -e 'const s = require(process.argv[1]); const v = s.data?.[process.argv[2]]; process.stdout.write(v === undefined ? "<missing>" : Buffer.from(v, "base64").toString())' \
    "$STUB_STATE/secrets/$1.json" "$2"
}

keys_of() {
  node -e 'console.log(Object.keys(require(process.argv[1]).data ?? {}).sort().join(" "))' "$STUB_STATE/secrets/$1.json"
}

generate() { run "${STUB_SHELL:-sh}" "$SCRIPT"; }

calls() { cat "$STUB_STATE/calls"; }

# Fails unless every call matches the extended regex.
only_calls() {
  local other
  other=$(grep -vE -- "$1" "$STUB_STATE/calls" || true)
  [ -z "$other" ] || { echo "calls not matching '$1': $other" >&2; return 1; }
}

# Fails when a line of kubectl's calls matches the extended regex (a bare `! grep` never fails a test).
refute_call() {
  if grep -qE -- "$1" "$STUB_STATE/calls"; then
    echo "unexpected call matching '$1':" >&2
    grep -E -- "$1" "$STUB_STATE/calls" >&2
    return 1
  fi
}

@test "GIVEN the empty Secret Flux created WHEN the generator runs THEN every declared key is added in one patch, passwords 32 alphanumerics and keys 64 hex characters" {
  declare_key stackspin-demo-variables demo_password password
  declare_key stackspin-demo-variables demo_secret_key hex-key
  seed_secret stackspin-demo-variables
  generate
  [ "$status" -eq 0 ]
  [[ $(value_of stackspin-demo-variables demo_password) =~ ^[A-Za-z0-9]{32}$ ]]
  [[ $(value_of stackspin-demo-variables demo_secret_key) =~ ^[0-9a-f]{64}$ ]]
  [ "$(grep -c '^kubectl patch' "$STUB_STATE/calls")" -eq 1 ]
  [[ $output == *"stackspin-demo-variables: added demo_password demo_secret_key"* ]]
  [[ $output == *"generated secrets: 1 complete"* ]]
}

@test "GIVEN a Secret that has some keys WHEN the generator runs THEN only the missing keys are added and existing values stay byte for byte" {
  declare_key stackspin-demo-variables demo_password password
  declare_key stackspin-demo-variables demo_new_key hex-key
  seed_secret stackspin-demo-variables demo_password 'kept-value with $ and "quotes"' demo_undeclared old
  generate
  [ "$status" -eq 0 ]
  [ "$(value_of stackspin-demo-variables demo_password)" = 'kept-value with $ and "quotes"' ]
  [ "$(value_of stackspin-demo-variables demo_undeclared)" = old ]
  [[ $(value_of stackspin-demo-variables demo_new_key) =~ ^[0-9a-f]{64}$ ]]
  [[ $output == *"stackspin-demo-variables: added demo_new_key"* ]]
}

@test "GIVEN complete Secrets WHEN the generator runs (again) THEN it patches nothing" {
  declare_key stackspin-a-variables a_password password
  declare_key stackspin-b-variables b_key hex-key
  seed_secret stackspin-a-variables a_password one
  seed_secret stackspin-b-variables
  generate
  [ "$status" -eq 0 ]
  first=$(value_of stackspin-b-variables b_key)
  : >"$STUB_STATE/calls"
  generate
  [ "$status" -eq 0 ]
  refute_call '^kubectl patch'
  [ "$(value_of stackspin-b-variables b_key)" = "$first" ]
  [ "$(value_of stackspin-a-variables a_password)" = one ]
  [[ $output == *"stackspin-a-variables: every declared key is present"* ]]
  [[ $output == *"generated secrets: 2 complete"* ]]
}

@test "GIVEN no Secret WHEN the generator runs THEN it fails naming it and how Flux creates it, and creates nothing" {
  declare_key stackspin-demo-variables demo_password password
  generate
  [ "$status" -ne 0 ]
  [[ $output == *"cannot read Secret flux-system/stackspin-demo-variables; Flux creates it empty from the tree"* ]]
  [ ! -e "$STUB_STATE/secrets/stackspin-demo-variables.json" ]
  refute_call '^kubectl (create|apply|patch|replace)'
}

@test "GIVEN another writer that adds a key between the read and the patch WHEN the generator runs THEN the conflict is retried and the other writer's value is kept" {
  declare_key stackspin-demo-variables demo_password password
  declare_key stackspin-demo-variables demo_other password
  seed_secret stackspin-demo-variables
  export STUB_CONCURRENT_WRITE='stackspin-demo-variables:demo_other=written-by-bootstrap'
  generate
  [ "$status" -eq 0 ]
  [ "$(value_of stackspin-demo-variables demo_other)" = written-by-bootstrap ]
  [[ $(value_of stackspin-demo-variables demo_password) =~ ^[A-Za-z0-9]{32}$ ]]
  [ "$(grep -c '^kubectl patch' "$STUB_STATE/calls")" -eq 2 ]
  [ "$(grep -c '^kubectl get secret stackspin-demo-variables' "$STUB_STATE/calls")" -eq 2 ]
  [[ $output == *"stackspin-demo-variables: changed while being read; reading it again (attempt 2 of 5)"* ]]
  [[ $output == *"stackspin-demo-variables: added demo_password"* ]]
}

@test "GIVEN a Secret that changes at every attempt WHEN the generator runs THEN it gives up after five attempts and fails, having added nothing" {
  declare_key stackspin-demo-variables demo_password password
  seed_secret stackspin-demo-variables
  export STUB_ALWAYS_CHANGING=stackspin-demo-variables
  generate
  [ "$status" -ne 0 ]
  [ "$(grep -c '^kubectl patch' "$STUB_STATE/calls")" -eq 5 ]
  [[ $output == *"stackspin-demo-variables: changed by someone else during each of 5 attempts"* ]]
  [ "$(keys_of stackspin-demo-variables)" = '' ]
}

@test "GIVEN a run that generates values WHEN its output and kubectl's arguments are read THEN no value appears, and kubectl only reads and patches the declared Secrets" {
  declare_key stackspin-demo-variables demo_password password
  declare_key stackspin-demo-variables demo_secret_key hex-key
  seed_secret stackspin-demo-variables
  generate
  [ "$status" -eq 0 ]
  for key in demo_password demo_secret_key; do
    value=$(value_of stackspin-demo-variables "$key")
    [[ $output != *"$value"* ]]
    [[ $(calls) != *"$value"* ]]
    [[ $(calls) != *"$(printf '%s' "$value" | base64 -w0)"* ]]
  done
  only_calls '^kubectl (get|patch) secret stackspin-demo-variables --namespace flux-system '
}

@test "GIVEN a patch that fails for another reason WHEN the generator runs THEN it fails with kubectl's message and does not retry" {
  declare_key stackspin-demo-variables demo_password password
  seed_secret stackspin-demo-variables
  export STUB_FAIL='^kubectl patch'
  generate
  [ "$status" -ne 0 ]
  [[ $output == *"stackspin-demo-variables: kubectl patch failed: stub: injected failure"* ]]
  [ "$(grep -c '^kubectl patch' "$STUB_STATE/calls")" -eq 1 ]
}

@test "GIVEN a declaration with an unknown generator or a key that is not snake_case WHEN the generator runs THEN it refuses and patches nothing" {
  declare_key stackspin-demo-variables demo_hash htpasswd
  seed_secret stackspin-demo-variables
  generate
  [ "$status" -ne 0 ]
  [[ $output == *"unknown generator 'htpasswd'"* ]]
  refute_call '^kubectl patch'
  rm -r "$DECLARATIONS/stackspin-demo-variables"
  declare_key stackspin-demo-variables 'demo"key' password
  generate
  [ "$status" -ne 0 ]
  [[ $output == *"declared key 'demo\"key' is not snake_case"* ]]
  refute_call '^kubectl patch'
}

@test "GIVEN no NAMESPACE or no declarations directory WHEN the generator runs THEN it says which is missing" {
  NAMESPACE='' generate
  [ "$status" -ne 0 ]
  [[ $output == *"NAMESPACE is not set"* ]]
  DECLARATIONS=$BATS_TEST_TMPDIR/nowhere generate
  [ "$status" -ne 0 ]
  [[ $output == *"DECLARATIONS is not a directory"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}
