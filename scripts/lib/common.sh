# shellcheck shell=bash
# Shared by bootstrap.sh and install-app.sh: messages, the dry-run switch, tool checks, the
# TypeScript tools of this checkout, and the add-<app> Kustomization.

STACKSPIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly STACKSPIN_ROOT
readonly FLUX_NAMESPACE=flux-system
DRY_RUN=false

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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
  [[ -d $STACKSPIN_ROOT/node_modules/typescript ]] || die "the TypeScript tools are not installed; run: (cd $STACKSPIN_ROOT && npm ci)"
}

# Runs scripts/<name>.ts of this checkout, through the content-cached transpile loader.
ts_tool() {
  local name=$1
  shift
  node -r "$STACKSPIN_ROOT/scripts/lib/ts-loader.js" "$STACKSPIN_ROOT/scripts/$name.ts" "$@"
}

# Prints a ts_tool call as an operator would type it (dry run).
run_ts_dry() {
  local name=$1
  shift
  printf '+ npx ts-node --transpile-only %q' "scripts/$name.ts"
  printf ' %q' "$@"
  printf '\n'
}

# The optional apps the committed tree offers, one per line.
optional_apps() {
  local dir
  for dir in "$STACKSPIN_ROOT"/dist/flux2/cluster/optional/*/; do
    [[ -d $dir ]] && basename "$dir"
  done
}

# Fails, listing the valid names, unless $1 is an optional app.
require_app() {
  local app=$1 apps
  apps=$(optional_apps)
  grep -qxF -- "$app" <<<"$apps" || die "unknown app '$app'; valid apps: $(paste -sd, - <<<"$apps" | sed 's/,/, /g')"
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
