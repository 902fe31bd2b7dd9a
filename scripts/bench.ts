/**
 * `npm run bench`: median wall time of the everyday commands against the floor, the cost of
 * merely loading cdk8s. The rounds interleave the commands, so load from other processes on the
 * machine falls on all of them alike.
 */
import { spawnSync } from 'child_process';

interface Command {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const RUNS = 5;
const FLOOR: Command = { name: 'floor: require cdk8s + cdk8s-plus-27', command: process.execPath, args: ['-e', "require('cdk8s');require('cdk8s-plus-27')"] };
const COMMANDS: readonly Command[] = [
  FLOOR,
  { name: 'npm run synth', command: 'npm', args: ['run', '--silent', 'synth'] },
  { name: 'npm run validate', command: 'npm', args: ['run', '--silent', 'validate'] },
];

function timeOnce(c: Command): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(c.command, c.args, { encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${c.name} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const times = new Map<Command, number[]>(COMMANDS.map((c) => [c, []]));
  for (let round = 0; round < RUNS; round++) {
    for (const c of COMMANDS) times.get(c)!.push(timeOnce(c));
  }
  const floor = median(times.get(FLOOR)!);
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  process.stdout.write(`${'command'.padEnd(width)}  median ms  min ms  x floor\n`);
  for (const c of COMMANDS) {
    const runs = times.get(c)!;
    const m = median(runs);
    process.stdout.write(`${c.name.padEnd(width)}  ${m.toFixed(0).padStart(9)}  ${Math.min(...runs).toFixed(0).padStart(6)}  ${(m / floor).toFixed(1).padStart(7)}\n`);
  }
  process.stdout.write(`(${RUNS} runs each, interleaved)\n`);
}

main();
