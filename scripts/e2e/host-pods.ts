/**
 * Pods whose work the rest of the tree needs, run for real on the host as the kubelet would run
 * them, once KWOK reports them Running: the secret generator's Job pod (every app substitutes the
 * Secrets it fills). The pod's own command, arguments and environment run as its user, in a
 * chroot of the host's /usr with each of its volumes (emptyDir, ConfigMap and projected ConfigMap
 * items, Secrets) mounted at the pod's paths and its ServiceAccount token where the kubelet puts
 * it, so its kubectl finds the API server as in the cluster and the real RBAC of its Role
 * applies. Its exit code becomes the pod's phase. Every other pod is only faked by KWOK.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Api, KubeObject } from './api';
import { PORTS } from './control-plane';
import { SECRET_GENERATOR } from '../../constructs/secret-generator';

/** The label, and its values, of the pods run on the host; KWOK leaves them unfinished (kwok-stages.ts). */
export const HOST_RUN_LABEL = 'app.kubernetes.io/name';
export const HOST_RUN_VALUES: readonly string[] = [SECRET_GENERATOR];

export interface HostPodRun {
  readonly pod: string;
  readonly exitCode: number;
  readonly seconds: number;
  readonly log: string;
}

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
}

type Items = { key: string; path: string }[];

interface ProjectedSource {
  configMap?: { name: string; items?: Items };
  secret?: { name: string; items?: Items };
  serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
  downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] };
}

interface Volume {
  name: string;
  emptyDir?: unknown;
  configMap?: { name: string; items?: Items };
  secret?: { secretName: string; items?: Items };
  projected?: { sources: ProjectedSource[] };
}

