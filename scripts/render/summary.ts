import { RenderResult } from './render';
import { formatCpu, formatMemory, sumRequests } from './resources';

/** The render as a table: one line per release, then the totals and where the files went. */
export function formatSummary(result: RenderResult, variables: string, out: string): string {
  const rows = result.releases.map((r) => {
    const requests = sumRequests(r.objects.map((o) => o.manifest));
    return [
      r.id.replace('HelmRelease ', ''),
      `${r.chart.name} ${r.chart.version}`,
      r.error === undefined ? String(r.objects.length) : '-',
      r.error === undefined ? formatCpu(requests.cpu) : '-',
      r.error === undefined ? formatMemory(requests.memory) : '-',
      r.cached ? 'cached' : `${r.milliseconds}`,
      r.error === undefined ? 'ok' : `FAILED: ${r.error}`,
    ];
  });
  const header = ['release', 'chart', 'objects', 'cpu', 'memory', 'helm ms', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : r[i].length))));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const total = sumRequests(result.releases.flatMap((r) => r.objects.map((o) => o.manifest)));
  const failed = result.releases.filter((r) => r.error !== undefined).length;
  const uncounted = failed > 0 ? ` (${failed} release(s) failed to render, not counted)` : '';
  return [
    `render: ${result.releases.length} release(s) with ${result.helm.path} (${result.helm.version}, ${result.helm.origin}); variables from ${variables}`,
    line(header),
    ...rows.map(line),
    `requests of every rendered workload: ${formatCpu(total.cpu)} CPU, ${formatMemory(total.memory)} memory${uncounted}`,
    "helm ms: each release's own helm template (its kustomize post-render runs once for all); cached: read from the render cache",
    failed === 0 ? `ok: every release renders; objects in ${out}/<namespace>/<release>.yaml` : `FAILED: ${failed} release(s) do not render; the others are in ${out}`,
    '',
  ].join('\n');
}
