# shellcheck shell=bash
# Setup for the script tests: stub curl, id and kubectl on PATH (k3s and flux appear once the
# stubbed installers ran), each test with its own cluster state in $STUB_STATE.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# Once per file: the pinned versions and the flux release tarball the curl stub serves.
prepare_fixtures() {
  local tools=$BATS_FILE_TMPDIR/versions k3s flux
  { read -r k3s && read -r flux; } < <(cd "$ROOT" && node -r ./scripts/lib/ts-loader.js scripts/catalogue.ts get k3s flux)
  echo "$k3s" >"$tools.k3s"
  echo "$flux" >"$tools.flux"
  tar -czf "$BATS_FILE_TMPDIR/flux.tar.gz" -C "$BATS_TEST_DIRNAME/stubs/installed" flux
}

# Stubs and an empty cluster with their state under $1 (default: the test's directory).
setup_stubs() {
  local dir=${1:-$BATS_TEST_TMPDIR}
  # shellcheck disable=SC2034 # read by the .bats files
  K3S_VERSION=$(cat "$BATS_FILE_TMPDIR/versions.k3s")
  FLUX_VERSION=$(cat "$BATS_FILE_TMPDIR/versions.flux")
  export STUB_ROOT=$ROOT
  export STUB_DIR=$BATS_TEST_DIRNAME/stubs
  export STUB_STATE=$dir/state
  export STUB_BIN=$dir/bin
  export STUB_FLUX_TARBALL=$BATS_FILE_TMPDIR/flux.tar.gz
  export STUB_FLUX_CLI_VERSION=$FLUX_VERSION
  export FLUX_INSTALL_DIR=$STUB_BIN
  # Where the k3s stub writes its kubeconfig and bootstrap links root's (instead of /etc and /root).
  export K3S_KUBECONFIG=$dir/etc/rancher/k3s/k3s.yaml
  export ROOT_KUBECONFIG=$dir/root/.kube/config
  export TMPDIR=$dir/tmp
  export STUB_ORIGINAL_PATH=${STUB_ORIGINAL_PATH:-$PATH}
  export PATH="$STUB_BIN:$STUB_DIR/bin:$STUB_ORIGINAL_PATH"
  unset KUBECONFIG STUB_FAIL STUB_UID STUB_BAD_CHECKSUM
  mkdir -p "$STUB_STATE" "$STUB_BIN" "$TMPDIR"
  : >"$STUB_STATE/calls"
  ENV_FILE=$dir/.flux.env
  cat >"$ENV_FILE" <<EOF_ENV
ip_address=203.0.113.7
domain=stackspin.example.org
admin_email=admin@example.org
outgoing_mail_enabled=true
outgoing_mail_from_address=admin@example.org
outgoing_mail_from_local_part=admin
outgoing_mail_domain=example.org
outgoing_mail_smtp_host=smtp.example.org
outgoing_mail_smtp_port=587
outgoing_mail_smtp_user=admin@example.org
outgoing_mail_smtp_password=SmtpSecret42
EOF_ENV
}

calls() { cat "$STUB_STATE/calls"; }

# The flux CLI as bootstrap installs it (the stub records suspend and resume).
install_flux_stub() {
  cp "$STUB_DIR/installed/flux" "$STUB_BIN/flux"
}

# Makes the stub kubectl answer every call matching the extended regex $1 (the whole call,
# `kubectl ...`) with $2 on stdout, or, with exit code $3 other than 0, on stderr. The first
# answer given wins; calls no answer matches behave as before (a `get` is NotFound).
stub_respond() {
  local dir=$STUB_STATE/responses count=0 name
  mkdir -p "$dir"
  [[ ! -f $dir/count ]] || read -r count <"$dir/count"
  count=$((count + 1))
  echo "$count" >"$dir/count"
  printf -v name '%s/%04d' "$dir" "$count"
  printf '%s' "$1" >"$name.pattern"
  printf '%s' "${2:-}" >"$name.output"
  echo "${3:-0}" >"$name.status"
}

# The objects the stub kubectl was asked to create (other than Secrets), one JSON per line.
created() { cat "$STUB_STATE/created" 2>/dev/null || true; }

