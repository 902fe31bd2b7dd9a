import { treeDirectory } from '../validation/load';
import { formatPlanProblem, isHelmRelease, shortName } from './model';
import { Plan } from './simulate';

/** The plan as plain text: what is planned, the waves, the critical path, then any problem. */
export function formatPlan(plan: Plan): string {
  const lines = [`plan: ${describeInput(plan)}`];
  for (const wave of plan.schedule.waves) {
    lines.push(`wave ${wave.number}:`);
    for (const id of wave.starts) lines.push(`  ${id}: ${installs(plan, id)}`);
  }
  const path = plan.schedule.criticalPath.map(shortName).join(' -> ');
  lines.push(`critical path: ${plan.schedule.waves.length} waves (${path})`);
  if (plan.problems.length === 0) {
    lines.push(`ok: ${plan.objects.size} objects; every namespace, CRD, source and dependency is in place when needed`);
  } else {
    lines.push(`FAILED: ${plan.problems.length} problem(s):`, ...plan.problems.map((p) => `  ${formatPlanProblem(p)}`));
  }
  return `${lines.join('\n')}\n`;
}

function describeInput(plan: Plan): string {
  const apps = plan.input.apps.length === 0 ? 'no apps' : `apps ${plan.input.apps.join(', ')}`;
  return `core and ${apps}; variables from ${plan.input.description}`;
}

/** A HelmRelease's chart and version, or what a Kustomization applies, counted by kind. */
function installs(plan: Plan, id: string): string {
  const manifest = plan.objects.get(id)!.manifest;
  if (isHelmRelease(manifest)) {
    const chart = manifest.spec?.chart?.spec;
    return chart ? `chart ${chart.chart} ${chart.version ?? '(latest)'}` : `chart ${manifest.spec?.chartRef?.kind} ${manifest.spec?.chartRef?.name}`;
  }
  const counts = new Map<string, number>();
  for (const o of plan.objects.values()) if (o.applier === id) counts.set(o.manifest.kind, (counts.get(o.manifest.kind) ?? 0) + 1);
  const kinds = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${n} ${kind}`).join(', ');
  return `${treeDirectory(String(manifest.spec?.path)) ?? manifest.spec?.path} (${kinds || 'nothing'})`;
}
