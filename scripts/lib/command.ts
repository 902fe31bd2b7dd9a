/** Where a command writes; tests pass a recorder, so commands run in-process. */
export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const STDIO: Output = {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
};

/** A command: its arguments in, its exit code out. */
export type Command = (argv: readonly string[], output: Output) => number | Promise<number>;

/**
 * Runs a command; any error is one message `<name>: <message>` and exit 2 (a refused command
 * line (UsageError), an unreadable input, a missing tool), so nothing half-done follows it.
 */
export async function runCommand(name: string, command: Command, argv: readonly string[], output: Output = STDIO): Promise<number> {
  try {
    return await command(argv, output);
  } catch (e) {
    output.err(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

/** Runs a command as the process's entry point, setting the exit code. */
export function commandMain(name: string, command: Command): void {
  void runCommand(name, command, process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

/** An Output that keeps what was written, for tests. */
export function recorder(): Output & { readonly stdout: () => string; readonly stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => { stdout += text; },
    err: (text) => { stderr += text; },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
