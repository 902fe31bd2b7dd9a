/**
 * `npm run e2e`: the committed tree on a real Kubernetes control plane with the real Flux
 * controllers, all local processes on loopback (README "End-to-end test"). This side runs on the
 * host: it checks the tools, fills the chart cache, builds the binaries once (scripts/e2e/build.ts)
 * and starts the run (scripts/e2e/inside.ts) in new network, PID and mount namespaces, so nothing
 * it starts can reach another host or outlive it. It removes the run's directory afterwards and
 * keeps the logs in .cache/e2e/last-run/.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { alignTools } from './e2e/align-tools';
import { buildTools, cacheRoot, ToolSet } from './e2e/build';
import { GO_HINT } from './e2e/gomod';
import { InsideConfig } from './e2e/inside';
import { close, listen, relay } from './e2e/loopback';
import { SERVER } from './e2e/control-plane';
import { writeKubeconfig } from './e2e/pki';
import { treeCharts } from './e2e/chart-proxy';
import { treeAtRef } from './diff/git-tree';
import { loadTree } from './validation/load';
import { parseArgs, UsageError } from './lib/args';
import { ensureChart } from './render/chart-cache';
import { PROJECT_ROOT } from './render/helm';

export const E2E_USAGE = `usage: npm run e2e -- [--rev REV] [--timeout DURATION] [--report FILE] [--keep [--keep-port PORT]] [--build-only | --print-path | --align-tools]
  --rev REV            the commit under test (default HEAD): its tree is served, its scripts run
  --timeout DURATION   how long the tree may take to converge, like 20m or 900s (default 20m)
  --report FILE        also write the run's report as JSON to FILE
  --keep               leave the control plane running, with a KUBECONFIG for the host, until Ctrl-C
  --keep-port PORT     the host port --keep serves the API server on (default 16443)
  --build-only         build (or find in the cache) the binaries, and start nothing
  --print-path         as --build-only, then print the binaries' directories as a PATH (for kubectl)
  --align-tools        rewrite scripts/e2e/tools/*/go.mod to the k3s and Flux versions catalogue.ts pins
`;

/** What the run needs on the host besides the binaries it builds. */
const HOST_TOOLS: Readonly<Record<string, string>> = {
  go: GO_HINT,
  git: 'apt-get install -y git',
  openssl: 'apt-get install -y openssl',
  unshare: 'apt-get install -y util-linux',
  setpriv: 'apt-get install -y util-linux',
  mount: 'apt-get install -y mount',
  chroot: 'apt-get install -y coreutils (it is in /usr/sbin: put /usr/sbin on PATH)',
  ip: 'apt-get install -y iproute2',
  ss: 'apt-get install -y iproute2',
  curl: 'apt-get install -y curl',
  tar: 'apt-get install -y tar',
};

interface Options {
  readonly rev: string;
  readonly timeoutSeconds: number;
  readonly report?: string;
  readonly keep: boolean;
  readonly keepPort: number;
}

/** The commands that run instead of the e2e. */
const ALONE = { '--align-tools': 'align-tools', '--build-only': 'build-only', '--print-path': 'print-path' } as const;
type Alone = typeof ALONE[keyof typeof ALONE];

export function parseE2eArgs(argv: readonly string[]): Options | 'help' | Alone {
  const args = parseArgs(argv, { usage: E2E_USAGE, options: { '--rev': 'REV', '--timeout': 'DURATION', '--report': 'FILE', '--keep-port': 'PORT' }, flags: ['--keep', ...Object.keys(ALONE)] });
  if (args.help) return 'help';
  for (const [alone, command] of Object.entries(ALONE)) {
    if (!args.flags.has(alone)) continue;
    const others = [...args.options.keys(), ...args.flags].filter((a) => a !== alone);
    if (others.length > 0) throw new UsageError(`${alone} runs nothing else; give it without ${others.join(', ')}`, E2E_USAGE);
    return command;
  }
  const timeout = args.options.get('--timeout') ?? '20m';
  const match = /^(\d+)(s|m)$/.exec(timeout);
  if (match === null || Number(match[1]) === 0) throw new UsageError(`--timeout '${timeout}' is not a duration; write it like 20m or 900s`, E2E_USAGE);
  const port = args.options.get('--keep-port') ?? '16443';
  if (!/^[1-9]\d{0,4}$/.test(port) || Number(port) > 65535) throw new UsageError(`--keep-port '${port}' is not a port; give a number from 1 to 65535`, E2E_USAGE);
  if (args.options.has('--keep-port') && !args.flags.has('--keep')) throw new UsageError('--keep-port needs --keep', E2E_USAGE);
  return {
    rev: args.options.get('--rev') ?? 'HEAD',
    timeoutSeconds: Number(match[1]) * (match[2] === 'm' ? 60 : 1),
    ...(args.options.has('--report') ? { report: path.resolve(args.options.get('--report')!) } : {}),
    keep: args.flags.has('--keep'),
    keepPort: Number(port),
  };
}

/** Refuses, one line per missing tool, before anything starts; then checks that the run's namespaces can be made. */
export function preflight(env: NodeJS.ProcessEnv = process.env): void {
  const missing = Object.entries(HOST_TOOLS).filter(([tool]) => spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status !== 0);
  if (missing.length > 0) throw new Error(missing.map(([tool, hint]) => `${tool} is missing: ${hint}`).join('\n'));
  if (!fs.existsSync(path.join(PROJECT_ROOT, 'node_modules', 'typescript'))) throw new Error('the TypeScript tools are not installed; run npm ci');
  const probe = spawnSync('unshare', ['--net', '--pid', '--mount', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`cannot create the run's namespaces (unshare: ${probe.stderr.trim() || `exit ${probe.status}`}); run the e2e as root (CI does), in a container that allows unshare`);
  }
}

