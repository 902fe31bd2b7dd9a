#!/usr/bin/env bash
# Turns a fresh Debian server into a running Stackspin cluster (run as root), or connects an
# existing cluster (--existing-cluster, with KUBECONFIG set). Safe to re-run at any point: every
# step skips what is already in place. The cluster generates its own secrets (the tree's
# generated-secrets Kustomization), adding missing keys and never changing a value.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
usage: bootstrap.sh [options]

  --env-file FILE      cluster variables (default: .flux.env); see .flux.env.example
  --repo-url URL       git repository the cluster follows (default: stackspin_repo_url in the
                       env file, else the tree's default)
  --branch NAME        branch of that repository (default: stackspin_repo_branch, else main)
  --existing-cluster   use the cluster KUBECONFIG points at; do not install k3s
  --timeout DURATION   how long to wait, in all, for Flux to fetch the tree, generate the secrets
                       and report the core ready (default: 30m)
  --dry-run            print every command and manifest a run on a fresh server would apply,
                       and change nothing
  -h, --help           this text

Environment: FLUX_INSTALL_DIR, where the flux CLI goes (default: /usr/local/bin); ROOT_KUBECONFIG,
where root's kubectl and flux look for the cluster, linked to k3s's kubeconfig K3S_KUBECONFIG
(defaults: /root/.kube/config and /etc/rancher/k3s/k3s.yaml).
EOF
}

ENV_FILE=.flux.env
EXISTING_CLUSTER=false
TIMEOUT=30m
REPO_ARGS=()
FLUX_INSTALL_DIR=${FLUX_INSTALL_DIR:-/usr/local/bin}
K3S_KUBECONFIG=${K3S_KUBECONFIG:-/etc/rancher/k3s/k3s.yaml}
# kubectl's and flux's default kubeconfig for root: a link to k3s's, so any root shell reaches the cluster.
ROOT_KUBECONFIG=${ROOT_KUBECONFIG:-/root/.kube/config}

