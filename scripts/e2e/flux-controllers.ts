/**
 * The Flux controllers as local processes, started the way their pods would be: each one once the
 * Deployment `flux install` applied exists, with that Deployment's own arguments and environment,
 * authenticated as its own ServiceAccount (a token from `kubectl create token`, so the real API
 * server enforces Flux's RBAC). What differs from the pods, and why:
 * - addresses: each listener on its own loopback port, and the events and artifact addresses
 *   pointing at them (no cluster network);
 * - no `--enable-leader-election`: controller-runtime takes the lease's namespace from the pod's
 *   mounted ServiceAccount files, which a process on the host has not, and one instance of each
 *   controller has no one to share the work with;
 * - `--requeue-dependency=5s` instead of the default 30 s, so a `dependsOn` chain does not cost half
 *   a minute per level; the order Flux applies things in is unchanged;
 * - every HTTPS request goes through the chart proxy, with only the run's proxy CA trusted.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Api } from './api';
import { SERVER, waitFor } from './control-plane';
import { FLUX_CONTROLLERS, FluxController } from './go-tools';
import { writeKubeconfig } from './pki';
import { Supervisor } from './processes';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';

/** Loopback ports of each controller's listeners. */
export const FLUX_PORTS: Readonly<Record<FluxController, Readonly<Record<string, number>>>> = {
  'source-controller': { metrics: 18081, health: 19441, storage: 19090 },
  'kustomize-controller': { metrics: 18082, health: 19442 },
  'helm-controller': { metrics: 18083, health: 19443 },
  'notification-controller': { metrics: 18084, health: 19444, events: 19690, receiver: 19292 },
};

export const EVENTS_URL = `http://127.0.0.1:${FLUX_PORTS['notification-controller'].events}/`;

export const REQUEUE_DEPENDENCY = '5s';

export interface ContainerSpec {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string } } }[];
  resources?: { limits?: Record<string, string> };
}

export interface FluxEnvironment {
  readonly proxy: string;
  readonly proxyCa: string;
  readonly caFile: string;
  readonly kubectl: string;
  readonly adminKubeconfig: string;
  readonly work: string;
}

/** Starts every controller once `flux install` has created its Deployment and ServiceAccount. */
export async function startFluxControllers(supervisor: Supervisor, api: Api, bin: (name: string) => string, env: FluxEnvironment): Promise<void> {
  for (const controller of FLUX_CONTROLLERS) {
    const deploymentPath = `/apis/apps/v1/namespaces/${FLUX_NAMESPACE}/deployments/${controller}`;
    await waitFor(() => api.get(deploymentPath).then(() => true), 900, `flux install to create the Deployment ${FLUX_NAMESPACE}/${controller}`);
    const deployment = await api.get(deploymentPath);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as ContainerSpec;
    const serviceAccount = pod.serviceAccountName as string;
    await waitFor(() => api.get(`/api/v1/namespaces/${FLUX_NAMESPACE}/serviceaccounts/${serviceAccount}`).then(() => true), 120, `the ServiceAccount ${serviceAccount}`);
    const dir = path.join(env.work, controller);
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), SERVER, env.caFile, { token: token(env, serviceAccount) });
    const variables = environment(container, controller);
    const args = (container.args ?? []).map((a) => a.replace(/\$\((\w+)\)/g, (whole, name: string) => variables[name] ?? whole));
    const ports = FLUX_PORTS[controller];
    await supervisor.start(controller, bin(controller), {
      args: [...rewrite(args, controller, dir), `--metrics-addr=127.0.0.1:${ports.metrics}`, `--health-addr=127.0.0.1:${ports.health}`],
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...variables,
        HOME: path.join(dir, 'tmp'),
        TMPDIR: path.join(dir, 'tmp'),
        KUBECONFIG: kubeconfig,
        HTTPS_PROXY: env.proxy,
        HTTP_PROXY: env.proxy,
        NO_PROXY: '127.0.0.1,localhost',
        SSL_CERT_FILE: env.proxyCa,
        SSL_CERT_DIR: path.join(dir, 'no-certs'),
      },
      ready: async () => (await fetch(`http://127.0.0.1:${ports.health}/readyz`)).ok,
    });
  }
}

/** The Deployment's environment as the kubelet resolves it for the pod. */
export function environment(container: ContainerSpec, controller: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) variables[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') variables[variable.name] = FLUX_NAMESPACE;
    else if (variable.valueFrom?.resourceFieldRef?.resource === 'limits.memory') variables[variable.name] = String(bytes(container.resources?.limits?.memory ?? '0'));
    else if (variable.valueFrom?.resourceFieldRef?.resource === 'limits.cpu') variables[variable.name] = String(Math.ceil(cores(container.resources?.limits?.cpu ?? '1')));
    else throw new Error(`${controller}: its Deployment sets ${variable.name} from ${JSON.stringify(variable.valueFrom)}, which scripts/e2e/flux-controllers.ts does not resolve`);
  }
  return variables;
}

export function rewrite(args: readonly string[], controller: FluxController, dir: string): string[] {
  const ports = FLUX_PORTS[controller];
  const out = args.filter((a) => !/^--(metrics-addr|health-addr|requeue-dependency)=/.test(a) && a !== '--enable-leader-election').map((arg) => {
    const [flag] = arg.split('=');
    if (controller === 'notification-controller' && flag === '--events-addr') return `--events-addr=127.0.0.1:${ports.events}`;
    if (flag === '--events-addr') return `--events-addr=${EVENTS_URL}`;
    if (flag === '--storage-path') return `--storage-path=${path.join(dir, 'data')}`;
    if (flag === '--storage-adv-addr') return `--storage-adv-addr=127.0.0.1:${ports.storage}`;
    return arg;
  });
  if (controller === 'source-controller') {
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    out.push(`--storage-addr=127.0.0.1:${ports.storage}`);
  }
  if (controller === 'notification-controller') {
    if (!out.some((a) => a.startsWith('--events-addr='))) out.push(`--events-addr=127.0.0.1:${ports.events}`);
    out.push(`--receiverAddr=127.0.0.1:${ports.receiver}`);
  }
  if (controller === 'kustomize-controller' || controller === 'helm-controller') out.push(`--requeue-dependency=${REQUEUE_DEPENDENCY}`);
  return out;
}

function token(env: FluxEnvironment, serviceAccount: string): string {
  const result = spawnSync(env.kubectl, ['create', 'token', serviceAccount, '--namespace', FLUX_NAMESPACE, '--duration=48h'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: env.adminKubeconfig } });
  if (result.status !== 0) throw new Error(`kubectl create token ${serviceAccount}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };

function bytes(quantity: string): number {
  const match = /^(\d+)([KMG]i?)?$/.exec(quantity);
  if (match === null) throw new Error(`memory quantity '${quantity}' is not one scripts/e2e/flux-controllers.ts reads`);
  return Number(match[1]) * (match[2] ? UNITS[match[2]] : 1);
}

function cores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}
