# shellcheck shell=bash
# Shared by the bash stubs: records the call and fails it when STUB_FAIL (an extended regex)
# matches "<tool> <args>".
stub_call() {
  local line="$*"
  printf '%s\n' "$line" >>"$STUB_STATE/calls"
  if [[ -n ${STUB_FAIL:-} ]] && grep -qE -- "$STUB_FAIL" <<<"$line"; then
    echo "stub: injected failure of: $line" >&2
    exit 1
  fi
}
