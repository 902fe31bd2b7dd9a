/**
 * `npm run graph`: writes the Kustomization and HelmRelease dependency graph of dist/flux2 (every
 * app enabled) as docs/dependency-graph.md (Mermaid), docs/dependency-graph.dot and, through
 * Graphviz (`dot`, apt package graphviz), docs/dependency-graph.svg for the README.
 * test/plan/graph.test.ts fails when the committed .md or .dot is stale.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { dependencyGraph, graphPage, toDot } from './plan/graph';
import { planEveryApp } from './plan/real-cluster';

export const DOCS = path.join(__dirname, '..', 'docs');
export const GRAPH_FILES = { page: 'dependency-graph.md', dot: 'dependency-graph.dot', svg: 'dependency-graph.svg' } as const;

async function main(): Promise<void> {
  const graph = dependencyGraph(await planEveryApp(path.join(__dirname, '..', 'dist', 'flux2')));
  const dot = toDot(graph);
  let svg: Buffer;
  try {
    svg = execFileSync('dot', ['-Tsvg'], { input: dot });
  } catch (e) {
    throw new Error(`Graphviz 'dot' failed (${(e as Error).message.split('\n')[0]}); install it with apt-get install -y graphviz`, { cause: e });
  }
  fs.mkdirSync(DOCS, { recursive: true });
  fs.writeFileSync(path.join(DOCS, GRAPH_FILES.page), graphPage(graph));
  fs.writeFileSync(path.join(DOCS, GRAPH_FILES.dot), dot);
  fs.writeFileSync(path.join(DOCS, GRAPH_FILES.svg), svg);
  process.stdout.write(`wrote docs/${GRAPH_FILES.page}, docs/${GRAPH_FILES.dot} and docs/${GRAPH_FILES.svg} (${graph.nodes.length} nodes)\n`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`graph: ${e.message}\n`);
    process.exitCode = 2;
  });
}