parse_flags() {
  parse_options usage --env-file=FILE --repo-url=URL --branch=NAME --timeout=DURATION --existing-cluster --dry-run -- "$@"
  ((${#ARGUMENTS[@]} == 0)) || refuse_usage usage "unexpected argument '${ARGUMENTS[0]}'; bootstrap.sh takes only options"
  ENV_FILE=${OPTIONS[--env-file]:-$ENV_FILE}
  [[ -z ${OPTIONS[--repo-url]:-} ]] || REPO_ARGS+=("--repo-url=${OPTIONS[--repo-url]}")
  [[ -z ${OPTIONS[--branch]:-} ]] || REPO_ARGS+=("--branch=${OPTIONS[--branch]}")
  TIMEOUT=${OPTIONS[--timeout]:-$TIMEOUT}
  EXISTING_CLUSTER=${OPTIONS[--existing-cluster]:-false}
  DRY_RUN=${OPTIONS[--dry-run]:-false}
  [[ $TIMEOUT =~ ^([0-9]{1,6})([smh])$ ]] || die "--timeout '$TIMEOUT' must be a duration like 30m"
  local number=${BASH_REMATCH[1]} scale=1
  case ${BASH_REMATCH[2]} in m) scale=60 ;; h) scale=3600 ;; esac
  TIMEOUT_SECONDS=$((10#$number * scale))
  ((TIMEOUT_SECONDS > 0)) || die "--timeout '$TIMEOUT' waits for nothing; give a duration like 30m"
  # The TypeScript tools take the file as an argument; one named like an option would be read as one.
  if [[ $ENV_FILE == -* ]]; then ENV_FILE=./$ENV_FILE; fi
}

preflight() {
  require_node
  if [[ $DRY_RUN == true ]]; then return; fi
  require_tools curl tar sha256sum install
  if [[ $EXISTING_CLUSTER == true ]]; then
    [[ -n ${KUBECONFIG:-} ]] || die "--existing-cluster needs KUBECONFIG set to the cluster's kubeconfig file"
    require_tools kubectl
  elif [[ $(id -u) != 0 ]]; then
    die "installing k3s needs root: run sudo $0 $*, or pass --existing-cluster for a cluster you already have"
  fi
}

# The env file holds the SMTP password and S3 keys: committed, every cluster would pull them.
refuse_tracked_env() {
  command -v git >/dev/null 2>&1 || return 0
  local dir name
  dir=$(dirname -- "$ENV_FILE")
  name=$(basename -- "$ENV_FILE")
  if git -C "$dir" ls-files --error-unmatch -- "$name" >/dev/null 2>&1; then
    die "$ENV_FILE is tracked by git, so its secrets reach everyone who can read the repository; untrack it with: git -C $(printf '%q' "$dir") rm --cached -- $(printf '%q' "$name") (then commit; if it was ever pushed, change the passwords and keys it held: they stay in git history)"
  fi
}

# Nothing is applied unless the whole file is valid.
validate_env() {
  [[ ! -d $ENV_FILE ]] || die "$ENV_FILE is a directory, not an env file; pass --env-file with the path of your .flux.env"
  [[ -f $ENV_FILE ]] || die "$ENV_FILE not found; copy .flux.env.example to $ENV_FILE and fill it in, or pass --env-file"
  refuse_tracked_env
  log "checking $ENV_FILE"
  # `get` validates the whole file first and prints every problem.
  local settings
  settings=$(ts_tool flux-env get "$ENV_FILE" enabled_apps ip_address "${REPO_ARGS[@]}")
  ENABLED_APPS=$(sed -n 1p <<<"$settings" | tr ',' ' ')
  NODE_IP=$(sed -n 2p <<<"$settings")
  local versions
  versions=$(ts_tool catalogue get k3s flux)
  K3S_VERSION=$(sed -n 1p <<<"$versions")
  FLUX_VERSION=$(sed -n 2p <<<"$versions")
}

install_k3s() {
  if [[ $EXISTING_CLUSTER == true ]]; then
    log "existing cluster: not installing k3s"
    return
  fi
  export KUBECONFIG=$K3S_KUBECONFIG
  local installed=''
  if [[ $DRY_RUN == false ]]; then installed=$(k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }') || true; fi
  if [[ $installed == "$K3S_VERSION" ]]; then
    log "k3s $K3S_VERSION is installed"
    return
  fi
  # Upgrades are the system-upgrade-controller's job, inside the maintenance window; a re-run from
  # an older checkout must not downgrade.
  if [[ -n $installed ]]; then
    warn "k3s $installed is installed (the catalogue pins $K3S_VERSION); leaving it to the system-upgrade-controller"
    return
  fi
  log "installing k3s $K3S_VERSION"
  # The installer of the same tag as the binary, so both are pinned.
  run curl -fsSL --retry 3 -o "$WORK/k3s-install.sh" "https://raw.githubusercontent.com/k3s-io/k3s/$K3S_VERSION/install.sh"
  run env INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$(k3s_exec)" sh "$WORK/k3s-install.sh"
}

# The k3s server's options. The tree installs Traefik and the local-path provisioner (data in
# /var/lib/Stackspin/local-storage). ip_address is the node's external address (ServiceLB reports
# it as Traefik's) and is in the API server's certificate, so a kubeconfig that names the server
# by it works from elsewhere; the kubeconfig k3s writes is root's alone.
k3s_exec() {
  printf 'server --disable traefik --disable local-storage --write-kubeconfig-mode 0600 --node-external-ip %s --tls-san %s' "$NODE_IP" "$NODE_IP"
}

# kubectl and flux in any root shell, login shells too, read ~/.kube/config: link it to k3s's
# kubeconfig, which stays readable by root only. An existing different file is left alone.
link_kubeconfig() {
  if [[ $EXISTING_CLUSTER == true ]]; then return; fi
  if [[ -L $ROOT_KUBECONFIG && $(readlink -- "$ROOT_KUBECONFIG") == "$K3S_KUBECONFIG" ]]; then
    log "$ROOT_KUBECONFIG links to k3s's kubeconfig"
  elif [[ -e $ROOT_KUBECONFIG || -L $ROOT_KUBECONFIG ]]; then
    warn "$ROOT_KUBECONFIG exists and is not k3s's kubeconfig; left as it is, so kubectl and flux in a root shell use it (to reach this cluster, move it away and run bootstrap.sh again)"
  else
    log "linking $ROOT_KUBECONFIG to k3s's kubeconfig, so kubectl and flux reach the cluster in any root shell"
    run install -d -m 0700 "$(dirname -- "$ROOT_KUBECONFIG")"
    run ln -s "$K3S_KUBECONFIG" "$ROOT_KUBECONFIG"
  fi
  [[ $DRY_RUN == true || -f $K3S_KUBECONFIG ]] || die "k3s has not written $K3S_KUBECONFIG; see systemctl status k3s, then run bootstrap.sh again"
  if [[ $DRY_RUN == true || $(stat -c %a -- "$K3S_KUBECONFIG") != 600 ]]; then
    run chmod 0600 "$K3S_KUBECONFIG"
  fi
}

flux_arch() {
  case $(uname -m) in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    armv7l | armv7 | arm) echo arm ;;
    *) die "no flux CLI release for architecture $(uname -m)" ;;
  esac
}

install_flux_cli() {
  local installed='' version=${FLUX_VERSION#v} arch tarball base
  if [[ $DRY_RUN == false ]]; then installed=$(flux version --client 2>/dev/null | awk '{ print $2 }') || true; fi
  if [[ $installed == "$FLUX_VERSION" ]]; then
    log "flux CLI $FLUX_VERSION is installed"
    return
  fi
  log "installing the flux CLI $FLUX_VERSION into $FLUX_INSTALL_DIR"
  arch=$(flux_arch)
  tarball=flux_${version}_linux_${arch}.tar.gz
  base=https://github.com/fluxcd/flux2/releases/download/v$version
  run curl -fsSL --retry 3 -o "$WORK/$tarball" "$base/$tarball"
  run curl -fsSL --retry 3 -o "$WORK/checksums.txt" "$base/flux_${version}_checksums.txt"
  if [[ $DRY_RUN == true ]]; then
    printf '+ (cd %q && grep %q checksums.txt | sha256sum --check --strict)\n' "$WORK" " $tarball\$"
  else
    (cd "$WORK" && grep " $tarball\$" checksums.txt | sha256sum --check --strict >&2) || die "$tarball does not match its published checksum"
  fi
  run tar -xzf "$WORK/$tarball" -C "$WORK" flux
  run install -m 0755 "$WORK/flux" "$FLUX_INSTALL_DIR/flux"
}

install_flux_controllers() {
  local installed=''
  if [[ $DRY_RUN == false ]]; then
    require_tools kubectl flux
    installed=$(kubectl get namespace "$FLUX_NAMESPACE" --ignore-not-found -o 'jsonpath={.metadata.labels.app\.kubernetes\.io/version}') || true
  fi
  # A run that stopped during `flux install` left the label but unhealthy controllers: check both.
  if [[ $installed == "$FLUX_VERSION" ]] && flux check >/dev/null 2>&1; then
    log "Flux $FLUX_VERSION controllers are installed"
    return
  fi
  log "installing the Flux $FLUX_VERSION controllers"
  run flux install --version="$FLUX_VERSION" --timeout=10m
}

apply_cluster_variables() {
  log "applying the cluster variables from $ENV_FILE"
  if [[ $DRY_RUN == true ]]; then
    printf '+ kubectl apply --server-side --force-conflicts --field-manager=stackspin-bootstrap -f - <<EOF\n'
    ts_tool flux-env secret "$ENV_FILE" "${REPO_ARGS[@]}" --redact --quiet
    printf 'EOF\n'
    return
  fi
  # Server-side apply with base64 data: values never land in a last-applied annotation.
  ts_tool flux-env secret "$ENV_FILE" "${REPO_ARGS[@]}" --quiet \
    | kubectl apply --server-side --force-conflicts --field-manager=stackspin-bootstrap -f - >&2
}

# Exactly the tree's GitRepository, secret generator and root Kustomizations, substituted like
# Flux will. The root applies the generator too; applying it here lets bootstrap wait for it.
apply_root() {
  local tree=$STACKSPIN_ROOT/dist/flux2
  log "pointing Flux at the core entry"
  ts_tool flux-env render "$ENV_FILE" "${REPO_ARGS[@]}" --quiet \
    "$tree/infrastructure/sources/gitrepository-stackspin.yaml" \
    "$tree/cluster/core/kustomization-$GENERATED_SECRETS.yaml" \
    "$tree/cluster/core/kustomization-stackspin.yaml" | apply_manifests
}

enable_apps() {
  local app
  for app in $ENABLED_APPS; do
    log "enabling $app"
    add_app_manifest "$app" | apply_manifests
  done
}

wait_for_core() {
  # --timeout is for the three waits together: each gets what the ones before it left.
  local deadline=$((SECONDS + TIMEOUT_SECONDS))
  left() { local s=$((deadline - SECONDS)); printf '%ss' "$((s > 0 ? s : 1))"; }
  log "waiting up to $(left) for Flux to fetch the tree"
  run kubectl wait --for=condition=Ready gitrepository/stackspin -n "$FLUX_NAMESPACE" --timeout="$(left)" \
    || die "Flux did not fetch the tree within $TIMEOUT; see flux get sources git stackspin, fix the cause, then run bootstrap.sh again (it continues where it stopped)"
  wait_for_generated_secrets "$(left)" "$TIMEOUT"
  log "waiting up to $(left) for Flux to report the core ready"
  run kubectl wait --for=condition=Ready kustomization/stackspin -n "$FLUX_NAMESPACE" --timeout="$(left)" \
    || die "Flux did not report the core ready within $TIMEOUT; see flux get kustomizations, fix the cause, then run bootstrap.sh again (it continues where it stopped)"
}

next_steps() {
  local dir
  dir=$(realpath --relative-to="$PWD" "$STACKSPIN_ROOT/scripts")
  if [[ $DRY_RUN == true ]]; then
    printf '\nDry run: nothing was changed. After a real run:\n'
  else
    printf '\nStackspin core is ready. Next steps:\n'
  fi
  cat <<EOF
  $dir/admin-credentials.sh       # the single sign-on admin login
  $dir/install-app.sh <app>       # enable an app: $(optional_apps | paste -sd' ' -)
  flux get kustomizations --watch # follow the installation
EOF
  if [[ $EXISTING_CLUSTER == false ]]; then
    printf 'kubectl and flux reach the cluster in any root shell (%s links to %s).\n' "$ROOT_KUBECONFIG" "$K3S_KUBECONFIG"
  fi
}

main() {
  parse_flags "$@"
  preflight "$@"
  validate_env
  if [[ $DRY_RUN == true ]]; then
    WORK=/tmp/stackspin-bootstrap
  else
    WORK=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: WORK is local to this run
    trap "rm -rf '$WORK'" EXIT
  fi
  install_k3s
  link_kubeconfig
  install_flux_cli
  install_flux_controllers
  apply_cluster_variables
  apply_root
  enable_apps
  wait_for_core
  next_steps
}

main "$@"
