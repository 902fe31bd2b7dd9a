/**
 * The Kubernetes control plane as local processes on 127.0.0.1: etcd, kube-apiserver (RBAC and
 * the Node authorizer, the ServiceAccount, NodeRestriction and PodSecurity admission plugins on,
 * as on k3s; the two webhook plugins off, because no webhook backend runs here),
 * kube-controller-manager and kube-scheduler with their own identities, and KWOK in place of the
 * kubelet of one node named, labelled and sized like the platform's k3s server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Api } from './api';
import { releases } from '../../catalogue';
import { ToolSet } from './build';
import { kwokConfig } from './kwok-stages';
import { NODE_ADDRESS } from './network';
import { Pki, writeKubeconfig } from './pki';
import { Supervisor } from './processes';

export const PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kwok: 10250,
} as const;

export const SERVER = `https://127.0.0.1:${PORTS.apiserver}`;

/** k3s's default Service and pod ranges; nothing dials these addresses here. */
const SERVICE_CIDR = '10.43.0.0/16';
const POD_CIDR = '10.42.0.0/24';

/** The node the platform documents: one k3s server with 6 cores and 12 GiB (seeds/001, "Prerequisites"). */
export const NODE = {
  name: 'stackspin',
  cpu: '6',
  memory: '12Gi',
  pods: '110',
  ephemeralStorage: '100Gi',
} as const;

export interface ControlPlane {
  readonly api: Api;
  /** The administrator's kubeconfig (system:masters). */
  readonly kubeconfig: string;
}

export async function startControlPlane(supervisor: Supervisor, tools: ToolSet, pki: Pki, work: string): Promise<ControlPlane> {
  const kubeconfig = writeKubeconfig(path.join(work, 'admin.kubeconfig'), SERVER, pki.ca.cert, pki.admin);
  const controllerManagerConfig = writeKubeconfig(path.join(work, 'kube-controller-manager.kubeconfig'), SERVER, pki.ca.cert, pki.controllerManager);
  const schedulerConfig = writeKubeconfig(path.join(work, 'kube-scheduler.kubeconfig'), SERVER, pki.ca.cert, pki.scheduler);
  const api = new Api(SERVER, pki.ca.cert, pki.admin);

  const etcd = `http://127.0.0.1:${PORTS.etcdClient}`;
  const peer = `http://127.0.0.1:${PORTS.etcdPeer}`;
  await supervisor.start('etcd', tools.bin('etcd'), {
    args: ['--data-dir', path.join(work, 'etcd'), `--listen-client-urls=${etcd}`, `--advertise-client-urls=${etcd}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=default=${peer}`,
      // A test's store: losing it on a crash costs nothing, and fsync costs seconds per write on a shared disk.
      '--unsafe-no-fsync', '--log-level=warn'],
    ready: () => httpOk(`${etcd}/health`),
  });

  await supervisor.start('kube-apiserver', tools.bin('kube-apiserver'), {
    args: [`--etcd-servers=${etcd}`, '--bind-address=127.0.0.1', `--advertise-address=${NODE_ADDRESS}`, `--secure-port=${PORTS.apiserver}`,
      `--tls-cert-file=${pki.apiserver.cert}`, `--tls-private-key-file=${pki.apiserver.key}`, `--client-ca-file=${pki.ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccount.pub}`, `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--authorization-mode=Node,RBAC', '--anonymous-auth=false', '--allow-privileged=true',
      '--enable-admission-plugins=NodeRestriction,PodSecurity,ServiceAccount',
      // Their backends cannot run here, and the API server would dial a 10.x Service address.
      '--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
      // As k3s does: the front-proxy client CA (here the cluster's own), which the controller-manager and scheduler read.
      `--requestheader-client-ca-file=${pki.ca.cert}`, '--requestheader-allowed-names=system:auth-proxy', '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--profiling=false'],
    ready: () => api.request('GET', '/readyz').then(() => true),
    readyTimeoutSeconds: 120,
  });

  await supervisor.start('kube-controller-manager', tools.bin('kube-controller-manager'), {
    args: [`--kubeconfig=${controllerManagerConfig}`, `--authentication-kubeconfig=${controllerManagerConfig}`, `--authorization-kubeconfig=${controllerManagerConfig}`,
      '--leader-elect=false', '--use-service-account-credentials=true', `--root-ca-file=${pki.ca.cert}`,
      `--service-account-private-key-file=${pki.serviceAccount.key}`, `--cluster-signing-cert-file=${pki.ca.cert}`, `--cluster-signing-key-file=${pki.ca.key}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--bind-address=127.0.0.1', `--secure-port=${PORTS.controllerManager}`],
    // The ServiceAccount admission plugin refuses pods until the default ServiceAccounts exist.
    ready: () => api.get('/api/v1/namespaces/default/serviceaccounts/default').then(() => true),
  });

  await supervisor.start('kube-scheduler', tools.bin('kube-scheduler'), {
    args: [`--kubeconfig=${schedulerConfig}`, `--authentication-kubeconfig=${schedulerConfig}`, `--authorization-kubeconfig=${schedulerConfig}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${PORTS.scheduler}`],
    ready: () => api.get('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases').then(() => true),
  });

  const stages = path.join(work, 'kwok.yaml');
  fs.writeFileSync(stages, kwokConfig(path.join(tools.tools.get('kwok')!.dir, 'stages')));
  await supervisor.start('kwok', tools.bin('kwok'), {
    args: [`--kubeconfig=${kubeconfig}`, `--config=${stages}`, `--manage-single-node=${NODE.name}`, `--node-ip=${NODE_ADDRESS}`,
      `--node-port=${PORTS.kwok}`, `--server-address=${NODE_ADDRESS}:${PORTS.kwok}`, `--cidr=${POD_CIDR}`, '--node-lease-duration-seconds=40'],
  });
  await api.create('/api/v1/nodes', node());
  await waitFor(async () => (await api.get(`/api/v1/nodes/${NODE.name}`)).status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'), 60, `node ${NODE.name} to become Ready (KWOK)`);
  return { api, kubeconfig };
}

/** A node as k3s registers its server: the same labels (k3s's own and the well-known ones), no taint. */
function node(): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'k3s',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': NODE.name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': 'true',
        'node-role.kubernetes.io/master': 'true',
        'node.kubernetes.io/instance-type': 'k3s',
      },
      annotations: { 'k3s.io/hostname': NODE.name, 'k3s.io/internal-ip': NODE_ADDRESS },
    },
    spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR], providerID: `k3s://${NODE.name}` },
    status: {
      capacity: { cpu: NODE.cpu, memory: NODE.memory, pods: NODE.pods, 'ephemeral-storage': NODE.ephemeralStorage },
      allocatable: { cpu: NODE.cpu, memory: NODE.memory, pods: NODE.pods, 'ephemeral-storage': NODE.ephemeralStorage },
      addresses: [{ type: 'InternalIP', address: NODE_ADDRESS }, { type: 'Hostname', address: NODE.name }],
      nodeInfo: {
        architecture: 'amd64', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 13 (trixie)', kernelVersion: '6.12.0',
        kubeletVersion: releases.k3s.version, kubeProxyVersion: releases.k3s.version, containerRuntimeVersion: 'containerd://2.1.0-k3s1',
        machineID: '', systemUUID: '', bootID: '',
      },
    },
  };
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url);
  return response.ok;
}

/** Polls `check` every half second until it is true; throws after `seconds`, naming `what`. */
export async function waitFor(check: () => Promise<boolean | undefined>, seconds: number, what: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