function requireGo(): void {
  if (spawnSync('sh', ['-c', 'command -v go']).status !== 0) throw new Error(`go is missing: ${GO_HINT}`);
}

function requireRev(rev: string): void {
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: PROJECT_ROOT }).status !== 0) {
    throw new UsageError(`--rev '${rev}' is not a commit of this checkout; give a branch, tag or commit (git log --oneline)`, E2E_USAGE);
  }
}

/** The run serves the commit, not the working tree: say so when the two trees differ. */
function warnUncommitted(rev: string): void {
  const changed = spawnSync('git', ['diff', '--quiet', rev, '--', 'dist/flux2'], { cwd: PROJECT_ROOT }).status !== 0;
  const untracked = spawnSync('git', ['ls-files', '--others', '--exclude-standard', '--', 'dist/flux2'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  if (changed || untracked) log(`warning: dist/flux2 in the working tree differs from ${rev}; the e2e serves ${rev}'s committed tree (commit, then run again, to test the change)`);
}

/** Every chart the tree of `rev` installs, in the chart cache (or a seed), before anything starts: a missing one is one line; nothing is downloaded. */
function requireCharts(rev: string): void {
  const tree = treeAtRef(PROJECT_ROOT, rev);
  try {
    for (const chart of treeCharts(loadTree(tree.root))) ensureChart(chart, { pull: false });
  } finally {
    tree.remove();
  }
}

/** Progress; on stderr when stdout is the command's answer (--print-path). */
let progress: NodeJS.WriteStream = process.stdout;

function log(line: string): void {
  progress.write(`${line}\n`);
}

function build(): { tools: ToolSet; seconds: number } {
  const start = Date.now();
  log(`== binaries (cache: ${cacheRoot()})`);
  const tools = buildTools((line) => log(`   ${line}`));
  const built = [...tools.tools.values()].filter((t) => t.seconds !== undefined);
  const seconds = Math.round((Date.now() - start) / 1000);
  if (built.length > 0) {
    const slowest = built.reduce((a, b) => ((a.seconds ?? 0) >= (b.seconds ?? 0) ? a : b));
    log(`   built ${built.length} of ${tools.tools.size} tools in ${seconds} s; the slowest: ${slowest.tool.name} (${slowest.seconds} s)`);
  } else {
    log(`   every tool cached (${seconds} s)`);
  }
  return { tools, seconds };
}

/** Serves the run's API server socket on the host's loopback (--keep). */
async function forward(socket: string, port: number): Promise<net.Server> {
  const server = relay(() => net.connect(socket));
  await listen(server, port, '--keep', 'pick another with --keep-port PORT');
  return server;
}

async function portFree(port: number): Promise<void> {
  await close(await forward('/nonexistent', port));
}

async function runInside(options: Options, tools: ToolSet): Promise<number> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stackspin-e2e-'));
  const config: InsideConfig = {
    work,
    repo: PROJECT_ROOT,
    rev: options.rev,
    tools: [...tools.tools.values()].map((t) => ({ name: t.tool.name, version: t.version, dir: t.dir })),
    timeoutSeconds: options.timeoutSeconds,
    keep: options.keep,
    apiSocket: path.join(work, 'apiserver.sock'),
    reportFile: path.join(work, 'report.json'),
    keptLogs: path.relative(process.cwd(), path.join(LAST_RUN, 'logs')) || path.join(LAST_RUN, 'logs'),
  };
  fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(config));
  const child = spawn('unshare', ['--net', '--pid', '--mount', '--fork', '--kill-child', '--mount-proc', '--',
    process.execPath, '-r', path.join(PROJECT_ROOT, 'scripts', 'lib', 'ts-loader.js'), path.join(__dirname, 'e2e', 'inside.ts'), path.join(work, 'config.json')],
  { stdio: 'inherit', env: { ...process.env, PATH: tools.path } });
  let forwarder: net.Server | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    // The run stops itself on the signal (Ctrl-C reaches it directly; a kill of this process is
    // passed on); if it has not within 30 s, killing unshare kills its whole PID namespace.
    if (signalled) return;
    signalled = true;
    for (const pid of runPids(child.pid)) process.kill(pid, signal);
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  let exited = false;
  child.once('exit', () => { exited = true; });
  if (options.keep) {
    void (async () => {
      while (!fs.existsSync(config.apiSocket) && !exited) await new Promise((r) => setTimeout(r, 500));
      if (exited) return;
      forwarder = await forward(config.apiSocket, options.keepPort);
      const kubeconfig = writeKubeconfig(path.join(work, 'host.kubeconfig'), SERVER.replace(/:\d+$/, `:${options.keepPort}`), path.join(work, 'pki', 'ca.crt'), { cert: path.join(work, 'pki', 'admin.crt'), key: path.join(work, 'pki', 'admin.key') });
      log(`e2e: on this host: export KUBECONFIG=${kubeconfig}   (kubectl get nodes; flux get all -A; Ctrl-C here stops it)`);
    })().catch((e: Error) => {
      log(`e2e: ${e.message}`);
      child.kill('SIGTERM');
    });
  }
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1))));
  forwarder?.close();
  keepLogs(work);
  if (options.report && fs.existsSync(config.reportFile)) fs.copyFileSync(config.reportFile, options.report);
  fs.rmSync(work, { recursive: true, force: true });
  return code;
}

