import { spawnSync } from 'child_process';
import * as fs from 'fs';

/** A command to time, run from the project root (or the root given to `timeRounds`). */
export interface Command {
  /** As printed, e.g. `npm run synth`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** One run: wall-clock milliseconds, and the CPU milliseconds of its processes where Linux tells. */
export interface Sample {
  readonly wall: number;
  /** User and system time of the command and every process it waited for. @default unknown */
  readonly cpu?: number;
}

/** Runs a command once; throws with its output if it fails. */
export function timeOnce(c: Command, cwd: string): Sample {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const result = spawnSync(c.command, c.args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuAfter = childrenCpu();
  if (result.status !== 0) throw new Error(`${c.name} failed in ${cwd} (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return { wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

/**
 * CPU milliseconds of this process's finished children (cutime + cstime of /proc/self/stat, in
 * ticks of 10 ms): less disturbed than wall time by other processes on a busy machine.
 */
function childrenCpu(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/** A command and the directory it runs in. */
export interface Job {
  readonly command: Command;
  readonly cwd: string;
}

/**
 * Times every job `runs` times, in interleaved rounds, so load from other processes on the
 * machine falls on all of them alike. One untimed round first fills the caches (transpiled
 * TypeScript, YAML), as any earlier run of the maintainer's has.
 */
export function timeRounds(jobs: readonly Job[], runs: number): Map<Job, Sample[]> {
  for (const j of jobs) timeOnce(j.command, j.cwd);
  const times = new Map<Job, Sample[]>(jobs.map((j) => [j, []]));
  for (let round = 0; round < runs; round++) {
    for (const j of jobs) times.get(j)!.push(timeOnce(j.command, j.cwd));
  }
  return times;
}

/** The median wall time, and the median CPU time when every sample has one. */
export function medians(samples: readonly Sample[]): { wall: number; cpu?: number } {
  const cpu = samples.map((s) => s.cpu);
  return { wall: median(samples.map((s) => s.wall)), cpu: cpu.every((c) => c !== undefined) ? median(cpu as number[]) : undefined };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
