#!/usr/bin/env bash
# Adds a single sign-on user, what the left-out dashboard did: an active Kratos identity without
# a password, then a recovery link and code with which the user chooses one. Safe to re-run: an
# existing user is never created twice, and a re-run gives them a new link and code.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

readonly EXPIRES_IN=48h

usage() {
  cat <<EOF_USAGE
usage: create-user.sh <email> [--name "Full Name"] [--admin] [--dry-run]

Creates a single sign-on user in the cluster KUBECONFIG points at (unless one with that e-mail
exists) and prints a recovery link and code, valid for $EXPIRES_IN. The user opens the link, enters
the code and chooses a password. Run it again for a user who lost theirs: it prints a new pair.

  <email>        the user's e-mail address, their login (stored in lower case)
  --name NAME    the display name apps receive (default: none; an existing user's is kept)
  --admin        flag the new user admin: Grafana, Nextcloud and WeKan make them an admin at
                 login (an existing user's flag is kept; change it with user-admin.sh)
  --dry-run      print the command and the script its pod would run, and change nothing
  -h, --help     this text

The link and code are the only output that is a credential: they let whoever has them set the
user's password. Send them to the user alone, over a channel you trust.
EOF_USAGE
}

EMAIL=''
NAME=''
ADMIN=false

parse_args() {
  parse_options usage '--name="Full Name"' --admin --dry-run -- "$@"
  ((${#ARGUMENTS[@]} <= 1)) || refuse_usage usage "one user at a time; got '${ARGUMENTS[0]}' and '${ARGUMENTS[1]}'"
  EMAIL=${ARGUMENTS[0]:-}
  NAME=${OPTIONS[--name]:-$NAME}
  ADMIN=${OPTIONS[--admin]:-false}
  DRY_RUN=${OPTIONS[--dry-run]:-false}
  [[ -n $EMAIL ]] || { usage >&2; die "name the user's e-mail address"; }
}

validate_inputs() {
  refuse_unsafe 'name' "$NAME"
  EMAIL=$(checked_email "$EMAIL")
  ((${#NAME} <= 256)) || die "name is ${#NAME} characters long; the identity schema allows at most 256"
}

# The pod's script: it prints key=value lines.
pod_script() {
  kratos_pod_functions
  cat <<'EOF_POD'

create_identity() {
  traits="\"email\":\"$USER_EMAIL\""
  [ -z "$USER_NAME" ] || traits="$traits,\"name\":\"$USER_NAME\""
  metadata=''
  [ "$USER_ADMIN" != true ] || metadata=',"metadata_admin":{"admin":true}'
  created=$(printf '{"schema_id":"%s","state":"active","traits":{%s}%s}' "$SCHEMA_ID" "$traits" "$metadata" \
    | curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- \
      "$KRATOS_ADMIN_URL/admin/identities") || fail "could not create the identity" "$created"
  id=$(first_id "$created")
  [ -n "$id" ] || fail "the created identity has no id" "$created"
  echo "$id"
}

create_recovery_code() {
  response=$(printf '{"identity_id":"%s","expires_in":"%s"}' "$1" "$EXPIRES_IN" \
    | curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- \
      "$KRATOS_ADMIN_URL/admin/recovery/code") || fail "could not create a recovery code" "$response"
  echo "recovery_link=$(field recovery_link "$response")"
  echo "recovery_code=$(field recovery_code "$response")"
  echo "expires_at=$(field expires_at "$response")"
}

main() {
  require_kratos
  id=$(find_identity)
  if [ -n "$id" ]; then
    echo "status=exists"
  else
    id=$(create_identity)
    echo "status=created"
  fi
  echo "id=$id"
  create_recovery_code "$id"
}

main
EOF_POD
}

create_user() {
  log "creating $EMAIL in single sign-on unless it exists$([[ $ADMIN == false ]] || echo ', flagged admin'), and a recovery code valid for $EXPIRES_IN"
  if [[ $DRY_RUN == true ]]; then
    print_command_with_script "$(pod_script)
" "${POD_COMMAND[@]}"
    printf '\nDry run: nothing was changed. A real run prints the recovery link and code.\n'
    return
  fi
  POD_OUTPUT=$(pod_script | "${POD_COMMAND[@]}") \
    || die "creating $EMAIL failed (see above); check that single sign-on is ready: flux get helmreleases -n $SSO_NAMESPACE"
}

result() {
  pod_result "$1" "$POD_OUTPUT" 'run create-user.sh again, which reuses the user and makes a new code'
}

print_recovery() {
  local status id link code expires
  status=$(result status)
  id=$(result id)
  link=$(result recovery_link)
  code=$(result recovery_code)
  expires=$(result expires_at)
  if [[ $status == exists ]]; then
    printf '%s already exists (identity %s); not created again, its name%s unchanged.\n' "$EMAIL" "$id" "$([[ $ADMIN == false ]] && echo ' is' || echo ' and admin flag are')"
    [[ $ADMIN == false ]] || printf 'To flag them admin: scripts/user-admin.sh %s --grant\n' "$EMAIL"
  else
    printf 'Created %s (identity %s)%s.\n' "$EMAIL" "$id" "$([[ $ADMIN == false ]] || echo ', flagged admin')"
    # Zulip takes no roles from single sign-on, and knows the user only after their first login.
    [[ $ADMIN == false ]] || printf 'Zulip: after their first login there, run scripts/user-admin.sh %s --grant to make them a Zulip administrator.\n' "$EMAIL"
  fi
  cat <<EOF_RECOVERY

Send the user this link and code (a credential: anyone with both can set the password).
They open the link, enter the code and choose a password; valid until $expires.
  link: $link
  code: $code
EOF_RECOVERY
}

main() {
  parse_args "$@"
  # The e-mail check is the TypeScript validator's (checked_email).
  require_node
  validate_inputs
  if [[ $DRY_RUN == false ]]; then
    require_tools kubectl
    require_cluster
  fi
  kratos_pod_command create-user "$(ts_tool catalogue get curl)" "SCHEMA_ID=$SCHEMA_ID" "EXPIRES_IN=$EXPIRES_IN" \
    "USER_EMAIL=$EMAIL" "USER_NAME=$NAME" "USER_ADMIN=$ADMIN"
  create_user
  [[ $DRY_RUN == true ]] || print_recovery
}

main "$@"