/** The run's process (unshare's child, PID 1 of the run's namespace), as this host numbers it. */
function runPids(unshare: number | undefined): number[] {
  try {
    return fs.readFileSync(`/proc/${unshare}/task/${unshare}/children`, 'utf8').trim().split(/\s+/).filter((p) => p !== '').map(Number);
  } catch {
    return [];
  }
}

/** The last run's logs, kept in the checkout's git-ignored .cache for reading after the run. */
const LAST_RUN = path.join(PROJECT_ROOT, '.cache', 'e2e', 'last-run');

function keepLogs(work: string): void {
  const target = LAST_RUN;
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  if (fs.existsSync(path.join(work, 'logs'))) fs.cpSync(path.join(work, 'logs'), path.join(target, 'logs'), { recursive: true });
  if (fs.existsSync(path.join(work, 'report.json'))) fs.copyFileSync(path.join(work, 'report.json'), path.join(target, 'report.json'));
  log(`e2e: logs and report of this run: ${path.relative(process.cwd(), target) || target}`);
}

export async function e2eMain(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const options = parseE2eArgs(argv);
  if (options === 'help') {
    process.stdout.write(E2E_USAGE);
    return 0;
  }
  if (options === 'align-tools') {
    for (const line of alignTools()) log(line);
    return 0;
  }
  if (options === 'build-only' || options === 'print-path') {
    if (options === 'print-path') progress = process.stderr;
    requireGo();
    const { tools } = build();
    if (options === 'print-path') process.stdout.write(`${[...tools.tools.values()].map((t) => t.dir).join(path.delimiter)}\n`);
    return 0;
  }
  preflight();
  requireRev(options.rev);
  requireCharts(options.rev);
  if (options.keep) await portFree(options.keepPort);
  const { tools } = build();
  warnUncommitted(options.rev);
  const code = await runInside(options, tools);
  log(`e2e: ${Math.round((Date.now() - started) / 1000)} s in all`);
  return code;
}

if (require.main === module) {
  e2eMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
    process.stderr.write(`${e instanceof UsageError ? '' : 'e2e: '}${e.message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