# Passes when each extended regex matches a call, in this order.
assert_call_order() {
  local pattern previous=0 line
  for pattern in "$@"; do
    line=$(grep -nE -m1 -- "$pattern" "$STUB_STATE/calls" | cut -d: -f1)
    if [[ -z $line ]]; then
      echo "no call matches '$pattern'; calls were:" >&2
      calls >&2
      return 1
    fi
    if ((line <= previous)); then
      echo "'$pattern' (call $line) ran before the previous step (call $previous); calls were:" >&2
      calls >&2
      return 1
    fi
    previous=$line
  done
}

refute_call() {
  if grep -qE -- "$1" "$STUB_STATE/calls"; then
    echo "unexpected call matching '$1':" >&2
    grep -E -- "$1" "$STUB_STATE/calls" >&2
    return 1
  fi
}

# A decoded key of a Secret in the stub cluster.
secret_value() {
  node -e 'const s = require(process.argv[1]); process.stdout.write(Buffer.from(s.data[process.argv[2]] ?? "", "base64").toString())' \
    "$STUB_STATE/secrets/$1.json" "$2"
}

# A fingerprint of every Secret's name and data in the stub cluster (to prove a run changed none).
secrets_fingerprint() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e 'const fs = require("fs"); const dir = process.argv[1];
    for (const f of fs.readdirSync(dir).sort()) console.log(f, JSON.stringify(JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")).data));' \
    "$STUB_STATE/secrets" | sha256sum
}

# Once per file: bootstrap of a fresh server with wekan enabled and --repo-url/--branch, whose
# results several tests examine (a run takes seconds).
FRESH_FLAGS=(--repo-url https://git.example.org/ops/stackspin.git --branch staging)
prepare_fresh_run() {
  local dir=$BATS_FILE_TMPDIR/fresh
  mkdir -p "$dir"
  setup_stubs "$dir"
  echo 'enabled_apps=wekan' >>"$ENV_FILE"
  local status=0
  "$ROOT/scripts/bootstrap.sh" --env-file "$ENV_FILE" "${FRESH_FLAGS[@]}" >"$dir/output" 2>&1 || status=$?
  echo "$status" >"$dir/status"
}

# Makes this test's cluster the state after the fresh run, with its $output and $status.
use_fresh_run() {
  local dir=$BATS_FILE_TMPDIR/fresh
  cp -R "$dir/state/." "$STUB_STATE/"
  cp -R "$dir/bin/." "$STUB_BIN/"
  cp "$dir/.flux.env" "$ENV_FILE"
  # k3s's kubeconfig (mode kept) and root's link to it, at this test's paths.
  if [[ -f $dir/etc/rancher/k3s/k3s.yaml ]]; then
    mkdir -p "$(dirname "$K3S_KUBECONFIG")"
    cp -p "$dir/etc/rancher/k3s/k3s.yaml" "$K3S_KUBECONFIG"
  fi
  if [[ -L $dir/root/.kube/config ]]; then
    mkdir -p "$(dirname "$ROOT_KUBECONFIG")"
    ln -s "$K3S_KUBECONFIG" "$ROOT_KUBECONFIG"
  fi
  # shellcheck disable=SC2034 # bats' run sets these two; the tests read them
  output=$(cat "$dir/output")
  status=$(cat "$dir/status")
}

# The nightly Schedule's template as the cluster returns it (kubectl prints a map as JSON).
# shellcheck disable=SC2034 # read by the .bats files
SCHEDULE_TEMPLATE='{"defaultVolumesToFsBackup":true,"excludedNamespaces":["velero"],"labelSelector":{"matchExpressions":[{"key":"app.kubernetes.io/name","operator":"NotIn","values":["prometheus"]}]},"storageLocation":"default","ttl":"720h0m0s"}'

# A cluster where Velero is installed, reaches its bucket and has the paused nightly Schedule.
seed_velero() {
  stub_respond '^kubectl get backupstoragelocation\.velero\.io default -n velero -o jsonpath=\{\.status\.phase\}$' Available
  stub_respond '^kubectl get schedule\.velero\.io velero-nightly -n velero -o jsonpath=\{\.spec\.template\}$' "$SCHEDULE_TEMPLATE"
}

# Every call that could change something (anything but kubectl get), one per line.
changes() { grep -vE '^kubectl get ' "$STUB_STATE/calls" || true; }
