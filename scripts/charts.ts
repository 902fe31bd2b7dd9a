/**
 * `npm run charts`: fills the chart cache (`$CHART_CACHE`, default `.cache/charts/`) with every
 * chart of the catalogue at its pinned version, skipping what is already there: from a seed
 * directory (`$CHART_CACHE_SEED`, default `../shared/chart-cache`) when it has the archive, else
 * with `helm pull` from the catalogue's repository. Exit 1 if any chart could not be fetched.
 */
import { charts } from '../catalogue';
import { chartCacheDir, ensureChart } from './render/chart-cache';

function main(): number {
  let failed = 0;
  for (const entry of Object.values(charts)) {
    try {
      const { source } = ensureChart(entry);
      process.stdout.write(`${source.padEnd(7)} ${entry.chart} ${entry.version} (${entry.repository})\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`FAILED  ${(e as Error).message}\n`);
    }
  }
  process.stdout.write(`${chartCacheDir()}: ${Object.keys(charts).length - failed} of ${Object.keys(charts).length} charts cached\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
