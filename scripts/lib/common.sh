# shellcheck shell=bash
# Shared by the operator scripts: messages, option values, the dry-run switch, tool checks, the
# TypeScript tools of this checkout, the wait for generated secrets, and the add-<app> Kustomization.

STACKSPIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly STACKSPIN_ROOT
readonly FLUX_NAMESPACE=flux-system
# The Kustomization whose Job creates the missing keys of the generated secrets (constructs/secret-generator.ts).
readonly GENERATED_SECRETS=generated-secrets
DRY_RUN=false

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The value of an option that takes one, given as `--opt VALUE` or `--opt=VALUE`. Every script
# parses such options with it, so `--branch --dry-run` is refused instead of taking `--dry-run`
# as the branch (and then really running). In a parse loop over "$@":
#
#   --branch | --branch=*) option_value NAME "$@"; BRANCH=$OPTION_VALUE; shift "$OPTION_SHIFT" ;;
#
# $1 is the placeholder the messages show, $2 the option as given, $3 what follows it. Sets
# OPTION_VALUE, and OPTION_SHIFT to the number of arguments used (1 or 2). Dies, naming the
# option and the fix, when the value is missing, empty, or another option (`-...`); a value that
# starts with - must be given as --opt=VALUE. scripts/lib/args.ts has the same rules for the
# TypeScript commands.
# shellcheck disable=SC2034 # OPTION_VALUE and OPTION_SHIFT are read by the caller
option_value() {
  local placeholder=$1 option=$2
  if [[ $option == --*=* ]]; then
    OPTION_VALUE=${option#*=}
    OPTION_SHIFT=1
    option=${option%%=*}
  elif (($# < 3)); then
    die "$option needs a value; write $option $placeholder"
  elif [[ $3 == -?* ]]; then
    die "$option needs a value, got the flag '$3'; write $option $placeholder (or $option=$placeholder for a value that starts with -)"
  else
    OPTION_VALUE=$3
    OPTION_SHIFT=2
  fi
  [[ -n $OPTION_VALUE ]] || die "$option needs a value, got an empty one; write $option $placeholder"
}

# Prints a command as it would run (dry run) or runs it.
run() {
  if [[ $DRY_RUN == true ]]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# How to get a tool on Debian, for the missing-tool message.
tool_hint() {
  case $1 in
    curl | tar | jq) echo "apt-get install -y $1" ;;
    sha256sum | install | base64) echo "apt-get install -y coreutils" ;;
    node | npx) echo "install Node.js 20 or newer (https://nodejs.org, or apt-get install -y nodejs on Debian 13)" ;;
    kubectl) echo "k3s installs it; on an existing cluster see https://kubernetes.io/docs/tasks/tools/" ;;
    git) echo "apt-get install -y git" ;;
    flux) echo "bootstrap.sh installs it" ;;
    *) echo "install $1" ;;
  esac
}

# Fails with one line per missing tool.
require_tools() {
  local tool missing=0
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      printf 'error: %s is missing: %s\n' "$tool" "$(tool_hint "$tool")" >&2
      missing=1
    fi
  done
  [[ $missing == 0 ]] || exit 1
}

# The TypeScript tools need Node.js >= 20 and the checkout's node_modules.
require_node() {
  require_tools node
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  ((major >= 20)) || die "Node.js $(node --version) is too old; install Node.js 20 or newer"
  [[ -d $STACKSPIN_ROOT/node_modules/ts-node ]] || die "the TypeScript tools are not installed; run: (cd $STACKSPIN_ROOT && npm ci)"
}

# Runs scripts/<name>.ts of this checkout.
ts_tool() {
  local name=$1
  shift
  TS_NODE_PROJECT="$STACKSPIN_ROOT/tsconfig.json" node -r "$STACKSPIN_ROOT/node_modules/ts-node/register/transpile-only" \
    "$STACKSPIN_ROOT/scripts/$name.ts" "$@"
}

# Where the committed tree keeps the optional apps' entries (optionalEntry() in constructs/platform.ts).
OPTIONAL_ENTRIES=$STACKSPIN_ROOT/dist/flux2/cluster/optional
readonly OPTIONAL_ENTRIES

# The optional apps the committed tree offers, one per line (none when the tree is missing).
optional_apps() {
  local dir
  for dir in "$OPTIONAL_ENTRIES"/*/; do
    if [[ -d $dir ]]; then basename "$dir"; fi
  done
}

# Fails, naming the problem and the fix, unless $1 is an optional app of the committed tree.
require_app() {
  local app=$1 apps
  # One lower-case name: a newline would let a line of the list match (`wekan<newline>x`).
  if [[ ! $app =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]]; then
    die "app name $(printf '%q' "$app") is not valid; an app name is lower-case letters, digits and -, like nextcloud"
  fi
  [[ -d $OPTIONAL_ENTRIES ]] || die "the tree has no optional apps: ${OPTIONAL_ENTRIES#"$STACKSPIN_ROOT"/} is missing; run the script from a complete checkout (git status), or synthesize it with npm run synth"
  apps=$(optional_apps)
  grep -qxF -- "$app" <<<"$apps" || die "unknown app '$app'; valid apps: $(paste -sd, - <<<"$apps" | sed 's/,/, /g')"
}

# Waits up to $1 until the cluster has created the missing keys of every generated secret the
# tree it runs declares (the generated-secrets Kustomization is Ready at that revision).
wait_for_generated_secrets() {
  log "waiting up to $1 for the cluster to generate its secrets (existing values are kept)"
  run kubectl wait --for=condition=Ready "kustomization/$GENERATED_SECRETS" -n "$FLUX_NAMESPACE" --timeout="$1" \
    || die "the cluster did not generate its secrets within $1; see flux get kustomizations $GENERATED_SECRETS and kubectl -n $FLUX_NAMESPACE logs -l app.kubernetes.io/name=generate-secrets. A cluster that has no Kustomization $GENERATED_SECRETS runs a revision from before the cluster generated its own secrets: let it take the current one (flux resume source git stackspin) first"
}

# Applies manifests from stdin, or prints them (dry run).
apply_manifests() {
  if [[ $DRY_RUN == true ]]; then
    printf '+ kubectl apply -f - <<EOF\n'
    cat
    printf 'EOF\n'
  else
    kubectl apply -f -
  fi
}

# The Kustomization that enables an app: it applies the app's entry, which holds the app's own
# Kustomization; deleting it prunes the app (the original install-app.sh created the same).
add_app_manifest() {
  local app=$1
  cat <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: add-$app
  namespace: $FLUX_NAMESPACE
spec:
  interval: 1h
  path: ./dist/flux2/cluster/optional/$app
  prune: true
  sourceRef:
    kind: GitRepository
    name: stackspin
EOF
}
