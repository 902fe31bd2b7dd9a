#!/usr/bin/env bash
# Adds a single sign-on user, what the left-out dashboard did: an active Kratos identity without
# a password, then a recovery link and code with which the user chooses one. Safe to re-run: an
# existing user is never created twice, and a re-run gives them a new link and code.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Kept equal to Namespaces.CORE, Internal.KRATOS_ADMIN (apps/single-sign-on/endpoints.ts) and
# IDENTITY_SCHEMA_ID (identity-schema.ts) by test/scripts/create-user.bats.
readonly SSO_NAMESPACE=stackspin
readonly KRATOS_ADMIN_URL=http://kratos-admin.stackspin.svc.cluster.local
readonly SCHEMA_ID=default
readonly EXPIRES_IN=48h
# The curl image's own user (curl_user), as in the administrator Job; the pod needs no API token.
readonly POD_OVERRIDES='{"apiVersion":"v1","spec":{"automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true,"runAsUser":100,"seccompProfile":{"type":"RuntimeDefault"}}}}'

usage() {
  cat <<EOF_USAGE
usage: create-user.sh <email> [--name "Full Name"] [--dry-run]

Creates a single sign-on user in the cluster KUBECONFIG points at (unless one with that e-mail
exists) and prints a recovery link and code, valid for $EXPIRES_IN. The user opens the link, enters
the code and chooses a password. Run it again for a user who lost theirs: it prints a new pair.

  <email>        the user's e-mail address, their login (stored in lower case)
  --name NAME    the display name apps receive (default: none; an existing user's is kept)
  --dry-run      print the command and the script its pod would run, and change nothing
  -h, --help     this text

The link and code are the only output that is a credential: they let whoever has them set the
user's password. Send them to the user alone, over a channel you trust.
EOF_USAGE
}

EMAIL=''
NAME=''

parse_args() {
  while (($# > 0)); do
    case $1 in
      --name | --name=*) option_value '"Full Name"' "$@"; NAME=$OPTION_VALUE; shift "$OPTION_SHIFT" ;;
      --dry-run) DRY_RUN=true; shift ;;
      -h | --help) usage; exit 0 ;;
      -*) usage >&2; die "unknown option '$1'" ;;
      *)
        [[ -z $EMAIL ]] || { usage >&2; die "one user at a time; got '$EMAIL' and '$1'"; }
        EMAIL=$1
        shift
        ;;
    esac
  done
  [[ -n $EMAIL ]] || { usage >&2; die "name the user's e-mail address"; }
}

