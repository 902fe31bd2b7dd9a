/**
 * `npm run graph`: writes the Kustomization and HelmRelease dependency graph of dist/flux2 (every
 * app enabled) as docs/dependency-graph.md (Mermaid), docs/dependency-graph.dot and, through
 * Graphviz (`dot`, apt package graphviz), docs/dependency-graph.svg for the README.
 * test/plan/graph.test.ts fails when the committed .md or .dot is stale.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from './lib/args';
import { commandMain, Output } from './lib/command';
import { requireTools } from './lib/tools';
import { dependencyGraph, graphPage, toDot } from './plan/graph';
import { planEveryApp } from './plan/real-cluster';

export const DOCS = path.join(__dirname, '..', 'docs');
export const GRAPH_FILES = { page: 'dependency-graph.md', dot: 'dependency-graph.dot', svg: 'dependency-graph.svg' } as const;

export const GRAPH_USAGE = `usage: npm run graph
  writes docs/${GRAPH_FILES.page}, docs/${GRAPH_FILES.dot} and docs/${GRAPH_FILES.svg} from dist/flux2
  (needs kubectl and Graphviz's dot); takes no arguments
`;

/** The command. Like the plan, it reads only the tree. */
export async function graphCommand(argv: readonly string[], output: Output): Promise<number> {
  if (parseArgs(argv, { usage: GRAPH_USAGE }).help) {
    output.out(GRAPH_USAGE);
    return 0;
  }
  requireTools(['kubectl', 'dot']);
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
  output.out(`wrote docs/${GRAPH_FILES.page}, docs/${GRAPH_FILES.dot} and docs/${GRAPH_FILES.svg} (${graph.nodes.length} nodes)\n`);
  return 0;
}

if (require.main === module) commandMain('graph', graphCommand);
