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

# The one parser of the operator scripts' command lines, with the rules of scripts/lib/args.ts:
#
#   parse_options usage --env-file=FILE '--name="Full Name"' --dry-run -- "$@"
#
# names the function that prints the usage, then each option: `--opt=PLACEHOLDER` takes a value,
# given as `--opt VALUE` or `--opt=VALUE`; a bare `--flag` takes none. `-h` or `--help` anywhere
# prints the usage and exits 0 before anything else is read. Refused, naming the fix and printing
# the usage: an option given twice, an unknown option, a flag given a value (`--dry-run=yes`), an
# option's missing or empty value, or a value that is another option (`--branch --dry-run`; a value
# that starts with - must be given as --opt=VALUE). `--` ends the options. Sets OPTIONS[<option>]
# (`true` for a flag) and ARGUMENTS (everything else, in order).
declare -A OPTIONS=()
ARGUMENTS=()
parse_options() {
  local usage=$1 word name
  shift
  local -A placeholders=() flags=()
  while (($# > 0)) && [[ $1 != -- ]]; do
    if [[ $1 == *=* ]]; then placeholders[${1%%=*}]=${1#*=}; else flags[$1]=true; fi
    shift
  done
  shift
  for word in "$@"; do
    if [[ $word == -h || $word == --help ]]; then
      "$usage"
      exit 0
    fi
  done
  while (($# > 0)); do
    case $1 in
      --) shift; ARGUMENTS+=("$@"); return 0 ;;
      -?*)
        name=${1%%=*}
        [[ -z ${OPTIONS[$name]+set} ]] || refuse_usage "$usage" "$name is given twice; give it once"
        if [[ -n ${placeholders[$name]+set} ]]; then
          option_value "${placeholders[$name]}" "$@"
          OPTIONS[$name]=$OPTION_VALUE
          shift "$OPTION_SHIFT"
        elif [[ -n ${flags[$name]+set} ]]; then
          [[ $1 == "$name" ]] || refuse_usage "$usage" "$name takes no value; write $name alone"
          OPTIONS[$name]=true
          shift
        else
          refuse_usage "$usage" "unknown option '$1'"
        fi
        ;;
      *) ARGUMENTS+=("$1"); shift ;;
    esac
  done
}

# Prints the usage (the function $1) to stderr, then dies with the problem $2.
refuse_usage() {
  "$1" >&2
  die "$2"
}

# The value of an option that takes one, for parse_options: $1 is the placeholder the messages
# show, $2 the option as given, $3 what follows it. Sets OPTION_VALUE, and OPTION_SHIFT to the
# number of arguments used (1 or 2). Dies, naming the option and the fix, when the value is
# missing, empty, or another option.
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

# Fails with one line when the cluster KUBECONFIG points at does not answer, before any other
# kubectl call can print its connection noise or a wait can claim it waited.
require_cluster() {
  local server
  kubectl get --raw=/version --request-timeout=10s >/dev/null 2>&1 && return 0
  server=$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}' 2>/dev/null) || true
  die "cannot reach the cluster at ${server:-(no cluster in the kubeconfig)}; set KUBECONFIG to its kubeconfig (on the server: run as root, whose kubectl reads /root/.kube/config)"
}

# The TypeScript tools need Node.js >= 20 and the checkout's node_modules.
require_node() {
  require_tools node
  local version major
  # --version answers without starting the JavaScript engine (a tenth of a second less per script).
  version=$(node --version)
  major=${version#v}
  major=${major%%.*}
  if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 20)); then die "Node.js $version is too old; install Node.js 20 or newer"; fi
  [[ -d $STACKSPIN_ROOT/node_modules/typescript ]] || die "the TypeScript tools are not installed; run: (cd $STACKSPIN_ROOT && npm ci)"
}

