import { chartSourceOf } from './events';
import { Applied, isHelmRelease, isKustomization, refId } from './model';
import { Plan } from './simulate';

/** One Kustomization or HelmRelease of the dependency graph. */
export interface GraphNode {
  readonly id: string;
  readonly kind: 'Kustomization' | 'HelmRelease';
  /** Identifier safe in Mermaid and DOT. */
  readonly key: string;
  readonly label: string;
  /** Start wave; undefined when it never starts. */
  readonly wave?: number;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** `dependsOn`: `to` waits for `from`; `applies`: the Kustomization `from` applies HelmRelease `to`. */
  readonly kind: 'dependsOn' | 'applies';
}

export interface DependencyGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * The Kustomization and HelmRelease graph of a plan. `dependsOn` edges implied by a longer
 * `dependsOn` path are left out (every component depends on `sources` and `namespaces`, which
 * would otherwise hide the structure); entries applying Kustomizations are not drawn either.
 */
export function dependencyGraph(plan: Plan): DependencyGraph {
  const members = [...plan.objects.values()].filter((o) => isKustomization(o.manifest) || isHelmRelease(o.manifest))
    .sort((a, b) => a.id.localeCompare(b.id));
  const nodes = members.map((o): GraphNode => ({ id: o.id, kind: isKustomization(o.manifest) ? 'Kustomization' : 'HelmRelease', key: keyOf(o.id), label: labelOf(o), wave: plan.schedule.startWave.get(o.id) }));
  const present = new Set(members.map((o) => o.id));
  const depends: GraphEdge[] = members.flatMap((o) => (o.manifest.spec?.dependsOn ?? [])
    .map((d: any): GraphEdge => ({ from: refId(o.manifest.kind, d, o.manifest.metadata?.namespace), to: o.id, kind: 'dependsOn' }))
    .filter((e: GraphEdge) => present.has(e.from)));
  const applies = members.filter((o) => isHelmRelease(o.manifest) && present.has(o.applier))
    .map((o): GraphEdge => ({ from: o.applier, to: o.id, kind: 'applies' }));
  return { nodes, edges: [...transitiveReduction(depends), ...applies] };
}

function transitiveReduction(edges: readonly GraphEdge[]): GraphEdge[] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const reachableAvoiding = (from: string, to: string): boolean => {
    const queue = (next.get(from) ?? []).filter((n) => n !== to);
    const seen = new Set(queue);
    while (queue.length > 0) {
      const n = queue.shift()!;
      if (n === to) return true;
      for (const m of next.get(n) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          queue.push(m);
        }
      }
    }
    return false;
  };
  return edges.filter((e) => !reachableAvoiding(e.from, e.to));
}

function keyOf(id: string): string {
  return id.toLowerCase().replace(/^kustomization flux-system\//, 'k_').replace(/^helmrelease /, 'hr_').replace(/[^a-z0-9_]/g, '_');
}

function labelOf(o: Applied): string {
  const name = o.manifest.metadata?.name;
  if (isKustomization(o.manifest)) return name;
  // No version: the page then changes with the structure, not with every version bump.
  const chart = o.manifest.spec?.chart?.spec?.chart ?? chartSourceOf(o);
  return chart === name ? name : `${name} (${chart})`;
}

const waveText = (n: GraphNode): string => (n.wave === undefined ? 'never starts' : `wave ${n.wave}`);

/** Mermaid flowchart (GitHub and GitLab render it): Kustomizations as boxes, HelmReleases rounded. */
export function toMermaid(graph: DependencyGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    const text = `${n.label}<br/>${waveText(n)}`;
    lines.push(n.kind === 'Kustomization' ? `  ${n.key}["${text}"]` : `  ${n.key}("${text}")`);
  }
  for (const e of graph.edges) lines.push(`  ${byId.get(e.from)!.key} ${e.kind === 'dependsOn' ? '-->' : '-.->'} ${byId.get(e.to)!.key}`);
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT: one column per wave, left to right; same shapes and arrows as the Mermaid page. */
export function toDot(graph: DependencyGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines = [
    'digraph stackspin {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [color="#555555"];',
  ];
  const waves = [...new Set(graph.nodes.map((n) => n.wave ?? -1))].sort((a, b) => a - b);
  for (const wave of waves) {
    lines.push(`  { rank=same; ${graph.nodes.filter((n) => (n.wave ?? -1) === wave).map((n) => n.key).join('; ')}; }`);
  }
  for (const n of graph.nodes) {
    const shape = n.kind === 'Kustomization' ? 'box' : 'box, style=rounded';
    lines.push(`  ${n.key} [shape=${shape}, label="${n.label}\\n${waveText(n)}"];`);
  }
  for (const e of graph.edges) {
    lines.push(`  ${byId.get(e.from)!.key} -> ${byId.get(e.to)!.key}${e.kind === 'applies' ? ' [style=dashed]' : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The committed docs page around the Mermaid graph. */
export function graphPage(graph: DependencyGraph): string {
  return [
    '# Dependency graph',
    '',
    '<!-- Generated by `npm run graph` from dist/flux2; do not edit. test/plan/graph.test.ts fails when it is stale. -->',
    '',
    'What Flux installs on a cluster with every app enabled, in start order (see `npm run plan` and',
    '`scripts/plan/events.ts` for the wave model). Square boxes are Kustomizations, rounded boxes',
    'HelmReleases (with their chart when it has another name). A solid arrow means the target waits (`dependsOn`) for the',
    'source to be ready; a dotted arrow means a Kustomization applies a HelmRelease. Dependencies',
    'already implied by a longer path are not drawn.',
    '',
    '```mermaid',
    toMermaid(graph).trimEnd(),
    '```',
    '',
  ].join('\n');
}
