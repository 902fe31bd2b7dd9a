#!/bin/sh
# Adds the missing keys of the generated secrets the tree declares, and nothing else.
#
# $DECLARATIONS holds one directory per Secret of $NAMESPACE, named after it, with one file per
# key whose content names the generator (the tree's `stackspin.net/declares-secret` ConfigMaps,
# mounted by the kubelet). For each Secret: read its resourceVersion and key names (never its
# values), generate only the missing keys, and merge-patch them in with that resourceVersion; a
# concurrent writer makes the patch fail with a conflict, and the Secret is read again, so an
# existing value is never changed. Needs only `get` and `patch` on the Secrets: Flux creates them
# empty beforehand. Values never reach stdout, stderr or a command line.
#
# Runs in the flux-cli image (busybox sh, kubectl); the tests run it with a stub kubectl.
set -eu

readonly MAX_ATTEMPTS=5
readonly NAME_PATTERN='^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
readonly KEY_PATTERN='^[a-z][a-z0-9_]*$'

fail() {
  echo "error: $*" >&2
  exit 1
}

# One new value, base64-encoded, on stdout (captured, never printed). Both alphabets leave out
# `"` and `$`, which would break Flux substitution.
generate() {
  case $1 in
    password)
      value=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
      [ "${#value}" -eq 32 ] || fail "could not read 32 random characters from /dev/urandom"
      ;;
    hex-key)
      value=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
      [ "${#value}" -eq 64 ] || fail "could not read 32 random bytes from /dev/urandom"
      ;;
    *) fail "unknown generator '$1'" ;;
  esac
  printf '%s' "$value" | base64 | tr -d '\n'
}

# Sets $version and $present (the Secret's key names, one per line) from the cluster.
read_secret() {
  # shellcheck disable=SC2016 # a Go template, not shell
  state=$(kubectl get secret "$1" --namespace "$NAMESPACE" \
    --output='go-template={{.metadata.resourceVersion}}{{"\n"}}{{range $key, $value := .data}}{{$key}}{{"\n"}}{{end}}') \
    || fail "cannot read Secret $NAMESPACE/$1; Flux creates it empty from the tree (kustomize.toolkit.fluxcd.io/ssa: IfNotPresent): see flux get kustomizations generated-secrets"
  version=$(printf '%s\n' "$state" | sed -n 1p)
  present=$(printf '%s\n' "$state" | sed 1d)
  [ -n "$version" ] || fail "Secret $NAMESPACE/$1 has no resourceVersion"
}

# Sets $patch (the JSON merge patch) and $added (the key names) for the keys $1 lacks.
missing_keys() {
  patch_data=''
  added=''
  for file in "$DECLARATIONS/$1"/*; do
    [ -f "$file" ] || continue
    key=$(basename "$file")
    printf '%s\n' "$key" | grep -Eq "$KEY_PATTERN" || fail "$1: declared key '$key' is not snake_case"
    if printf '%s\n' "$present" | grep -qxF "$key"; then continue; fi
    encoded=$(generate "$(cat "$file")")
    patch_data="$patch_data${patch_data:+,}\"$key\":\"$encoded\""
    added="$added${added:+ }$key"
  done
  patch="{\"metadata\":{\"resourceVersion\":\"$version\"},\"data\":{$patch_data}}"
}

# Adds the missing keys of one Secret; retries on a conflicting concurrent change.
ensure_secret() {
  name=$1
  attempt=1
  while :; do
    read_secret "$name"
    missing_keys "$name"
    if [ -z "$added" ]; then
      echo "$name: every declared key is present"
      return 0
    fi
    if printf '%s' "$patch" | kubectl patch secret "$name" --namespace "$NAMESPACE" --type=merge --patch-file=/dev/stdin >/dev/null 2>"$ERRORS"; then
      echo "$name: added $added"
      return 0
    fi
    if ! grep -q -e '(Conflict)' -e 'the object has been modified' "$ERRORS"; then
      # kubectl may quote a patch it could not send; never print one.
      if grep -q '"data"' "$ERRORS"; then
        fail "$name: kubectl patch failed (its message quotes the patch, so it is not shown)"
      fi
      fail "$name: kubectl patch failed: $(sed -n 1p "$ERRORS")"
    fi
    [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "$name: changed by someone else during each of $MAX_ATTEMPTS attempts; run the Job again"
    attempt=$((attempt + 1))
    echo "$name: changed while being read; reading it again (attempt $attempt of $MAX_ATTEMPTS)"
  done
}

main() {
  [ -n "${NAMESPACE:-}" ] || fail "NAMESPACE is not set"
  [ -d "${DECLARATIONS:-}" ] || fail "DECLARATIONS is not a directory"
  ERRORS=$(mktemp)
  trap 'rm -f "$ERRORS"' EXIT
  count=0
  for dir in "$DECLARATIONS"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    printf '%s\n' "$name" | grep -Eq "$NAME_PATTERN" || fail "declared Secret name '$name' is not a Kubernetes name"
    ensure_secret "$name"
    count=$((count + 1))
  done
  echo "generated secrets: $count complete"
}

main "$@"
