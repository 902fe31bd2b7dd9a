#!/usr/bin/env bash
# CI's upgrade check: what a cluster running the previous commit does when it pulls this tree
# (npm run plan -- --upgrade-from HEAD~1); exits 1 on anything that needs a person. Without a
# previous revision to compare with (a single-commit history, a shallow clone, a commit from
# before the tree existed) it says why and passes. Changes nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

readonly PREVIOUS='HEAD~1'

usage() {
  cat <<EOF_USAGE
usage: upgrade-check.sh

  What a cluster running $PREVIOUS does when it pulls this tree (npm run plan -- --upgrade-from $PREVIOUS);
  exit 1 on anything that needs a person. Takes no arguments; changes nothing.
EOF_USAGE
}

skip() {
  printf 'upgrade check skipped: %s\n' "$*"
  exit 0
}

# Passes (skipping) unless the previous commit and its committed tree are here.
require_previous_tree() {
  git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout, so there is no previous commit"
  if ! git rev-parse --verify --quiet "$PREVIOUS^{commit}" >/dev/null; then
    if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
      skip "this shallow clone lacks $PREVIOUS; fetch it (git fetch --deepen=1, or clone with --depth 2) to check the upgrade from it"
    fi
    skip "HEAD has no parent (a single-commit history): there is no previous revision to upgrade from"
  fi
  [[ -n $(git ls-tree --name-only "$PREVIOUS" -- dist/flux2) ]] || skip "$PREVIOUS has no dist/flux2: clusters never ran it"
}

main() {
  parse_options usage -- "$@"
  ((${#ARGUMENTS[@]} == 0)) || refuse_usage usage "unexpected argument '${ARGUMENTS[0]}'; upgrade-check.sh takes none"
  # Without git the check cannot run: that is a failure to fix, not a pass.
  require_tools git
  require_previous_tree
  npm run --silent plan -- --upgrade-from "$PREVIOUS"
}

main "$@"
