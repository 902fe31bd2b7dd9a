/**
 * Keys and certificates of one e2e run, made with openssl into the run's directory and gone with
 * it: the cluster CA, the API server's serving certificate, client certificates for the
 * administrator and the control-plane components (each with the identity Kubernetes' bootstrap
 * RBAC expects), the ServiceAccount signing key, and a second CA for the chart proxy's HTTPS hosts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly ca: KeyPair;
  readonly apiserver: KeyPair;
  readonly admin: KeyPair;
  readonly controllerManager: KeyPair;
  readonly scheduler: KeyPair;
  readonly serviceAccount: { readonly key: string; readonly pub: string };
  /** The CA the Flux controllers trust for HTTPS (and nothing else). */
  readonly proxyCa: KeyPair;
  /** The chart proxy's certificate for every host it answers. */
  readonly proxy: KeyPair;
}

function openssl(args: readonly string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('openssl is missing: apt-get install -y openssl');
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim().split('\n')[0]}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ca(dir: string, name: string, subject: string): KeyPair {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  openssl(['req', '-x509', ...EC, '-keyout', pair.key, '-out', pair.cert, '-days', '3', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return pair;
}

function signed(dir: string, name: string, issuer: KeyPair, subject: string, extensions: readonly string[]): KeyPair {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  openssl(['req', ...EC, '-keyout', pair.key, '-out', csr, '-subj', subject], dir);
  fs.writeFileSync(ext, `${extensions.join('\n')}\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', pair.cert, '-days', '3', '-extfile', ext], dir);
  fs.rmSync(csr);
  fs.rmSync(ext);
  return pair;
}

const CLIENT = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

/** Every key and certificate of a run, in `dir`; `proxyHosts` are the names the chart proxy serves. */
export function makePki(dir: string, proxyHosts: readonly string[]): Pki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cluster = ca(dir, 'ca', '/CN=stackspin-e2e-ca');
  const apiserverNames = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'];
  const serviceAccount = { key: path.join(dir, 'sa.key'), pub: path.join(dir, 'sa.pub') };
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', serviceAccount.key], dir);
  openssl(['pkey', '-in', serviceAccount.key, '-pubout', '-out', serviceAccount.pub], dir);
  const proxyCa = ca(dir, 'proxy-ca', '/CN=stackspin-e2e-chart-proxy-ca');
  return {
    ca: cluster,
    apiserver: signed(dir, 'apiserver', cluster, '/CN=kube-apiserver', ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', `subjectAltName=${apiserverNames.join(',')}`]),
    admin: signed(dir, 'admin', cluster, '/O=system:masters/CN=stackspin-e2e-admin', CLIENT),
    controllerManager: signed(dir, 'kube-controller-manager', cluster, '/CN=system:kube-controller-manager', CLIENT),
    scheduler: signed(dir, 'kube-scheduler', cluster, '/CN=system:kube-scheduler', CLIENT),
    serviceAccount,
    proxyCa,
    proxy: signed(dir, 'proxy', proxyCa, '/CN=stackspin-e2e-chart-proxy', ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', `subjectAltName=${proxyHosts.map((h) => `DNS:${h}`).join(',')}`]),
  };
}

export type Credentials = KeyPair | { readonly token: string };

/** Writes a kubeconfig for `server`, trusting `caFile`, with a client certificate or a token. */
export function writeKubeconfig(file: string, server: string, caFile: string, credentials: Credentials): string {
  const user = 'token' in credentials
    ? { token: credentials.token }
    : { 'client-certificate': credentials.cert, 'client-key': credentials.key };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'e2e', user }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e' } }],
    'current-context': 'e2e',
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
