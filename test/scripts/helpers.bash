# shellcheck shell=bash
# Setup for the script tests: stub curl, id and kubectl on PATH (k3s and flux appear once the
# stubbed installers ran), each test with its own cluster state in $STUB_STATE.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# Once per file: the pinned versions and the flux release tarball the curl stub serves.
prepare_fixtures() {
  local tools=$BATS_FILE_TMPDIR/versions
  (cd "$ROOT" && node -r ./scripts/lib/ts-loader.js scripts/catalogue.ts get k3s) >"$tools.k3s"
  (cd "$ROOT" && node -r ./scripts/lib/ts-loader.js scripts/catalogue.ts get flux) >"$tools.flux"
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
  # shellcheck disable=SC2034 # bats' run sets these two; the tests read them
  output=$(cat "$dir/output")
  status=$(cat "$dir/status")
}
