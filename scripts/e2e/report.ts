/**
 * The run's report as people read it, and the checks it passes or fails: each check is one line,
 * and the last line is the tally `N passed, N failed` that .ci/run adds to npm test's.
 */
import { RunReport } from './run';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export function reportChecks(report: RunReport): Check[] {
  const notReady = report.objects.filter((o) => o.readySecond === undefined);
  const ordering = report.problems.filter((p) => p.includes('which it depends on'));
  const network = report.problems.filter((p) => /left loopback|outside loopback|chart proxy refused/.test(p));
  const hostPods = report.problems.filter((p) => p.startsWith('host pod '));
  const prediction = report.prediction;
  const disagreements = prediction ? [...prediction.contradicted, ...prediction.unknown.map((u) => `the plan expects ${u}, which never appeared`), ...prediction.unplanned.map((u) => `${u} appeared, which the plan does not know`)] : ['the plan was not compared (the run stopped first)'];
  const other = report.problems.filter((p) => !ordering.includes(p) && !network.includes(p) && !hostPods.includes(p));
  return [
    { name: 'every Kustomization and HelmRelease Ready', ok: report.objects.length > 0 && notReady.length === 0 && other.length === 0, detail: other.length > 0 ? other.join('; ') : notReady.length > 0 ? `not Ready: ${notReady.map((o) => o.id).join(', ')}` : `${report.objects.length} objects` },
    { name: 'nothing Ready before what it depends on', ok: report.objects.length > 0 && ordering.length === 0, detail: ordering.join('; ') || 'every dependsOn held' },
    { name: 'the plan (npm run plan -- --all-apps) predicted what happened', ok: disagreements.length === 0, detail: disagreements.join('; ') || 'every wait the plan predicts held' },
    { name: 'nothing left loopback', ok: network.length === 0, detail: network.join('; ') || `${report.network.packetsOut} packets to the trap interface, no foreign socket, ${report.network.proxyRequests.length} chart proxy requests all answered from the cache` },
    clusterCheck(report),
    { name: 'the pods run on the host succeeded', ok: report.hostPods.length > 0 && hostPods.length === 0, detail: hostPods.join('; ') || `${report.hostPods.length} run(s)` },
  ];
}

/**
 * The scheduler placed every pod within the node, every workload has its pods, every claim is
 * Bound and every Job complete. The state at the end decides: a Warning event on the way (a pod
 * refused or unschedulable for a moment) fails the run only through what it left undone.
 */
function clusterCheck(report: RunReport): Check {
  const name = 'every pod admitted and scheduled within the node, every workload ready, every volume claim Bound, every Job complete';
  const facts = report.cluster;
  if (facts === undefined) return { name, ok: false, detail: 'not read (the run stopped first)' };
  const r = facts.requested;
  const problems = [
    ...facts.podsNotRunning.map((p) => `pod ${p}`),
    ...facts.workloadsNotReady,
    ...facts.claimsNotBound.map((c) => `claim ${c} not Bound`),
    ...facts.jobsNotComplete.map((j) => `Job ${j} not complete`),
    ...(r.cpuMillis > r.allocatableCpuMillis ? [`pods request ${r.cpuMillis}m CPU of the node's ${r.allocatableCpuMillis}m`] : []),
    ...(r.memoryMiB > r.allocatableMemoryMiB ? [`pods request ${r.memoryMiB} MiB of the node's ${r.allocatableMemoryMiB} MiB`] : []),
  ];
  const events = Object.entries(facts.warnings).map(([reason, w]) => `${reason} x${w.count}`).join(', ');
  return { name, ok: problems.length === 0, detail: problems.join('; ') || `${facts.pods} pods requesting ${r.cpuMillis}m of ${r.allocatableCpuMillis}m CPU and ${r.memoryMiB} of ${r.allocatableMemoryMiB} MiB; ${facts.workloads} workloads; ${facts.claims} claims; ${facts.jobs} Jobs${events ? `; passing Warning events: ${events}` : ''}` };
}

export function formatChecks(checks: readonly Check[]): string {
  const lines = checks.map((c) => `${c.ok ? 'ok' : 'FAILED'}: ${c.name} (${c.detail})`);
  const passed = checks.filter((c) => c.ok).length;
  return [...lines, `${passed} passed, ${checks.length - passed} failed`].join('\n');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function formatReport(report: RunReport): string {
  const out: string[] = [`\ne2e of ${report.commit.slice(0, 12) || 'nothing (the run stopped before the commit was read)'}`,
    `versions: ${Object.entries(report.versions).map(([tool, version]) => `${tool} ${version}`).join(', ')}`];
  out.push('\nphases:', table([['phase', 'seconds'], ...report.phases.map((p) => [p.name, p.seconds.toFixed(1)])]));
  if (report.objects.length > 0) {
    out.push('\nReady, in order (seconds after the first object was Ready; the wave npm run plan predicted):');
    out.push(table([['object', 'ready s', 'plan wave'], ...report.objects.map((o) => [o.id, o.readySecond === undefined ? 'never' : String(o.readySecond), o.planWave === undefined ? '-' : String(o.planWave)])]));
  }
  if (report.cluster) {
    const warnings = Object.entries(report.cluster.warnings).map(([reason, w]) => `${reason} ${w.count} (e.g. ${w.example})`);
    out.push(`\nWarning events: ${warnings.join('; ') || 'none'}`);
  }
  out.push(`\nhost pods: ${report.hostPods.map((r) => `${r.pod} exit ${r.exitCode} (${r.seconds} s)`).join(', ') || 'none ran'}`);
  out.push(`network: ${report.network.packetsOut} packets left loopback; ${report.network.foreignSockets.length} foreign sockets; chart proxy: ${report.network.proxyRequests.length} requests (${report.network.proxyRequests.filter((r) => r.refused).length} refused); git server: ${report.network.gitRequests} requests`);
  const peaks = Object.entries(report.memory.peakMiB).sort((a, b) => b[1] - a[1]);
  out.push(`memory: peak ${report.memory.peakTotalMiB} MiB for all processes together; per process (MiB): ${peaks.map(([n, m]) => `${n} ${m}`).join(', ')}`);
  if (report.problems.length > 0) out.push('\nproblems:', ...report.problems.map((p) => `  - ${p}`));
  return out.join('\n');
}