export class HostPods {
  private readonly handled = new Set<string>();
  readonly runs: HostPodRun[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;
  private readonly active = new Set<Promise<void>>();
  /** The first pod the host could not run, which fails the run. */
  failure?: Error;

  constructor(
    private readonly api: Api,
    private readonly kubectl: { readonly path: string; readonly kubeconfig: string },
    private readonly work: string,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => { void this.poll(); }, 500);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.active]);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const selector = encodeURIComponent(`${HOST_RUN_LABEL} in (${HOST_RUN_VALUES.join(',')})`);
      for (const pod of await this.api.list(`/api/v1/pods?labelSelector=${selector}`)) {
        const uid = pod.metadata.uid ?? '';
        if (pod.status?.phase !== 'Running' || this.handled.has(uid)) continue;
        this.handled.add(uid);
        const run = this.run(pod).catch((e: Error) => {
          this.failure ??= new Error(`the host cannot run pod ${pod.metadata.namespace}/${pod.metadata.name}: ${e.message}`);
        });
        this.active.add(run);
        void run.finally(() => this.active.delete(run));
      }
    } catch {
      // The API server restarting: the next poll tries again.
    } finally {
      this.busy = false;
    }
  }

  private async run(pod: KubeObject): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = `${ns}/${pod.metadata.name}`;
    const containers = pod.spec.containers as Container[];
    if (containers.length !== 1 || (pod.spec.initContainers ?? []).length > 0) throw new Error(`has ${containers.length} containers and init containers; the host runs pods of one container only`);
    const container = containers[0];
    const root = path.join(this.work, 'host-pods', pod.metadata.uid ?? pod.metadata.name);
    const mounts = await this.volumes(pod, container, root);
    const env = this.environment(container);
    const user = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser ?? 0;
    const group = container.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup ?? 0;
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    if (command.length === 0) throw new Error('has no command; the host cannot run an image\'s entrypoint');
    const log = path.join(this.work, 'logs', `pod-${ns}-${pod.metadata.name}.log`);
    const started = Date.now();
    const exitCode = await this.exec(root, mounts, user, group, env, command, log);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    this.runs.push({ pod: name, exitCode, seconds, log });
    this.log(`host pod ${name}: ${command[0]} ran as ${user}:${group} for ${seconds} s, exit ${exitCode} (${lastLine(log)})`);
    if (exitCode !== 0) this.failure ??= new Error(`pod ${name} exited ${exitCode}: ${lastLine(log)} (log: ${log})`);
    await this.finish(pod, container, exitCode, new Date(started));
  }

  /** The pod's volumes as host folders, and where each is mounted; the ServiceAccount token too. */
  private async volumes(pod: KubeObject, container: Container, root: string): Promise<{ source: string; target: string; readOnly: boolean }[]> {
    const mounts: { source: string; target: string; readOnly: boolean }[] = [];
    const volumes = (pod.spec.volumes ?? []) as Volume[];
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.find((v) => v.name === mount.name);
      if (volume === undefined) throw new Error(`mounts volume ${mount.name}, which the pod does not declare`);
      const dir = path.join(root, 'volumes', volume.name);
      fs.mkdirSync(dir, { recursive: true });
      if (volume.emptyDir !== undefined) {
        fs.chmodSync(dir, 0o1777);
      } else if (volume.configMap || volume.secret || volume.projected) {
        const sources: ProjectedSource[] = volume.projected?.sources
          ?? [volume.configMap ? { configMap: volume.configMap } : { secret: { name: volume.secret!.secretName, items: volume.secret!.items } }];
        for (const source of sources) await this.project(pod, source, dir);
      } else {
        throw new Error(`volume ${volume.name} is of a kind the host cannot provide (${Object.keys(volume).filter((k) => k !== 'name').join(', ')})`);
      }
      mounts.push({ source: dir, target: mount.mountPath, readOnly: mount.readOnly ?? false });
    }
    return mounts;
  }

  /** One source of a projected (or plain ConfigMap or Secret) volume, written into `dir` as the kubelet does. */
  private async project(pod: KubeObject, source: ProjectedSource, dir: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const write = (file: string, content: string | Buffer): void => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content, { mode: 0o644 });
    };
    if (source.serviceAccountToken) {
      // The kubelet's token: bound to this pod, for the API server's audience unless another is asked for.
      const args = ['create', 'token', pod.spec.serviceAccountName ?? 'default', '--namespace', ns, '--bound-object-kind=Pod',
        `--bound-object-name=${pod.metadata.name}`, `--bound-object-uid=${pod.metadata.uid}`, `--duration=${source.serviceAccountToken.expirationSeconds ?? 3607}s`,
        ...(source.serviceAccountToken.audience ? [`--audience=${source.serviceAccountToken.audience}`] : [])];
      const token = spawnSync(this.kubectl.path, args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: this.kubectl.kubeconfig } });
      if (token.status !== 0) throw new Error(`kubectl create token ${pod.spec.serviceAccountName}: ${token.stderr.trim()}`);
      write(source.serviceAccountToken.path, token.stdout.trim());
      return;
    }
    if (source.downwardAPI) {
      for (const item of source.downwardAPI.items) {
        const field = item.fieldRef?.fieldPath;
        const value = field === 'metadata.namespace' ? ns : field === 'metadata.name' ? pod.metadata.name : undefined;
        if (value === undefined) throw new Error(`a downwardAPI item of ${field ?? JSON.stringify(item)} the host does not resolve`);
        write(item.path, value);
      }
      return;
    }
    const ref = source.configMap ?? source.secret;
    if (ref === undefined) throw new Error(`a projected source the host does not know (${Object.keys(source).join(', ')})`);
    const object = await this.api.get(`/api/v1/namespaces/${ns}/${source.configMap ? 'configmaps' : 'secrets'}/${ref.name}`);
    const data = (object as unknown as { data?: Record<string, string> }).data ?? {};
    for (const item of ref.items ?? Object.keys(data).map((key) => ({ key, path: key }))) {
      const value = data[item.key];
      if (value === undefined) throw new Error(`${ref.name} has no key ${item.key}`);
      write(item.path, source.secret ? Buffer.from(value, 'base64') : value);
    }
  }

  private environment(container: Container): Record<string, string> {
    const env: Record<string, string> = {
      PATH: `/opt/e2e/bin:/usr/local/bin:/usr/bin:/bin`,
      // As the kubelet sets them for the API server's Service; the address is the API server's own.
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(PORTS.apiserver),
    };
    for (const variable of container.env ?? []) {
      if (variable.value === undefined) throw new Error(`sets ${variable.name} from ${JSON.stringify(variable.valueFrom)}, which the host does not resolve`);
      env[variable.name] = variable.value;
    }
    return env;
  }

  /**
   * Runs the command in a private mount namespace: a root of read-only binds of the host's /usr,
   * /etc and /dev, kubectl under /opt/e2e/bin, and the volumes at their paths; then chroot and
   * the pod's user.
   */
  private exec(root: string, mounts: readonly { source: string; target: string; readOnly: boolean }[], user: number, group: number,
    env: Record<string, string>, command: readonly string[], log: string): Promise<number> {
    const top = path.join(root, 'root');
    const binds: [string, string, boolean][] = [['/usr', '/usr', true], ['/etc', '/etc', true], ['/dev', '/dev', false],
      [path.dirname(this.kubectl.path), '/opt/e2e/bin', true], ...mounts.map((m): [string, string, boolean] => [m.source, m.target, m.readOnly])];
    const steps = [`set -e`, `cd ${quote(top)}`, `ln -s usr/bin bin`, `ln -s usr/lib lib`, `ln -s usr/lib64 lib64`, `ln -s usr/sbin sbin`,
      // /dev/stdin and /dev/fd are links into /proc; the PID namespace's own.
      `mkdir proc`, `mount -t proc proc proc`];
    for (const [source, target, readOnly] of binds) {
      const at = quote(path.join(top, target));
      steps.push(`mkdir -p ${at}`, `mount --bind ${quote(source)} ${at}`);
      if (readOnly) steps.push(`mount -o remount,bind,ro ${at}`);
    }
    const envArgs = Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)).join(' ');
    steps.push(`exec chroot ${quote(top)} setpriv --reuid=${user} --regid=${group} --clear-groups -- env -i ${envArgs} ${command.map(quote).join(' ')}`);
    fs.mkdirSync(top, { recursive: true });
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const fd = fs.openSync(log, 'w');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', steps.join('\n')], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    return new Promise((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (code) => resolve(code ?? 137));
    });
  }

  /** Reports the outcome as the kubelet does: terminated containers and the pod's phase. */
  private async finish(pod: KubeObject, container: Container, exitCode: number, started: Date): Promise<void> {
    const now = new Date().toISOString();
    await this.api.strategicPatch(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now }],
        containerStatuses: [{
          name: container.name,
          ready: false,
          started: false,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: started.toISOString(), finishedAt: now } },
        }],
      },
    });
  }
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function lastLine(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return lines[lines.length - 1] || 'no output';
}