# The values end up inside JSON the pod writes, so characters that could break out of a JSON
# string are refused rather than escaped.
refuse_unsafe() {
  local what=$1 value=$2
  if [[ $value == *[\"\$\\]* || $value == *[[:cntrl:]]* ]]; then
    die "$what '$value' contains a quote, \$, backslash or control character (such as a newline); remove it"
  fi
}

validate_inputs() {
  refuse_unsafe 'e-mail address' "$EMAIL"
  refuse_unsafe 'name' "$NAME"
  EMAIL=${EMAIL,,}
  if [[ ! $EMAIL =~ ^[^@[:space:]]+@[^@[:space:].]+(\.[^@[:space:].]+)+$ ]] || ((${#EMAIL} > 320)); then
    die "e-mail address '$EMAIL' is not valid; give one like ada@example.org (one @, a domain with a dot, no spaces)"
  fi
  ((${#NAME} <= 256)) || die "name is ${#NAME} characters long; the identity schema allows at most 256"
}

# POSIX sh for the curl image (busybox ash), read from standard input so it starts only once
# kubectl is attached and none of its output is lost. It prints key=value lines. Kratos writes
# compact JSON with an identity's own id first, which is all the parsing relies on.
pod_script() {
  cat <<'EOF_POD'
set -eu

fail() {
  echo "$1 at $KRATOS_ADMIN_URL: $2" >&2
  exit 1
}

require_kratos() {
  curl -sS -f -o /dev/null "$KRATOS_ADMIN_URL/admin/health/ready" \
    || fail "Kratos's admin API is not ready" "see flux get helmreleases -n stackspin"
}

first_id() {
  printf '%s' "$1" | sed -n 's/^[^{]*{"id":"\([0-9a-f-]*\)".*/\1/p'
}

field() {
  printf '%s' "$2" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

find_identity() {
  found=$(curl -sS --fail-with-body -G "$KRATOS_ADMIN_URL/admin/identities" \
    --data-urlencode "credentials_identifier=$USER_EMAIL") || fail "could not list identities" "$found"
  first_id "$found"
}

create_identity() {
  traits="\"email\":\"$USER_EMAIL\""
  [ -z "$USER_NAME" ] || traits="$traits,\"name\":\"$USER_NAME\""
  created=$(printf '{"schema_id":"%s","state":"active","traits":{%s}}' "$SCHEMA_ID" "$traits" \
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

# A short-lived pod in the single sign-on namespace: Kratos's admin API is not exposed outside
# the cluster, and this needs no port-forward. --rm deletes it when the script ends.
pod_command() {
  local image=$1 pod
  pod=$(printf 'create-user-%04x%04x' "$RANDOM" "$RANDOM")
  POD_COMMAND=(kubectl run "$pod" --namespace="$SSO_NAMESPACE" --image="$image" --restart=Never --rm -i --quiet
    --pod-running-timeout=5m --overrides="$POD_OVERRIDES"
    --env="KRATOS_ADMIN_URL=$KRATOS_ADMIN_URL" --env="SCHEMA_ID=$SCHEMA_ID" --env="EXPIRES_IN=$EXPIRES_IN"
    --env="USER_EMAIL=$EMAIL" --env="USER_NAME=$NAME"
    --command -- /bin/sh -s)
}

# One key=value line of the pod's output; fails naming the key when it is missing or empty. The
# output holds the recovery code, so a failure names the keys it did print, never a value.
result() {
  local key=$1 value
  value=$(sed -n "s/^$key=//p" <<<"$POD_OUTPUT" | head -n 1)
  if [[ -z $value ]]; then
    die "the pod's output lacks $key (it printed: $(sed -n 's/^\([a-z_]*\)=.\{1,\}$/\1/p' <<<"$POD_OUTPUT" | paste -sd' ' -)); run create-user.sh again, which reuses the user and makes a new code"
  fi
  printf '%s' "$value"
}

create_user() {
  log "creating $EMAIL in single sign-on unless it exists, and a recovery code valid for $EXPIRES_IN"
  if [[ $DRY_RUN == true ]]; then
    printf '+'
    printf ' %q' "${POD_COMMAND[@]}"
    printf " <<'EOF'\n"
    pod_script
    printf 'EOF\n\nDry run: nothing was changed. A real run prints the recovery link and code.\n'
    return
  fi
  POD_OUTPUT=$(pod_script | "${POD_COMMAND[@]}") \
    || die "creating $EMAIL failed (see above); check that single sign-on is ready: flux get helmreleases -n $SSO_NAMESPACE"
}

print_recovery() {
  local status id link code expires
  status=$(result status)
  id=$(result id)
  link=$(result recovery_link)
  code=$(result recovery_code)
  expires=$(result expires_at)
  if [[ $status == exists ]]; then
    printf '%s already exists (identity %s); not created again, its name is unchanged.\n' "$EMAIL" "$id"
  else
    printf 'Created %s (identity %s).\n' "$EMAIL" "$id"
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
  validate_inputs
  require_node
  [[ $DRY_RUN == true ]] || require_tools kubectl
  pod_command "$(ts_tool catalogue get curl)"
  create_user
  [[ $DRY_RUN == true ]] || print_recovery
}

main "$@"
