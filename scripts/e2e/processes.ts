/**
 * The e2e's long-running processes: each started with its output in its own log file, waited for
 * until it answers, and watched; one that exits while the run needs it fails the run with one line
 * (its name, how it ended, its log's last line). `stopAll` ends them all at once.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface StartOptions {
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Resolves true once the process serves; polled until `readyTimeoutSeconds`. @default none (started is ready) */
  readonly ready?: () => Promise<boolean>;
  /** @default 60 */
  readonly readyTimeoutSeconds?: number;
  /** A command that ends by itself (a script): its exit is no failure of the run. @default false */
  readonly endsByItself?: boolean;
}

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  readonly exited: Promise<number | null>;
  /** How it ended: `code 3`, `signal SIGKILL`. */
  ending?: string;
  expectExit: boolean;
}

export class ProcessExited extends Error {}

export class Supervisor {
  private readonly running: Running[] = [];
  private failure?: ProcessExited;
  private readonly listeners: ((e: ProcessExited) => void)[] = [];

  /** `shownLogDir` is where the messages say the logs are: where they are kept after the run. @default logDir */
  constructor(private readonly logDir: string, private readonly shownLogDir: string = logDir) {
    fs.mkdirSync(logDir, { recursive: true });
  }

  /** Where `name` writes its output. */
  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Where messages say `name`'s log is. */
  shownLog(name: string): string {
    return path.join(this.shownLogDir, `${name}.log`);
  }

  /** Calls `listener` once when a process exits that nobody stopped. */
  onUnexpectedExit(listener: (e: ProcessExited) => void): void {
    if (this.failure) listener(this.failure);
    else this.listeners.push(listener);
  }

  /** The first unexpected exit, if any. */
  get failed(): ProcessExited | undefined {
    return this.failure;
  }

  /** Starts a process; resolves once it is ready, with a promise of its exit code. */
  async start(name: string, command: string, options: StartOptions): Promise<{ readonly exited: Promise<number> }> {
    const log = this.logFile(name);
    const fd = fs.openSync(log, 'a');
    const child = spawn(command, options.args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (e) => {
        fs.appendFileSync(log, `${e.message}\n`);
        entry.ending = `could not start (${(e as NodeJS.ErrnoException).code})`;
        resolve(127);
      });
      child.once('exit', (code, signal) => {
        entry.ending = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        resolve(code ?? 128);
      });
    });
    const entry: Running = { name, child, log, exited, expectExit: options.endsByItself ?? false };
    this.running.push(entry);
    void exited.then(() => {
      if (entry.expectExit || this.failure) return;
      this.failure = new ProcessExited(`${name} ${entry.ending ?? 'could not start'} while the run needed it, so the run stopped; its last line: ${lastLine(log)}; its log: ${this.shownLog(name)}`);
      for (const l of this.listeners.splice(0)) l(this.failure);
    });
    const result = { exited: exited.then((code) => code ?? 1) };
    if (options.ready === undefined) return result;
    const deadline = Date.now() + (options.readyTimeoutSeconds ?? 60) * 1000;
    for (;;) {
      if (this.failure) throw this.failure;
      if (await options.ready().catch(() => false)) return result;
      if (Date.now() > deadline) throw new Error(`${name} did not answer within ${options.readyTimeoutSeconds ?? 60} s; its last line: ${lastLine(log)}; its log: ${this.shownLog(name)}`);
      await sleep(250);
    }
  }

  /** Stops one process (SIGTERM, then SIGKILL after `graceSeconds`). */
  async stop(name: string, graceSeconds = 5): Promise<void> {
    const entry = this.running.find((r) => r.name === name && r.child.exitCode === null && r.child.signalCode === null);
    if (entry === undefined) return;
    entry.expectExit = true;
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceSeconds * 1000);
    await entry.exited;
    clearTimeout(timer);
  }

  /** Stops every process at once, the last started signalled first; SIGKILL for any still there after `graceSeconds`. */
  async stopAll(graceSeconds = 5): Promise<void> {
    await Promise.all([...this.running].reverse().map((entry) => this.stop(entry.name, graceSeconds)));
  }

  /** Names of the processes still running. */
  get alive(): string[] {
    return this.running.filter((r) => r.child.exitCode === null && r.child.signalCode === null).map((r) => r.name);
  }

  /** The pid of a running process. */
  pid(name: string): number | undefined {
    return this.running.find((r) => r.name === name)?.child.pid;
  }
}

export function lastLine(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return lines.length === 0 ? 'it printed nothing' : `"${lines[lines.length - 1].slice(0, 300)}"`;
  } catch {
    return 'no log';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
