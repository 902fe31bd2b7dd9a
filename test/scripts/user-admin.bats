#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031,SC2153 # each @test is a subshell; helpers.bash (load) sets STUB_*
# scripts/user-admin.sh against a stubbed kubectl: `run` executes the Kratos pod's script here with
# a curl (stubs/pod-bin/curl) that answers like Kratos's admin API; `exec` runs Zulip's script here
# with a sudo (stubs/pod-bin/sudo) that runs a stub of Zulip's manage.py (stubs/zulip/manage.py).

load helpers

setup_file() { prepare_fixtures; }

setup() {
  setup_stubs
  USER_ADMIN=$ROOT/scripts/user-admin.sh
}

# An identity in the stub Kratos; $2 is its admin-only metadata as JSON, or empty for none.
seed_identity() {
  node -e '
    const fs = require("fs");
    const [file, email, metadata] = process.argv.slice(1);
    const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : [];
    const id = require("crypto").randomUUID();
    all.push({ id, schema_id: "default", state: "active", traits: { email }, metadata_public: null, ...(metadata ? { metadata_admin: JSON.parse(metadata) } : {}) });
    fs.writeFileSync(file, JSON.stringify(all, null, 2));' "$STUB_STATE/kratos-identities.json" "$1" "${2:-}"
}

metadata_of() {
  node -e 'const i = require(process.argv[1]).find((x) => x.traits.email === process.argv[2]); console.log(JSON.stringify(i.metadata_admin ?? null))' \
    "$STUB_STATE/kratos-identities.json" "$1"
}

# Zulip installed, with the organization at the root domain and users "email:role" (Zulip's role numbers).
seed_zulip() {
  : >"$STUB_STATE/zulip-installed"
  node -e '
    const users = process.argv.slice(2).map((u) => { const [email, role] = u.split(":"); return { realm: 2, email, full_name: email, role: Number(role) }; });
    require("fs").writeFileSync(process.argv[1], JSON.stringify({ realms: [{ id: 1, string_id: "zulipinternal", name: "System bot realm" }, { id: 2, string_id: "", name: "stackspin.example.org" }], users }));' \
    "$STUB_STATE/zulip.json" "$@"
}

zulip_role_of() {
  node -e 'console.log(require(process.argv[1]).users.find((u) => u.email === process.argv[2]).role)' "$STUB_STATE/zulip.json" "$1"
}

# What the TypeScript side declares, which the script must match.
tree_constants() {
  (cd "$ROOT" && node -r ./scripts/lib/ts-loader.js -e '
    const { ZULIP_MANAGE } = require("./apps/zulip");
    const { ADMIN_METADATA } = require("./apps/single-sign-on/admin-identity");
    const { Namespaces } = require("./constructs/component");
    console.log([Namespaces.APPS, ZULIP_MANAGE, ADMIN_METADATA].join("\n"));')
}

@test "GIVEN a user without the flag WHEN user-admin --grant runs THEN one pod checks Kratos, finds and reads the user, and adds the admin-only metadata" {
  seed_identity ada@example.org
  run "$USER_ADMIN" Ada@Example.org --grant
  [ "$status" -eq 0 ]
  assert_call_order '^kubectl run user-admin-[0-9a-f]{8} ' \
    '^curl GET /admin/health/ready$' \
    '^curl GET /admin/identities\?credentials_identifier=ada%40example\.org$' \
    '^curl GET /admin/identities/[0-9a-f-]{36}$' \
    '^curl PATCH /admin/identities/[0-9a-f-]{36} \[\{"op":"add","path":"/metadata_admin","value":\{"admin":true\}\}\]$'
  [ "$(metadata_of ada@example.org)" = '{"admin":true}' ]
  [[ $output == *"ada@example.org: admin flag granted in single sign-on."* ]]
  [[ $output == *"Grafana, Nextcloud and WeKan follow it at the next login."* ]]
  [[ $output == *"Zulip is not installed; nothing to change there."* ]]
  refute_call '^kubectl exec'
}

@test "GIVEN a flagged user WHEN user-admin --grant runs again THEN nothing is patched and it says so" {
  seed_identity ada@example.org '{"admin":true}'
  run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -eq 0 ]
  refute_call '^curl PATCH'
  [[ $output == *"admin flag already granted in single sign-on; unchanged."* ]]
}

