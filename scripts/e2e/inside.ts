/**
 * The e2e's run inside its namespaces: PID 1 of a new PID namespace, alone in a new network
 * namespace (scripts/e2e.ts starts it with unshare). It runs the Run, prints the report and its
 * checks, and stops every process before it exits, also on SIGINT or SIGTERM; should it die
 * anyway, the kernel kills everything left in the PID namespace with it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BuiltTool, toolSet } from './build';
import { formatChecks, formatReport, reportChecks } from './report';
import { Run, RunReport } from './run';
import { tool } from './go-tools';

export interface InsideConfig {
  readonly work: string;
  readonly repo: string;
  readonly rev: string;
  readonly tools: readonly { readonly name: string; readonly version: string; readonly dir: string }[];
  readonly timeoutSeconds: number;
  readonly keep: boolean;
  /** Where the host side of --keep expects the API server's socket. */
  readonly apiSocket: string;
  readonly reportFile: string;
  /** Where scripts/e2e.ts keeps the logs after the run. */
  readonly keptLogs: string;
}

async function main(configFile: string): Promise<number> {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as InsideConfig;
  const tools = toolSet(new Map(config.tools.map((t): [string, BuiltTool] => [t.name, { tool: tool(t.name), version: t.version, dir: t.dir }])));
  const print = (line: string): void => { process.stdout.write(`${line}\n`); };
  const run = new Run({ work: config.work, repo: config.repo, rev: config.rev, tools, timeoutSeconds: config.timeoutSeconds, keep: config.keep, keptLogs: config.keptLogs }, print);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    print(`e2e: ${signal}: stopping the control plane`);
    await run.stop();
    print('e2e: interrupted; every process of the run is stopped');
    process.exit(130);
  };
  process.on('SIGINT', () => { void stop('interrupted'); });
  process.on('SIGTERM', () => { void stop('terminated'); });

  const report: RunReport = await run.execute();
  fs.writeFileSync(config.reportFile, JSON.stringify(report, null, 2));
  print(formatReport(report));
  const checks = reportChecks(report);
  print(formatChecks(checks));
  if (config.keep && !stopping) {
    await run.exposeApiServer(config.apiSocket);
    print(`e2e: --keep: the control plane stays up until Ctrl-C (inside the run's namespaces: KUBECONFIG=${path.join(config.work, 'admin.kubeconfig')})`);
    await new Promise(() => undefined);
  }
  const stopStart = Date.now();
  await run.stop();
  print(`e2e: stopped every process in ${((Date.now() - stopStart) / 1000).toFixed(1)} s; ${run.seconds} s since the run started`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

void main(process.argv[2]).then((code) => process.exit(code), (e: Error) => {
  process.stderr.write(`e2e: ${e.message}\n`);
  process.exit(2);
});
