#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/create-user.sh against a stubbed kubectl whose `run` executes the pod's script here, with
# a curl (stubs/pod-bin/curl) that answers like Kratos's admin API.

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  CREATE_USER=$ROOT/scripts/create-user.sh
}

# What the TypeScript side declares, which the script must match.
single_sign_on_constants() {
  (cd "$ROOT" && node -r ./scripts/lib/ts-loader.js -e '
    const { Internal } = require("./apps/single-sign-on/endpoints");
    const { Namespaces } = require("./constructs/component");
    const { IDENTITY_SCHEMA_ID } = require("./apps/single-sign-on/identity-schema");
    const { imageRef } = require("./catalogue");
    console.log([Namespaces.CORE, Internal.KRATOS_ADMIN, IDENTITY_SCHEMA_ID, imageRef("curl")].join("\n"));')
}

metadata_of() {
  node -e 'const i = require(process.argv[1]).find((x) => x.traits.email === process.argv[2]); console.log(JSON.stringify(i.metadata_admin ?? null))' \
    "$STUB_STATE/kratos-identities.json" "$1"
}

identity_count() {
  node -e 'console.log(require(process.argv[1]).length)' "$STUB_STATE/kratos-identities.json"
}

@test "GIVEN a new e-mail WHEN create-user runs THEN one pod checks Kratos, looks the user up, creates the identity without a password, then a 48h recovery code, and prints its link and code" {
  run "$CREATE_USER" Ada@Example.org --name "Ada Lovelace"
  [ "$status" -eq 0 ]
  assert_call_order '^kubectl run create-user-[0-9a-f]{8} ' \
    '^curl GET /admin/health/ready$' \
    '^curl GET /admin/identities\?credentials_identifier=ada%40example\.org$' \
    '^curl POST /admin/identities \{"schema_id":"default","state":"active","traits":\{"email":"ada@example\.org","name":"Ada Lovelace"\}\}$' \
    '^curl POST /admin/recovery/code \{"identity_id":"[0-9a-f-]{36}","expires_in":"48h"\}$'
  # One pod; besides it only the preflight's look at the API server's version.
  [ "$(grep -v '^kubectl get --raw=/version ' "$STUB_STATE/calls" | grep -c '^kubectl ')" -eq 1 ]
  refute_call 'password'
  [ "$(identity_count)" -eq 1 ]
  id=$(node -e 'console.log(require(process.argv[1])[0].id)' "$STUB_STATE/kratos-identities.json")
  grep -qF "\"identity_id\":\"$id\"" "$STUB_STATE/calls"
  [[ $output == *"Created ada@example.org (identity $id)."* ]]
  [[ $output =~ link:\ https://login\.stackspin\.example\.org/recovery\?flow=[0-9a-f-]{36} ]]
  [[ $output =~ code:\ [0-9]{6} ]]
  [[ $output == *"valid until 2030-01-03T00:00:00.000Z"* ]]
}

@test "GIVEN the script's namespace, Kratos URL, schema id and image WHEN compared with the TypeScript that deploys single sign-on THEN they are the same" {
  run "$CREATE_USER" ada@example.org --dry-run
  [ "$status" -eq 0 ]
  { read -r namespace; read -r url; read -r schema; read -r image; } < <(single_sign_on_constants)
  [[ $output == *" --namespace=$namespace "* ]]
  [[ $output == *" --image=$image "* ]]
  [[ $output == *" --env=KRATOS_ADMIN_URL=$url "* ]]
  [[ $output == *" --env=SCHEMA_ID=$schema "* ]]
}

@test "GIVEN a user that exists WHEN create-user runs again THEN no second identity is created, the name is kept and a new recovery code is printed" {
  run "$CREATE_USER" ada@example.org --name "Ada Lovelace"
  [ "$status" -eq 0 ]
  first_code=$(sed -n 's/^  code: //p' <<<"$output")
  : >"$STUB_STATE/calls"
  run "$CREATE_USER" ADA@example.org --name "Someone Else"
  [ "$status" -eq 0 ]
  refute_call '^curl POST /admin/identities'
  assert_call_order '^curl GET /admin/identities\?credentials_identifier=ada%40example\.org$' '^curl POST /admin/recovery/code '
  [ "$(identity_count)" -eq 1 ]
  grep -q '"name": "Ada Lovelace"' "$STUB_STATE/kratos-identities.json"
  [[ $output == *"ada@example.org already exists"*"not created again, its name is unchanged"* ]]
  second_code=$(sed -n 's/^  code: //p' <<<"$output")
  [ -n "$second_code" ] && [ "$second_code" != "$first_code" ]
}

@test "GIVEN --dry-run WHEN create-user runs THEN it prints the kubectl run command and the pod's script and touches nothing" {
  run "$CREATE_USER" ada@example.org --name "Ada Lovelace" --dry-run
  [ "$status" -eq 0 ]
  [ ! -s "$STUB_STATE/calls" ]
  [ ! -e "$STUB_STATE/kratos-identities.json" ]
  [[ $output == *"+ kubectl run create-user-"*" --rm -i "*"--env=USER_EMAIL=ada@example.org --env=USER_NAME=Ada\\ Lovelace --env=USER_ADMIN=false --command -- /bin/sh -s <<'EOF'"* ]]
  # shellcheck disable=SC2016 # the pod's script, verbatim
  [[ $output == *'"$KRATOS_ADMIN_URL/admin/recovery/code"'* ]]
  [[ $output == *"Dry run: nothing was changed."* ]]
  [[ $output != *"code: "* ]]
}

@test "GIVEN an invalid e-mail address WHEN create-user runs THEN it names the address and the fix, and changes nothing" {
  for email in ada ada@example 'ada lovelace@example.org' ada@@example.org @example.org ada@.org; do
    run "$CREATE_USER" "$email"
    [ "$status" -ne 0 ]
    [[ $output == *"e-mail address '${email,,}' is not valid; give one like ada@example.org"* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN a quote, \$, backslash or newline in the e-mail or the name WHEN create-user runs THEN it refuses them and changes nothing" {
  # shellcheck disable=SC2016 # a literal $
  for bad in 'a"b' 'a$b' 'a\b' $'a\nb'; do
    run "$CREATE_USER" "ada$bad@example.org"
    [ "$status" -ne 0 ]
    [[ $output == *"e-mail address 'ada$bad@example.org' contains a quote, \$, backslash or control character"* ]]
    run "$CREATE_USER" ada@example.org --name "Ada $bad"
    [ "$status" -ne 0 ]
    [[ $output == *"name 'Ada $bad' contains a quote, \$, backslash or control character (such as a newline); remove it"* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN no e-mail, two e-mails, --name without a value or a bad flag WHEN create-user runs THEN it prints the usage and changes nothing" {
  run "$CREATE_USER"
  [ "$status" -ne 0 ]
  [[ $output == *"usage: create-user.sh <email>"* ]]
  [[ $output == *"The link and code are the only output that is a credential"* ]]
  [[ $output == *"name the user's e-mail address"* ]]
  run "$CREATE_USER" ada@example.org bob@example.org
  [ "$status" -ne 0 ]
  [[ $output == *"one user at a time"* ]]
  run "$CREATE_USER" ada@example.org --name
  [ "$status" -ne 0 ]
  [[ $output == *"--name needs a value"* ]]
  run "$CREATE_USER" ada@example.org --force
  [ "$status" -ne 0 ]
  [[ $output == *"unknown option '--force'"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN Kratos's admin API is not ready WHEN create-user runs THEN it fails naming the check and creates nothing" {
  STUB_FAIL='^curl GET /admin/health/ready' run "$CREATE_USER" ada@example.org
  [ "$status" -ne 0 ]
  refute_call '^curl (GET /admin/identities|POST)'
  [[ $output == *"Kratos's admin API is not ready at http://kratos-admin.stackspin.svc.cluster.local"* ]]
  [[ $output == *"error: creating ada@example.org failed (see above); check that single sign-on is ready: flux get helmreleases -n stackspin"* ]]
}

@test "GIVEN the recovery code fails after the identity was created WHEN create-user runs again THEN it reuses the identity and prints a code" {
  STUB_FAIL='^curl POST /admin/recovery/code' run "$CREATE_USER" ada@example.org
  [ "$status" -ne 0 ]
  [[ $output == *"could not create a recovery code"* ]]
  [[ $output != *"code: "* ]]
  run "$CREATE_USER" ada@example.org
  [ "$status" -eq 0 ]
  [ "$(identity_count)" -eq 1 ]
  [[ $output == *"already exists"* ]]
  [[ $output =~ code:\ [0-9]{6} ]]
}

@test "GIVEN no kubectl WHEN create-user runs THEN it names the missing tool" {
  mkdir "$BATS_TEST_TMPDIR/path"
  for tool in node dirname; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/path/$tool"; done
  PATH=$BATS_TEST_TMPDIR/path run "$(command -v bash)" "$CREATE_USER" ada@example.org
  [ "$status" -ne 0 ]
  [[ $output == *"error: kubectl is missing"* ]]
}

@test "GIVEN --name followed by --dry-run WHEN create-user runs THEN the flag is not taken as the name, and nothing is created" {
  run "$CREATE_USER" ada@example.org --name --dry-run
  [ "$status" -ne 0 ]
  [[ $output == *"error: --name needs a value, got the flag '--dry-run'; write --name \"Full Name\" (or --name=\"Full Name\" for a value that starts with -)"* ]]
  [ ! -s "$STUB_STATE/calls" ]
  [ ! -e "$STUB_STATE/kratos-identities.json" ]
}

@test "GIVEN --name=VALUE WHEN create-user runs THEN the value is the name" {
  run "$CREATE_USER" ada@example.org --name="Ada Lovelace" --dry-run
  [ "$status" -eq 0 ]
  [[ $output == *"--env=USER_NAME=Ada\\ Lovelace "* ]]
}

@test "GIVEN the pod's output lacks a field WHEN create-user runs THEN it names the field, and prints neither the recovery code nor the link" {
  STUB_OMIT_FIELD=expires_at run "$CREATE_USER" ada@example.org
  [ "$status" -ne 0 ]
  [[ $output == *"error: the pod's output lacks expires_at (it printed: status id recovery_link recovery_code); run create-user.sh again"* ]]
  [[ $output != *"recovery?flow="* ]]
  [[ ! $output =~ [0-9]{6} ]]
}

@test "GIVEN --admin WHEN create-user creates a user THEN the identity carries the admin-only metadata the admin Job gives the administrator, and the Zulip step is named" {
  run "$CREATE_USER" ada@example.org --name "Ada Lovelace" --admin
  [ "$status" -eq 0 ]
  grep -qE '^curl POST /admin/identities \{"schema_id":"default","state":"active","traits":\{"email":"ada@example\.org","name":"Ada Lovelace"\},"metadata_admin":\{"admin":true\}\}$' "$STUB_STATE/calls"
  metadata=$(cd "$ROOT" && node -r ./scripts/lib/ts-loader.js -e 'console.log(require("./apps/single-sign-on/admin-identity").ADMIN_METADATA)')
  [ "$(metadata_of ada@example.org)" = "$metadata" ]
  [[ $output == *"Created ada@example.org (identity "*"), flagged admin."* ]]
  [[ $output == *"Zulip: after their first login there, run scripts/user-admin.sh ada@example.org --grant"* ]]
}

@test "GIVEN no --admin WHEN create-user creates a user THEN the identity has no admin metadata" {
  run "$CREATE_USER" ada@example.org
  [ "$status" -eq 0 ]
  [ "$(metadata_of ada@example.org)" = null ]
  [[ $output != *"flagged admin"* ]]
}

@test "GIVEN an existing user WHEN create-user runs with --admin THEN their flag is kept and it names user-admin.sh" {
  run "$CREATE_USER" ada@example.org
  [ "$status" -eq 0 ]
  run "$CREATE_USER" ada@example.org --admin
  [ "$status" -eq 0 ]
  refute_call '^curl PATCH'
  [ "$(metadata_of ada@example.org)" = null ]
  [[ $output == *"not created again, its name and admin flag are unchanged."* ]]
  [[ $output == *"To flag them admin: scripts/user-admin.sh ada@example.org --grant"* ]]
}

@test "GIVEN --admin with --dry-run WHEN create-user runs THEN the pod would create the user flagged admin, and nothing is created" {
  run "$CREATE_USER" ada@example.org --admin --dry-run
  [ "$status" -eq 0 ]
  [ ! -s "$STUB_STATE/calls" ]
  [[ $output == *"--env=USER_ADMIN=true --command -- /bin/sh -s <<'EOF'"* ]]
  [[ $output == *"flagged admin"* ]]
}