# Runs scripts/<name>.ts of this checkout, through the content-cached transpile loader.
ts_tool() {
  local name=$1
  shift
  node -r "$STACKSPIN_ROOT/scripts/lib/ts-loader.js" "$STACKSPIN_ROOT/scripts/$name.ts" "$@"
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
# tree it runs declares (the generated-secrets Kustomization is Ready at that revision); the
# failure names $2 as the time waited, when given (bootstrap's whole --timeout).
wait_for_generated_secrets() {
  log "waiting up to $1 for the cluster to generate its secrets (existing values are kept)"
  run kubectl wait --for=condition=Ready "kustomization/$GENERATED_SECRETS" -n "$FLUX_NAMESPACE" --timeout="$1" \
    || die "the cluster did not generate its secrets within ${2:-$1}; see flux get kustomizations $GENERATED_SECRETS and kubectl -n $FLUX_NAMESPACE logs -l app.kubernetes.io/name=generate-secrets. A cluster that has no Kustomization $GENERATED_SECRETS runs a revision from before the cluster generated its own secrets: let it take the current one (flux resume source git stackspin) first"
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

# Single sign-on as create-user.sh and user-admin.sh reach it: Kratos's admin API is not exposed
# outside the cluster, so a short-lived pod of the pinned curl image calls it. Kept equal to
# Namespaces.CORE, Internal.KRATOS_ADMIN (apps/single-sign-on/endpoints.ts), IDENTITY_SCHEMA_ID
# (identity-schema.ts) and ADMIN_METADATA (admin-identity.ts) by test/scripts/create-user.bats.
readonly SSO_NAMESPACE=stackspin
readonly KRATOS_ADMIN_URL=http://kratos-admin.stackspin.svc.cluster.local
# shellcheck disable=SC2034 # read by create-user.sh
readonly SCHEMA_ID=default
# The curl image's own user (curl_user), as in the administrator Job; the pod needs no API token.
readonly KRATOS_POD_OVERRIDES='{"apiVersion":"v1","spec":{"automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true,"runAsUser":100,"seccompProfile":{"type":"RuntimeDefault"}}}}'

# Refuses a value that ends up inside JSON or a command a pod runs: characters that could break
# out of a JSON string are refused rather than escaped.
refuse_unsafe() {
  local what=$1 value=$2
  if [[ $value == *[\"\$\\]* || $value == *[[:cntrl:]]* ]]; then
    die "$what '$value' contains a quote, \$, backslash or control character (such as a newline); remove it"
  fi
}

# Prints the e-mail address $1 in lower case (logins are compared so), or dies naming it: the
# rule of admin_email in .flux.env (flux-env.ts check-email), so both take the same addresses.
checked_email() {
  local checked
  refuse_unsafe 'e-mail address' "$1"
  checked=$(ts_tool flux-env check-email "$1" 2>&1) || die "$checked"
  printf '%s' "$checked"
}

# Shell functions the Kratos pods' scripts start with (POSIX sh for the curl image, busybox ash).
# Kratos writes compact JSON with an identity's own id first, which is all the parsing relies on.
kratos_pod_functions() {
  cat <<'EOF_FUNCTIONS'
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
EOF_FUNCTIONS
}

# Sets POD_COMMAND: `kubectl run` of a short-lived pod named <prefix>-<random> in the single
# sign-on namespace, image $2, the environment of the remaining `NAME=value` arguments, running
# the script on its standard input (so it starts only once kubectl is attached and no output is
# lost); --rm deletes it when the script ends.
kratos_pod_command() {
  local prefix=$1 image=$2 pod setting env=()
  shift 2
  pod=$(printf '%s-%04x%04x' "$prefix" "$RANDOM" "$RANDOM")
  for setting in "KRATOS_ADMIN_URL=$KRATOS_ADMIN_URL" "$@"; do env+=("--env=$setting"); done
  # shellcheck disable=SC2034 # read by the caller
  POD_COMMAND=(kubectl run "$pod" --namespace="$SSO_NAMESPACE" --image="$image" --restart=Never --rm -i --quiet
    --pod-running-timeout=5m --overrides="$KRATOS_POD_OVERRIDES" "${env[@]}" --command -- /bin/sh -s)
}

# Prints a command and the script it reads (dry run).
print_command_with_script() { # script command...
  local script=$1
  shift
  printf '+'
  printf ' %q' "$@"
  printf " <<'EOF'\n%sEOF\n" "$script"
}

# One key=value line of a pod's output ($2); fails naming the key and what to do ($3) when it is
# missing or empty. The output may hold a credential, so a failure names the keys it did print,
# never a value.
pod_result() {
  local key=$1 output=$2 again=$3 value
  value=$(sed -n "s/^$key=//p" <<<"$output" | head -n 1)
  if [[ -z $value ]]; then
    die "the pod's output lacks $key (it printed: $(sed -n 's/^\([a-z_]*\)=.\{1,\}$/\1/p' <<<"$output" | paste -sd' ' -)); $again"
  fi
  printf '%s' "$value"
}
