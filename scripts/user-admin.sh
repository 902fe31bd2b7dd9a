#!/usr/bin/env bash
# Grants or revokes the admin flag of a single sign-on user: Kratos's admin-only metadata
# {"admin": true}, which Hydra's token hook turns into the `groups` claim that Grafana, Nextcloud
# and WeKan read at every login. Zulip takes no roles from single sign-on, so when Zulip is
# installed this also changes the user's Zulip role. Safe to re-run: what is already so stays.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Kept equal to the zulip release (apps/zulip/index.ts: pod zulip-0, container zulip, ZULIP_MANAGE)
# by test/scripts/user-admin.bats.
readonly ZULIP_NAMESPACE=stackspin-apps
readonly ZULIP_POD=zulip-0
readonly ZULIP_CONTAINER=zulip
readonly ZULIP_MANAGE=/home/zulip/deployments/current/manage.py

usage() {
  cat <<EOF_USAGE
usage: user-admin.sh <email> --grant|--revoke [--dry-run]

Grants or revokes the admin flag of a single sign-on user in the cluster KUBECONFIG points at.

  <email>     the user's e-mail address, their login
  --grant     flag the user admin: Grafana Admin, Nextcloud admin group and WeKan admin from
              their next login; Zulip organization administrator now (an owner stays owner)
  --revoke    take the flag away: the same apps take the rights away at the next login; in
              Zulip an administrator becomes a member (an owner stays owner: change that in Zulip)
  --dry-run   print the commands and the scripts they would run, and change nothing
  -h, --help  this text

Zulip knows a user only after their first login there: run this again after it.
EOF_USAGE
}

EMAIL=''
ACTION=''

parse_args() {
  parse_options usage --grant --revoke --dry-run -- "$@"
  [[ -z ${OPTIONS[--grant]:-} || -z ${OPTIONS[--revoke]:-} ]] || refuse_usage usage "give --grant or --revoke, not both"
  ((${#ARGUMENTS[@]} <= 1)) || refuse_usage usage "one user at a time; got '${ARGUMENTS[0]}' and '${ARGUMENTS[1]}'"
  EMAIL=${ARGUMENTS[0]:-}
  if [[ -n ${OPTIONS[--grant]:-} ]]; then ACTION=grant; elif [[ -n ${OPTIONS[--revoke]:-} ]]; then ACTION=revoke; fi
  DRY_RUN=${OPTIONS[--dry-run]:-false}
  [[ -n $EMAIL ]] || { usage >&2; die "name the user's e-mail address"; }
  [[ -n $ACTION ]] || { usage >&2; die "say what to do: --grant or --revoke"; }
}

# The Kratos pod's script: sets the flag (JSON Patch on the identity's admin-only metadata) unless
# it already is so, and prints key=value lines.
kratos_script() {
  kratos_pod_functions
  cat <<'EOF_POD'

is_admin() {
  case "$1" in
    *'"metadata_admin":{'*'"admin":true'*) echo true ;;
    *) echo false ;;
  esac
}

set_flag() {
  case "$2" in
    # Metadata there: set its member, keep the rest. None yet: create it.
    *'"metadata_admin":{'*) patch="[{\"op\":\"add\",\"path\":\"/metadata_admin/admin\",\"value\":$USER_ADMIN}]" ;;
    *) patch="[{\"op\":\"add\",\"path\":\"/metadata_admin\",\"value\":{\"admin\":$USER_ADMIN}}]" ;;
  esac
  patched=$(printf '%s' "$patch" | curl -sS --fail-with-body -X PATCH -H 'Content-Type: application/json' \
    --data-binary @- "$KRATOS_ADMIN_URL/admin/identities/$1") || fail "could not change the admin flag" "$patched"
}

main() {
  require_kratos
  id=$(find_identity)
  if [ -z "$id" ]; then
    echo "status=no-user"
    return 0
  fi
  identity=$(curl -sS --fail-with-body "$KRATOS_ADMIN_URL/admin/identities/$id") || fail "could not read the identity" "$identity"
  if [ "$(is_admin "$identity")" = "$USER_ADMIN" ]; then
    echo "status=unchanged"
  else
    set_flag "$id" "$identity"
    echo "status=changed"
  fi
  echo "id=$id"
}

main
EOF_POD
}