@test "GIVEN a flagged user with other admin metadata WHEN user-admin --revoke runs THEN only the flag changes" {
  seed_identity ada@example.org '{"admin":true,"note":"kept"}'
  run "$USER_ADMIN" ada@example.org --revoke
  [ "$status" -eq 0 ]
  grep -qF 'curl PATCH /admin/identities/' "$STUB_STATE/calls"
  grep -qF '[{"op":"add","path":"/metadata_admin/admin","value":false}]' "$STUB_STATE/calls"
  [ "$(metadata_of ada@example.org)" = '{"admin":false,"note":"kept"}' ]
  [[ $output == *"ada@example.org: admin flag revoked in single sign-on."* ]]
  run "$USER_ADMIN" ada@example.org --revoke
  [ "$status" -eq 0 ]
  [[ $output == *"admin flag already revoked"* ]]
}

@test "GIVEN Zulip with the user as a member WHEN user-admin --grant then --revoke runs THEN Zulip makes them an administrator, then a member again, in the root-domain organization" {
  seed_identity ada@example.org
  seed_zulip ada@example.org:400
  run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -eq 0 ]
  assert_call_order '^curl PATCH ' \
    '^kubectl get pod zulip-0 --namespace=stackspin-apps --ignore-not-found -o name$' \
    '^kubectl exec -i --namespace=stackspin-apps zulip-0 --container=zulip -- bash -s -- ada@example.org grant$' \
    '^manage.py shell -c ' \
    "^manage.py change_user_role ada@example.org admin -r \$"
  [ "$(zulip_role_of ada@example.org)" = 200 ]
  [[ $output == *"Zulip: ada@example.org is now an organization administrator."* ]]
  run "$USER_ADMIN" ada@example.org --revoke
  [ "$status" -eq 0 ]
  [ "$(zulip_role_of ada@example.org)" = 400 ]
  [[ $output == *"Zulip: ada@example.org is now a member."* ]]
}

@test "GIVEN the Zulip organization owner WHEN user-admin grants or revokes THEN the owner stays owner and it says how to change that" {
  seed_identity admin@example.org '{"admin":true}'
  seed_zulip admin@example.org:100
  run "$USER_ADMIN" admin@example.org --grant
  [ "$status" -eq 0 ]
  [[ $output == *"Zulip: admin@example.org already has the right role; unchanged."* ]]
  run "$USER_ADMIN" admin@example.org --revoke
  [ "$status" -eq 0 ]
  [ "$(zulip_role_of admin@example.org)" = 100 ]
  refute_call '^manage.py change_user_role'
  [[ $output == *"is an organization owner, which this does not change"* ]]
}

@test "GIVEN a user who never logged in to Zulip WHEN user-admin --grant runs THEN the flag is set and it says to run it again after their first Zulip login" {
  seed_identity ada@example.org
  seed_zulip someone@example.org:400
  run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -eq 0 ]
  [ "$(metadata_of ada@example.org)" = '{"admin":true}' ]
  refute_call '^manage.py change_user_role'
  [[ $output == *"Zulip: ada@example.org has not logged in to Zulip yet; run this again after their first login there."* ]]
}

@test "GIVEN no such user WHEN user-admin runs THEN it names the create-user command and patches nothing" {
  run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -ne 0 ]
  [[ $output == *"error: single sign-on has no user ada@example.org; create one with: scripts/create-user.sh ada@example.org --admin"* ]]
  refute_call '^curl PATCH'
  refute_call '^kubectl (get pod|exec)'
}

@test "GIVEN --dry-run WHEN user-admin runs THEN it prints the pod command, both scripts and the Zulip command, and touches nothing" {
  seed_identity ada@example.org
  seed_zulip ada@example.org:400
  run "$USER_ADMIN" ada@example.org --revoke --dry-run
  [ "$status" -eq 0 ]
  [ ! -s "$STUB_STATE/calls" ]
  [ "$(metadata_of ada@example.org)" = null ]
  [[ $output == *"+ kubectl run user-admin-"*" --env=USER_EMAIL=ada@example.org --env=USER_ADMIN=false --command -- /bin/sh -s <<'EOF'"* ]]
  # shellcheck disable=SC2016 # the scripts, verbatim
  [[ $output == *'"$KRATOS_ADMIN_URL/admin/identities/$1"'* ]]
  [[ $output == *"+ kubectl exec -i --namespace=stackspin-apps zulip-0 --container=zulip -- bash -s -- ada@example.org revoke <<'EOF'"* ]]
  [[ $output == *"change_user_role"* ]]
  [[ $output == *"Dry run: nothing was changed."* ]]
}

