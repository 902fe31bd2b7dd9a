import { RenderedRelease, RenderResult } from '../../scripts/render/render';
import { formatSummary } from '../../scripts/render/summary';

/** The render's table (scripts/render/summary.ts): what each column and total means. */
describe('the render summary', () => {
  const release = (name: string, error?: string): RenderedRelease => ({
    id: `HelmRelease stackspin/${name}`, namespace: 'stackspin', release: { metadata: { name } }, chart: { name, version: '1.0.0', repository: 'https://charts.example.org' },
    objects: error ? [] : [{ manifest: { kind: 'Deployment', metadata: { name }, spec: { template: { spec: { containers: [{ name, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } } } }],
    crds: [], milliseconds: 123, cached: false, ...(error ? { error } : {}),
  } as unknown as RenderedRelease);
  const result = (releases: RenderedRelease[]): RenderResult => ({ releases, helm: { path: '/bin/helm', version: 'v4.1.4', origin: 'PATH' }, plan: undefined as never, crds: [] });

  test('GIVEN rendered releases WHEN summarised THEN the time column says it is each release\'s own helm template', () => {
    const text = formatSummary(result([release('a')]), 'the examples', '/out');
    expect(text).toMatch(/^release +chart +objects +cpu +memory +helm ms +result$/m);
    expect(text).toMatch(/^stackspin\/a +a 1\.0\.0 +1 +100m +64Mi +123 +ok$/m);
    expect(text).toContain("helm ms: each release's own helm template");
  });

  test('GIVEN a release that fails WHEN summarised THEN the total says it is not counted', () => {
    const text = formatSummary(result([release('a'), release('b', 'template error')]), 'the examples', '/out');
    expect(text).toContain('requests of every rendered workload: 100m CPU, 64Mi memory (1 release(s) failed to render, not counted)');
    expect(text).toContain('FAILED: 1 release(s) do not render; the others are in /out');
  });
});
