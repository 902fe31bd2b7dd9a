import { Testing } from 'cdk8s';
import { TreeChart } from '../../constructs/tree-chart';

describe('TreeChart', () => {
  test('GIVEN a directory WHEN its Flux path is read THEN it is under ./dist/flux2', () => {
    const chart = new TreeChart(Testing.app(), 'C', { directory: 'apps/nextcloud' });
    expect(chart.fluxPath).toBe('./dist/flux2/apps/nextcloud');
    expect(chart.externallyApplied).toBe(false);
  });

  test.each(['Apps/x', 'apps/', '/apps', 'apps//x', 'apps/x_y'])('GIVEN directory %p WHEN constructed THEN it is refused', (directory) => {
    expect(() => new TreeChart(Testing.app(), 'C', { directory })).toThrow(`TreeChart C: directory '${directory}' must be lower-case path segments like 'apps/nextcloud'`);
  });
});