@test "GIVEN the script's namespace, Zulip command and admin metadata WHEN compared with the TypeScript that deploys them THEN they are the same" {
  run "$USER_ADMIN" ada@example.org --grant --dry-run
  [ "$status" -eq 0 ]
  { read -r namespace; read -r manage; read -r metadata; } < <(tree_constants)
  [[ $output == *" --namespace=$namespace zulip-0 "* ]]
  [[ $output == *"sudo -u zulip env STACKSPIN_EMAIL=\"\$STACKSPIN_EMAIL\" $manage "* ]]
  # The pod writes {"admin":<flag>}; for --grant that is the tree's metadata.
  [ "$metadata" = '{"admin":true}' ]
  # shellcheck disable=SC2016 # the pod's script, verbatim
  [[ $output == *'\"value\":{\"admin\":$USER_ADMIN}'* ]]
}

@test "GIVEN bad e-mail addresses WHEN user-admin runs THEN each is refused naming it, and nothing runs" {
  # shellcheck disable=SC2016 # a literal $
  for email in ada ada@example 'ada lovelace@example.org' @example.org 'ada"@example.org' 'a$b@example.org' $'ada\n@example.org'; do
    run "$USER_ADMIN" "$email" --grant
    [ "$status" -ne 0 ]
    [[ $output == *"e-mail address '"* ]]
    [[ $output == *"remove it"* || $output == *"is not valid; give one like ada@example.org"* ]]
  done
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN garbage arguments WHEN user-admin runs THEN each is refused with the usage, and nothing runs" {
  run "$USER_ADMIN" --grant --dry-run
  [ "$status" -ne 0 ]
  [[ $output == *"name the user's e-mail address"* ]]
  run "$USER_ADMIN" ada@example.org
  [ "$status" -ne 0 ]
  [[ $output == *"say what to do: --grant or --revoke"* ]]
  run "$USER_ADMIN" ada@example.org --grant --revoke
  [ "$status" -ne 0 ]
  [[ $output == *"give --grant or --revoke, not both"* ]]
  run "$USER_ADMIN" ada@example.org bob@example.org --grant
  [ "$status" -ne 0 ]
  [[ $output == *"one user at a time"* ]]
  run "$USER_ADMIN" ada@example.org --grant --admin
  [ "$status" -ne 0 ]
  [[ $output == *"unknown option '--admin'"* ]]
  [[ $output == *"usage: user-admin.sh <email> --grant|--revoke"* ]]
  [ ! -s "$STUB_STATE/calls" ]
}

@test "GIVEN Kratos's admin API is not ready WHEN user-admin runs THEN it fails naming the check and Zulip is not touched" {
  seed_identity ada@example.org
  seed_zulip ada@example.org:400
  STUB_FAIL='^curl GET /admin/health/ready' run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -ne 0 ]
  [[ $output == *"Kratos's admin API is not ready at http://kratos-admin.stackspin.svc.cluster.local"* ]]
  [[ $output == *"error: changing the admin flag of ada@example.org failed (see above)"* ]]
  refute_call '^kubectl exec'
  [ "$(zulip_role_of ada@example.org)" = 400 ]
}

@test "GIVEN Zulip fails to change the role WHEN user-admin runs THEN it says the flag is set and to run it again, which then completes" {
  seed_identity ada@example.org
  seed_zulip ada@example.org:400
  STUB_FAIL='^manage.py change_user_role' run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -ne 0 ]
  [[ $output == *"changing the Zulip role of ada@example.org failed (see above); the single sign-on flag is set, run user-admin.sh again"* ]]
  run "$USER_ADMIN" ada@example.org --grant
  [ "$status" -eq 0 ]
  [ "$(zulip_role_of ada@example.org)" = 200 ]
}

@test "GIVEN no kubectl WHEN user-admin runs THEN it names the missing tool" {
  mkdir "$BATS_TEST_TMPDIR/path"
  for tool in node dirname; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/path/$tool"; done
  PATH=$BATS_TEST_TMPDIR/path run "$(command -v bash)" "$USER_ADMIN" ada@example.org --grant
  [ "$status" -ne 0 ]
  [[ $output == *"error: kubectl is missing"* ]]
}
