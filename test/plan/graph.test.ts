import * as fs from 'fs';
import * as path from 'path';
import { DOCS, GRAPH_FILES } from '../../scripts/graph';
import { dependencyGraph, graphPage, toDot, toMermaid } from '../../scripts/plan/graph';
import { planEveryApp } from '../../scripts/plan/real-cluster';
import { planFixture } from './fixture';

describe('dependency graph', () => {
  test('GIVEN the fixture plan WHEN drawn THEN implied dependsOn edges are dropped and HelmReleases hang off their Kustomization', async () => {
    const graph = dependencyGraph(await planFixture());
    const mermaid = toMermaid(graph);

    // demo depends on issuers, namespaces and sources; only issuers is not implied by another path.
    expect(mermaid).toContain('  k_issuers --> k_demo\n');
    expect(mermaid).not.toContain('k_sources --> k_demo');
    expect(mermaid).toContain('  k_demo -.-> hr_stackspin_apps_demo\n');
    expect(mermaid).toMatchSnapshot();
    expect(toDot(graph)).toContain('{ rank=same; k_issuers; }');
  });

  test('GIVEN the committed tree WHEN the graph is regenerated THEN docs/ holds the same page and DOT source (run npm run graph)', async () => {
    const graph = dependencyGraph(await planEveryApp(path.join(__dirname, '..', '..', 'dist', 'flux2')));

    expect(fs.readFileSync(path.join(DOCS, GRAPH_FILES.page), 'utf8')).toBe(graphPage(graph));
    expect(fs.readFileSync(path.join(DOCS, GRAPH_FILES.dot), 'utf8')).toBe(toDot(graph));
    expect(fs.existsSync(path.join(DOCS, GRAPH_FILES.svg))).toBe(true);
  });
});
