/**
 * `npm run bench -- [--runs N] [--test | --scale [N,N,...]]`: how fast the maintainer's loop is.
 *
 * - default: the median wall time of every command in BENCHMARKS beside the floor (the cost of
 *   merely loading cdk8s) measured in the same run, as ratios, and each command's target.
 * - `--test` also times `npm test` once, on a fresh clone of HEAD (cold caches; npm ci untimed).
 * - `--scale [N,...]` times the same commands (render aside) on a temporary copy of the project
 *   with N copies of every optional app (default 1,5,10), to show how the cost grows.
 *
 * `--runs N` rounds per command (default 5; 3 with --scale). Figures are only comparable on a
 * quiet machine: the load average is printed with them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command, Job, medians, Sample, timeOnce, timeRounds } from './bench/measure';
import { ScaledProject } from './bench/scale';
import { seedDirs } from './render/chart-cache';

/** What a command must achieve: at most this many times the floor, or at most this many seconds. */
type Target = { readonly floorRatio: number } | { readonly seconds: number };

interface Benchmark extends Command {
  readonly target: Target;
  /** Also timed by `--scale` (render needs the charts, which temporary copies of the project lack). @default true */
  readonly scaled?: boolean;
}

const ROOT = path.join(__dirname, '..');
const FLOOR: Command = { name: 'floor: require cdk8s + cdk8s-plus-27', command: process.execPath, args: ['-e', "require('cdk8s');require('cdk8s-plus-27')"] };

/** The maintainer's everyday commands and their targets (issue 14). Add a line to time another. */
const BENCHMARKS: readonly Benchmark[] = [
  { name: 'npm run synth', command: 'npm', args: ['run', '--silent', 'synth'], target: { floorRatio: 3 } },
  { name: 'npm run validate', command: 'npm', args: ['run', '--silent', 'validate'], target: { seconds: 1.5 } },
  { name: 'npm run plan -- --all-apps', command: 'npm', args: ['run', '--silent', 'plan', '--', '--all-apps'], target: { seconds: 1.5 } },
  // Every release rendered again: the render cache would otherwise make this a measure of hashing.
  { name: 'npm run render -- --no-cache', command: 'npm', args: ['run', '--silent', 'render', '--', '--no-cache'], target: { seconds: 6 }, scaled: false },
];

/** `npm test` on a fresh clone, whose budget includes rules other engineers will add. */
const TEST: Benchmark = { name: 'npm test (fresh clone)', command: 'npm', args: ['test'], target: { seconds: 120 } };

/** The commands `--scale` times. */
const SCALED = BENCHMARKS.filter((b) => b.scaled ?? true);

const DEFAULT_SCALES = [1, 5, 10];
const USAGE = 'usage: npm run bench -- [--runs N] [--test | --scale [N,N,...]]\n'
  + '  --runs N        rounds per command (default 5, or 3 with --scale)\n'
  + '  --test          also time npm test on a fresh clone of HEAD\n'
  + `  --scale [N,..]  time the commands with N copies of every optional app (default ${DEFAULT_SCALES.join(',')})\n`;

interface Options {
  readonly runs?: number;
  readonly test: boolean;
  readonly scales?: readonly number[];
}

