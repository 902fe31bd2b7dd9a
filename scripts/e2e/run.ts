/**
 * One e2e run, inside the network and process namespaces scripts/e2e.ts made (so everything it
 * starts dies with it): the control plane, the sources, bootstrap and every optional app as an
 * operator installs them, until every Kustomization and HelmRelease is Ready; then the checks and
 * the report. Each phase's seconds are kept for the report.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { condition } from './api';
import { ToolSet } from './build';
import { ChartProxy, chartHosts, treeCharts } from './chart-proxy';
import { ControlPlane, PORTS, startControlPlane } from './control-plane';
import { relay } from './loopback';
import { comparePlan, Convergence, Observed, Prediction } from './converge';
import { startFluxControllers } from './flux-controllers';
import { GitServer } from './git-server';
import { HostPods } from './host-pods';
import { ClusterFacts, readClusterFacts } from './cluster-facts';
import { packetsOut, setUpNetwork, SocketWatcher, testTrap } from './network';
import { makePki } from './pki';
import { lastLine, Supervisor } from './processes';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { optionalApps } from '../flux-env';
import { parseArguments } from '../plan/cli-input';
import { Plan, planCluster, prepareTree } from '../plan/simulate';
import { loadTree } from '../validation/load';

export const PROXY_PORT = 3128;
export const GIT_PORT = 8418;
/** The branch the cluster follows in the run (`stackspin_repo_branch`). */
const BRANCH = 'main';

export interface RunOptions {
  /** The run's directory; the caller removes it. */
  readonly work: string;
  /** The checkout whose commit is under test. */
  readonly repo: string;
  readonly rev: string;
  readonly tools: ToolSet;
  readonly timeoutSeconds: number;
  readonly keep: boolean;
  /** Where the logs are kept after the run, for messages. */
  readonly keptLogs: string;
}

export interface Phase {
  readonly name: string;
  readonly seconds: number;
}

export interface RunReport {
  readonly commit: string;
  /** Each tool's pinned version, and the version the API server reports of itself. */
  readonly versions: Readonly<Record<string, string>>;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly phases: readonly Phase[];
  readonly objects: readonly {
    readonly id: string;
    readonly readySecond?: number;
    readonly readyAt?: string;
    readonly planWave?: number;
    readonly dependsOn: readonly string[];
    readonly conditions: Observed['conditions'];
  }[];
  readonly prediction?: Prediction;
  readonly hostPods: HostPods['runs'];
  readonly cluster?: ClusterFacts;
  readonly network: { readonly packetsOut: number; readonly foreignSockets: SocketWatcher['seen']; readonly proxyRequests: ChartProxy['requests']; readonly gitRequests: number };
  readonly memory: { readonly peakTotalMiB: number; readonly peakMiB: Readonly<Record<string, number>> };
}

/** Everything a run needs, started and stopped in one place. */
export class Run {
  private readonly supervisor: Supervisor;
  private readonly phases: Phase[] = [];
  private readonly problems: string[] = [];
  private readonly logDir: string;
  private readonly sockets = new SocketWatcher();
  private readonly memory = new MemorySampler();
  private proxy?: ChartProxy;
  private git?: GitServer;
  private hostPods?: HostPods;
  private plane?: ControlPlane;
  private forwarder?: net.Server;
  private readonly started = Date.now();
  private trapBaseline = 0;
  private facts?: ClusterFacts;
  private serverVersion?: string;

  constructor(private readonly options: RunOptions, private readonly print: (line: string) => void) {
    this.logDir = path.join(options.work, 'logs');
    this.supervisor = new Supervisor(this.logDir, options.keptLogs);
  }

  private async phase<T>(name: string, body: () => Promise<T> | T): Promise<T> {
    const start = Date.now();
    this.print(`== ${name}`);
    const result = await body();
    const seconds = Math.round((Date.now() - start) / 100) / 10;
    this.phases.push({ name, seconds });
    this.print(`   ${name}: ${seconds} s`);
    return result;
  }