# The Zulip container's script (bash, as root; manage.py runs as the zulip user). Zulip roles:
# 100 owner, 200 administrator, 300 moderator, 400 member, 600 guest. It prints key=value lines.
zulip_script() {
  cat <<EOF_ZULIP
set -euo pipefail

manage() {
  sudo -u zulip env STACKSPIN_EMAIL="\$STACKSPIN_EMAIL" $ZULIP_MANAGE "\$@"
}

# The user's role in the organization at the root domain, or none before their first login.
role() {
  manage shell -c 'import os
from zerver.models import UserProfile
users = UserProfile.objects.filter(delivery_email__iexact=os.environ["STACKSPIN_EMAIL"], realm__string_id="", is_active=True)
print("role=" + (str(users[0].role) if users else "none"))' | sed -n 's/^role=//p'
}

main() {
  STACKSPIN_EMAIL=\$1
  local action=\$2 current
  current=\$(role)
  [ -n "\$current" ] || { echo "could not read the Zulip role of \$STACKSPIN_EMAIL" >&2; exit 1; }
  case "\$action:\$current" in
    *:none) echo "zulip=not-a-user" ;;
    grant:100 | grant:200 | revoke:300 | revoke:400 | revoke:600) echo "zulip=unchanged" ;;
    revoke:100) echo "zulip=owner" ;;
    grant:*) manage change_user_role "\$STACKSPIN_EMAIL" admin -r '' >&2 && echo "zulip=changed" ;;
    revoke:200) manage change_user_role "\$STACKSPIN_EMAIL" member -r '' >&2 && echo "zulip=changed" ;;
    *) echo "zulip=unknown-role" ;;
  esac
}

main "\$@"
EOF_ZULIP
}

ZULIP_COMMAND=(kubectl exec -i --namespace="$ZULIP_NAMESPACE" "$ZULIP_POD" --container="$ZULIP_CONTAINER" -- bash -s --)

change_flag() {
  log "$([[ $ACTION == grant ]] && echo granting || echo revoking) the admin flag of $EMAIL in single sign-on"
  if [[ $DRY_RUN == true ]]; then
    print_command_with_script "$(kratos_script)
" "${POD_COMMAND[@]}"
    return
  fi
  local output status
  output=$(kratos_script | "${POD_COMMAND[@]}") \
    || die "changing the admin flag of $EMAIL failed (see above); check that single sign-on is ready: flux get helmreleases -n $SSO_NAMESPACE"
  status=$(pod_result status "$output" 'run user-admin.sh again, which is safe')
  [[ $status != no-user ]] || die "single sign-on has no user $EMAIL; create one with: scripts/create-user.sh $EMAIL$([[ $ACTION == revoke ]] || echo ' --admin')"
  pod_result id "$output" 'run user-admin.sh again, which is safe' >/dev/null
  if [[ $status == changed ]]; then
    printf '%s: admin flag %s in single sign-on.\n' "$EMAIL" "$([[ $ACTION == grant ]] && echo granted || echo revoked)"
  else
    printf '%s: admin flag already %s in single sign-on; unchanged.\n' "$EMAIL" "$([[ $ACTION == grant ]] && echo granted || echo revoked)"
  fi
  printf 'Grafana, Nextcloud and WeKan follow it at the next login.\n'
}

zulip_installed() {
  local pod
  pod=$(kubectl get pod "$ZULIP_POD" --namespace="$ZULIP_NAMESPACE" --ignore-not-found -o name) \
    || die "cannot look for Zulip's pod $ZULIP_NAMESPACE/$ZULIP_POD; is KUBECONFIG set?"
  [[ -n $pod ]]
}

change_zulip_role() {
  if [[ $DRY_RUN == true ]]; then
    log "when Zulip is installed: its role of $EMAIL"
    print_command_with_script "$(zulip_script)
" "${ZULIP_COMMAND[@]}" "$EMAIL" "$ACTION"
    printf '\nDry run: nothing was changed.\n'
    return
  fi
  if ! zulip_installed; then
    printf 'Zulip is not installed; nothing to change there.\n'
    return
  fi
  log "changing the Zulip role of $EMAIL"
  local output result
  output=$(zulip_script | "${ZULIP_COMMAND[@]}" "$EMAIL" "$ACTION") \
    || die "changing the Zulip role of $EMAIL failed (see above); the single sign-on flag is set, run user-admin.sh again"
  result=$(pod_result zulip "$output" 'run user-admin.sh again, which is safe')
  case $result in
    changed) printf 'Zulip: %s is now %s.\n' "$EMAIL" "$([[ $ACTION == grant ]] && echo 'an organization administrator' || echo 'a member')" ;;
    unchanged) printf 'Zulip: %s already has the right role; unchanged.\n' "$EMAIL" ;;
    not-a-user) printf 'Zulip: %s has not logged in to Zulip yet; run this again after their first login there.\n' "$EMAIL" ;;
    owner) printf 'Zulip: %s is an organization owner, which this does not change; an owner changes it in Zulip (a sole owner cannot be demoted).\n' "$EMAIL" ;;
    *) die "Zulip: $EMAIL has a role this does not know ($result); change it in Zulip" ;;
  esac
}

main() {
  parse_args "$@"
  # The e-mail check is the TypeScript validator's (checked_email).
  require_node
  EMAIL=$(checked_email "$EMAIL")
  if [[ $DRY_RUN == false ]]; then
    require_tools kubectl
    require_cluster
  fi
  kratos_pod_command user-admin "$(ts_tool catalogue get curl)" "USER_EMAIL=$EMAIL" \
    "USER_ADMIN=$([[ $ACTION == grant ]] && echo true || echo false)"
  change_flag
  change_zulip_role
}

main "$@"