function parseArguments(argv: readonly string[]): Options {
  let runs: number | undefined;
  let test = false;
  let scales: number[] | undefined;
  const counts = (flag: string, text: string | undefined): number[] => {
    if (text === undefined || text.startsWith('-')) throw new Error(`${flag} needs a value, e.g. ${flag} 3\n${USAGE}`);
    const values = text.split(',').map(Number);
    if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${flag} ${text}: expected whole numbers from 1, separated by commas\n${USAGE}`);
    return values;
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--runs': {
        const [value, ...more] = counts('--runs', argv[++i]);
        if (more.length > 0) throw new Error(`--runs takes one number\n${USAGE}`);
        runs = value;
        break;
      }
      case '--test': test = true; break;
      case '--scale':
        scales = argv[i + 1] === undefined || argv[i + 1].startsWith('-') ? DEFAULT_SCALES : counts('--scale', argv[++i]);
        break;
      default: throw new Error(`unknown argument '${argv[i]}'\n${USAGE}`);
    }
  }
  if (test && scales) throw new Error(`--test and --scale are separate measurements; run one at a time\n${USAGE}`);
  return { runs, test, scales };
}

function main(argv: readonly string[]): void {
  const options = parseArguments(argv);
  write(`load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores; figures are comparable only on a quiet machine\n`);
  if (options.scales) {
    scale(options.scales, options.runs ?? 3);
    return;
  }
  const runs = options.runs ?? 5;
  const jobs = new Map<Command, Job>([FLOOR, ...BENCHMARKS].map((command) => [command, { command, cwd: ROOT }]));
  const times = timeRounds([...jobs.values()], runs);
  const samples = (c: Command): { wall: number; cpu?: number; min: number } => {
    const all = times.get(jobs.get(c)!)!;
    return { ...medians(all), min: Math.min(...all.map((s) => s.wall)) };
  };
  const floor = samples(FLOOR);
  const width = Math.max(...[FLOOR, ...BENCHMARKS].map((c) => c.name.length));
  write(`${'command'.padEnd(width)}  median ms  min ms  x floor  cpu ms  cpu x floor\n`);
  for (const c of [FLOOR, ...BENCHMARKS]) {
    const s = samples(c);
    const cpu = s.cpu === undefined || !floor.cpu ? ['-', '-'] : [ms(s.cpu), (s.cpu / floor.cpu).toFixed(1)];
    write(`${c.name.padEnd(width)}  ${ms(s.wall).padStart(9)}  ${ms(s.min).padStart(6)}  ${(s.wall / floor.wall).toFixed(1).padStart(7)}  ${cpu[0].padStart(6)}  ${cpu[1].padStart(11)}\n`);
  }
  write(`(${runs} runs each, interleaved, after one untimed round; cpu: of every process of a run; load average now ${os.loadavg()[0].toFixed(2)})\n\ntargets (median wall time):\n`);
  for (const b of BENCHMARKS) write(`  ${verdict(b, samples(b).wall, floor.wall)}\n`);
  if (options.test) write(`  ${verdict(TEST, timeFreshClone().wall, floor.wall)}\n`);
}

/** One line: the figure, the target, and whether it is met. */
function verdict(b: Benchmark, medianMs: number, floorMs: number): string {
  if ('floorRatio' in b.target) {
    const ratio = medianMs / floorMs;
    return `${b.name}: ${ratio.toFixed(2)}x the floor; target at most ${b.target.floorRatio}x: ${ratio <= b.target.floorRatio ? 'met' : 'MISSED'}`;
  }
  const seconds = medianMs / 1000;
  return `${b.name}: ${seconds.toFixed(2)} s; target at most ${b.target.seconds} s: ${seconds <= b.target.seconds ? 'met' : 'MISSED'}`;
}

/** `npm test` once in a fresh clone of HEAD: its own node_modules, and no transpile, YAML or jest cache. */
function timeFreshClone(): Sample {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-clone-'));
  try {
    const clone = path.join(dir, 'stackspin-gitops');
    const head = run('git', ['-C', ROOT, 'rev-parse', 'HEAD'], ROOT).trim();
    run('git', ['clone', '--quiet', '--no-checkout', ROOT, clone], dir);
    run('git', ['checkout', '--quiet', head], clone);
    write(`  (cloned ${head.slice(0, 12)}; uncommitted changes are not in it; npm ci, untimed)\n`);
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], clone);
    // Jest keeps its cache under the temporary directory.
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    // The clone has no sibling ../shared: seed its chart cache from where this checkout's comes.
    process.env.CHART_CACHE_SEED = seedDirs().join(path.delimiter);
    return timeOnce(TEST, clone);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The commands on N copies of every optional app, for each N: one temporary project per N, and
 * the rounds interleave all of them, so load from other processes falls on every N alike.
 */
function scale(scales: readonly number[], runs: number): void {
  const projects: ScaledProject[] = [];
  try {
    for (const n of scales) {
      const project = new ScaledProject(ROOT);
      projects.push(project);
      project.useCopies(n);
    }
    write(`copies of every optional app (${projects[0].apps.map((a) => a.name).join(', ')}), each with its own name, namespace and hosts, in temporary copies of the project\n`);
    const jobs = projects.map((project) => SCALED.map((command) => ({ command, cwd: project.root })));
    const times = timeRounds(jobs.flat(), runs);
    const at = (i: number, c: number): { wall: number; cpu?: number } => medians(times.get(jobs[i][c])!);
    const width = Math.max(...SCALED.map((b) => b.name.length));
    write(`copies  files  ${SCALED.map((b) => b.name.padStart(width)).join('  ')}   (median wall ms / cpu ms)\n`);
    scales.forEach((n, i) => {
      const cells = SCALED.map((_b, c) => `${ms(at(i, c).wall)} / ${at(i, c).cpu === undefined ? '-' : ms(at(i, c).cpu!)}`.padStart(width));
      write(`${String(n).padStart(6)}  ${String(projects[i].treeFiles()).padStart(5)}  ${cells.join('  ')}\n`);
    });
    const last = scales.length - 1;
    if (last > 0) {
      const perCopy = (a: number, b: number): string => `${b >= a ? '+' : ''}${ms((b - a) / (scales[last] - scales[0]))}`;
      write(`per extra copy of every app, from ${scales[0]} to ${scales[last]}: ${SCALED.map((b, c) => {
        const cpu = at(0, c).cpu === undefined || at(last, c).cpu === undefined ? '' : `, cpu ${perCopy(at(0, c).cpu!, at(last, c).cpu!)} ms`;
        return `${b.name} wall ${perCopy(at(0, c).wall, at(last, c).wall)} ms${cpu}`;
      }).join('; ')}\n`);
    }
    write(`(median of ${runs} runs each, interleaved over every N, after one untimed round)\n`);
  } finally {
    for (const project of projects) project.remove();
  }
}

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return result.stdout;
}

function ms(value: number): string {
  return value.toFixed(0);
}

function write(text: string): void {
  process.stdout.write(text);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
