import { spawnSync } from 'child_process';

/** A command to time, run from the project root (or the root given to `timeRounds`). */
export interface Command {
  /** As printed, e.g. `npm run synth`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** Wall-clock milliseconds of one run; throws with the command's output if it fails. */
export function timeOnce(c: Command, cwd: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(c.command, c.args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${c.name} failed in ${cwd} (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return ms;
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
export function timeRounds(jobs: readonly Job[], runs: number): Map<Job, number[]> {
  for (const j of jobs) timeOnce(j.command, j.cwd);
  const times = new Map<Job, number[]>(jobs.map((j) => [j, []]));
  for (let round = 0; round < runs; round++) {
    for (const j of jobs) times.get(j)!.push(timeOnce(j.command, j.cwd));
  }
  return times;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
