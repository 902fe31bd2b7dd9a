#!/bin/sh
# Stub of the k3s installer: records its settings and "installs" the k3s stub.
set -eu
printf 'k3s-install INSTALL_K3S_VERSION=%s INSTALL_K3S_EXEC=%s\n' "$INSTALL_K3S_VERSION" "$INSTALL_K3S_EXEC" >>"$STUB_STATE/calls"
printf '%s\n' "$INSTALL_K3S_VERSION" >"$STUB_STATE/k3s-version"
cp "$STUB_DIR/installed/k3s" "$STUB_BIN/k3s"
# k3s writes its kubeconfig; world-readable here, as an install without --write-kubeconfig-mode could leave it.
mkdir -p "$(dirname "$K3S_KUBECONFIG")"
printf 'apiVersion: v1\nkind: Config\n' >"$K3S_KUBECONFIG"
chmod 0644 "$K3S_KUBECONFIG"