  async execute(): Promise<RunReport> {
    const { work, tools } = this.options;
    let commit = '';
    let plan: Plan | undefined;
    let convergence: Convergence | undefined;
    try {
      this.trapBaseline = await this.phase('network namespace', async () => {
        setUpNetwork();
        const baseline = await testTrap();
        this.sockets.start();
        return baseline;
      });
      const checkout = path.join(work, 'checkout');
      commit = await this.phase('commit under test', () => this.checkout(checkout));
      const served = treeCharts(loadTree(path.join(checkout, 'dist', 'flux2')));
      const pki = await this.phase('certificates', () => makePki(path.join(work, 'pki'), chartHosts(served)));
      const planned = this.phase('plan (npm run plan -- --all-apps)', () => this.plan(checkout));
      this.plane = await this.phase('control plane', () => startControlPlane(this.supervisor, tools, pki, work));
      this.memory.start(this.supervisor);
      await this.phase('sources (chart proxy, git server)', async () => {
        this.proxy = new ChartProxy(served, PROXY_PORT, pki.proxy, work, path.join(this.logDir, 'chart-proxy.log'));
        await this.proxy.start();
        this.git = new GitServer(path.join(work, 'git'), GIT_PORT, this.print);
        this.git.serve(this.options.repo, commit, BRANCH);
        await this.git.start();
      });
      plan = await planned;
      const api = this.plane.api;
      const env = this.writeEnvFile(checkout);
      this.hostPods = new HostPods(api, { path: tools.bin('kubectl'), kubeconfig: this.plane.kubeconfig }, work, this.print);
      this.hostPods.start();
      convergence = new Convergence(api);
      const converge = convergence;
      await this.phase('bootstrap and apps (bootstrap.sh --existing-cluster, install-app.sh)', async () => {
        const bootstrap = await this.script(checkout, 'bootstrap', ['scripts/bootstrap.sh', '--existing-cluster', '--env-file', env, `--timeout=${this.options.timeoutSeconds}s`]);
        await startFluxControllers(this.supervisor, api, tools.bin, {
          proxy: this.proxy!.url, proxyCa: pki.proxyCa.cert, caFile: pki.ca.cert, kubectl: tools.bin('kubectl'), adminKubeconfig: this.plane!.kubeconfig, work,
        });
        await waitForObject(() => api.get(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/kustomizations/stackspin`), bootstrap, 'bootstrap to apply the root Kustomization');
        for (const app of optionalApps(path.join(checkout, 'dist', 'flux2'))) {
          const code = await (await this.script(checkout, `install-app-${app}`, ['scripts/install-app.sh', app])).exited;
          if (code !== 0) throw new Error(`install-app.sh ${app} exited ${code}: ${lastLine(this.supervisor.logFile(`install-app-${app}`))} (log: ${this.supervisor.shownLog(`install-app-${app}`)})`);
        }
        const expected = [...plan!.schedule.startWave.keys()];
        await converge.untilReady(expected, this.options.timeoutSeconds, () => this.supervisor.failed ?? this.hostPods?.failure, (line) => this.print(`   ${line}`));
        const code = await bootstrap.exited;
        if (code !== 0) throw new Error(`bootstrap.sh exited ${code}: ${lastLine(this.supervisor.logFile('bootstrap'))} (log: ${this.supervisor.shownLog('bootstrap')})`);
      });
      this.facts = await this.phase('cluster state', () => readClusterFacts(api));
      this.serverVersion = (await api.get<{ gitVersion: string }>('/version')).gitVersion;
    } catch (e) {
      this.problems.push((e as Error).message);
      if (convergence) await this.diagnose(convergence);
    }
    return this.finish(commit, plan, convergence);
  }

  /** The commit's files (tree and scripts) in `dir`, with this checkout's node_modules. */
  private checkout(dir: string): string {
    const commit = git(['rev-parse', '--verify', `${this.options.rev}^{commit}`], this.options.repo).trim();
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: this.options.repo, maxBuffer: 1024 * 1024 * 1024 });
    if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`cannot unpack ${commit}: ${untar.stderr.toString().trim()}`);
    fs.symlinkSync(path.join(this.options.repo, 'node_modules'), path.join(dir, 'node_modules'));
    return commit;
  }

  private async plan(checkout: string): Promise<Plan> {
    const tree = path.join(checkout, 'dist', 'flux2');
    const args = parseArguments(['--tree', tree, '--all-apps']);
    const plan = planCluster(await prepareTree(tree), args.input);
    for (const problem of plan.problems) this.problems.push(`the plan finds: ${problem.object}: ${problem.message}`);
    return plan;
  }

  /** The operator's .flux.env for this cluster: the example's values, the local repository, and S3 settings for Velero. */
  private writeEnvFile(checkout: string): string {
    const file = path.join(this.options.work, 'flux.env');
    const example = fs.readFileSync(path.join(checkout, '.flux.env.example'), 'utf8');
    const settings = [
      `stackspin_repo_url=${this.git!.url}`,
      `stackspin_repo_branch=${BRANCH}`,
      'backup_s3_url=https://s3.example.org',
      'backup_s3_region=us-east-1',
      'backup_s3_bucket=stackspin-backup',
      'backup_s3_access_key=e2e-access-key',
      'backup_s3_secret_key=e2e-secret-key',
    ];
    fs.writeFileSync(file, `${example}\n## Set by the e2e\n${settings.join('\n')}\n`, { mode: 0o600 });
    return file;
  }

  /** Runs an operator script of the checkout as an operator would, with the built kubectl and flux first on PATH. */
  private async script(checkout: string, name: string, args: readonly string[]): Promise<{ exited: Promise<number> }> {
    this.print(`   ${args.join(' ')} (log: logs/${name}.log)`);
    return this.supervisor.start(name, 'bash', {
      args,
      cwd: checkout,
      env: { ...process.env, PATH: this.options.tools.path, KUBECONFIG: this.plane!.kubeconfig, HOME: path.join(this.options.work, 'home') },
      endsByItself: true,
    });
  }

  /** Flux's own view of what is not Ready, and each controller's log lines about it. */
  private async diagnose(convergence: Convergence): Promise<void> {
    await convergence.observe().catch(() => undefined);
    const flux = this.options.tools.bin('flux');
    for (const what of ['kustomizations', 'helmreleases']) {
      const result = spawnSync(flux, ['get', what, '-A'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: this.plane?.kubeconfig } });
      this.print(`\n$ flux get ${what} -A\n${result.stdout}${result.stderr}`);
    }
    for (const o of convergence.notReady()) {
      const ready = condition({ metadata: { name: o.name }, status: { conditions: o.conditions } }, 'Ready');
      this.print(`\n${o.id}: Ready=${ready?.status ?? 'missing'} ${ready?.reason ?? ''}: ${ready?.message ?? ''}`);
      const controller = o.kind === 'HelmRelease' ? 'helm-controller' : 'kustomize-controller';
      const lines = readLines(this.supervisor.logFile(controller)).filter((l) => l.includes(`"name":"${o.name}"`) && l.includes(o.namespace)).slice(-5);
      for (const line of lines) this.print(`  ${controller}: ${line.slice(0, 600)}`);
    }
  }

  private finish(commit: string, plan: Plan | undefined, convergence: Convergence | undefined): RunReport {
    this.sockets.stop();
    const prediction = plan && convergence ? comparePlan(plan, convergence.objects) : undefined;
    if (convergence) this.problems.push(...convergence.orderViolations());
    const refused = this.proxy?.requests.filter((r) => r.refused) ?? [];
    const packets = packetsOut() - this.trapBaseline;
    if (packets > 0) this.problems.push(`${packets} packets left loopback (to the trap interface 'outside'); sockets seen: ${this.sockets.seen.map((s) => s.socket).join('; ') || 'none caught'}`);
    for (const s of this.sockets.seen) this.problems.push(`a socket to an address outside loopback: ${s.socket}`);
    for (const r of refused) this.problems.push(`the chart proxy refused ${r.method} ${r.url}: ${r.refused}`);
    for (const run of this.hostPods?.runs ?? []) if (run.exitCode !== 0) this.problems.push(`host pod ${run.pod} exited ${run.exitCode} (log: ${run.log})`);
    const bootAt = convergence ? Math.min(...[...convergence.objects.values()].map((o) => o.readyAt?.getTime() ?? Infinity), Date.now()) : Date.now();
    const objects = convergence ? [...convergence.objects.values()]
      .sort((a, b) => (a.readyAt?.getTime() ?? Infinity) - (b.readyAt?.getTime() ?? Infinity) || a.id.localeCompare(b.id))
      .map((o) => ({
        id: o.id,
        ...(o.readyAt ? { readySecond: Math.round((o.readyAt.getTime() - bootAt) / 1000), readyAt: o.readyAt.toISOString() } : {}),
        ...(plan?.schedule.startWave.has(o.id) ? { planWave: plan.schedule.startWave.get(o.id) } : {}),
        dependsOn: o.dependsOn,
        conditions: o.conditions,
      })) : [];
    const versions = Object.fromEntries([...this.options.tools.tools.values()].map((t) => [t.tool.name, t.version]));
    return {
      commit,
      versions: { ...versions, ...(this.serverVersion ? { 'kube-apiserver (reported)': this.serverVersion } : {}) },
      ok: this.problems.length === 0,
      problems: this.problems,
      phases: this.phases,
      objects,
      ...(prediction ? { prediction } : {}),
      hostPods: this.hostPods?.runs ?? [],
      ...(this.facts ? { cluster: this.facts } : {}),
      network: { packetsOut: packets, foreignSockets: this.sockets.seen, proxyRequests: this.proxy?.requests ?? [], gitRequests: this.git?.requests.length ?? 0 },
      memory: this.memory.result(),
    };
  }

  /** For --keep: the API server on a Unix socket in the run's directory, which scripts/e2e.ts forwards to the host's loopback. */
  async exposeApiServer(socket: string): Promise<void> {
    this.forwarder = relay(() => net.connect(PORTS.apiserver, '127.0.0.1'));
    await new Promise<void>((resolve) => this.forwarder!.listen(socket, () => resolve()));
  }

  /** Stops the processes first, so that no client holds a connection the servers would wait for. */
  async stop(): Promise<void> {
    this.memory.stop();
    this.sockets.stop();
    await this.hostPods?.stop();
    await this.supervisor.stopAll();
    this.forwarder?.close();
    await Promise.all([this.proxy?.stop(), this.git?.stop()]);
    this.plane?.api.close();
  }

  get seconds(): number {
    return Math.round((Date.now() - this.started) / 1000);
  }
}

/** Peak resident memory of the supervised processes: each one's high-water mark, and the highest sum seen. */
class MemorySampler {
  private timer?: NodeJS.Timeout;
  private supervisor?: Supervisor;
  private peakTotal = 0;
  private readonly peaks = new Map<string, number>();

  start(supervisor: Supervisor): void {
    this.supervisor = supervisor;
    this.timer = setInterval(() => this.sample(), 2000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (this.supervisor === undefined) return;
    let total = 0;
    for (const name of this.supervisor.alive) {
      const status = readStatus(this.supervisor.pid(name));
      total += status.rss;
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, status.hwm));
    }
    this.peakTotal = Math.max(this.peakTotal, total);
  }

  result(): RunReport['memory'] {
    this.sample();
    const mib = (kib: number): number => Math.round(kib / 1024);
    return { peakTotalMiB: mib(this.peakTotal), peakMiB: Object.fromEntries([...this.peaks].map(([n, k]) => [n, mib(k)])) };
  }
}

function readStatus(pid: number | undefined): { rss: number; hwm: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

async function waitForObject(get: () => Promise<unknown>, script: { exited: Promise<number> }, what: string): Promise<void> {
  let exited: number | undefined;
  void script.exited.then((code) => { exited = code; });
  for (;;) {
    if (await get().then(() => true, () => false)) return;
    if (exited !== undefined) throw new Error(`the script exited ${exited} before ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function git(args: readonly string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim().split('\n')[0]}`);
  return result.stdout;
}
