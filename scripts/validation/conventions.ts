import { PLATFORM_NAME } from '../../constructs/platform';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { LoadedTree, objectsOf } from './load';
import { Problem } from './problem';

/** What helm-controller takes as pinned: an exact SemVer-like version, never a range or `*`. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Rules of the platform no schema states: every chart version is pinned (an absent version means
 * "latest"), and the `stackspin` GitRepository leaves `spec.suspend` to the maintenance window.
 */
export function checkConventions(tree: LoadedTree): Problem[] {
  const problems: Problem[] = [];
  for (const r of objectsOf(tree, 'helm.toolkit.fluxcd.io', 'HelmRelease')) {
    const chart = r.manifest.spec?.chart?.spec;
    if (chart === undefined) continue;
    const field = 'spec.chart.spec.version';
    if (chart.version === undefined) {
      problems.push({ file: r.file, object: r.id, field, message: 'is missing, so Flux installs the latest chart; pin the exact version in catalogue.ts' });
    } else if (!EXACT_VERSION.test(String(chart.version))) {
      problems.push({ file: r.file, object: r.id, field, message: `'${chart.version}' is not an exact version; pin one like 1.2.3 in catalogue.ts` });
    }
  }
  const platform = objectsOf(tree, 'source.toolkit.fluxcd.io', 'GitRepository')
    .find((g) => g.manifest.metadata?.name === PLATFORM_NAME && g.manifest.metadata?.namespace === FLUX_NAMESPACE);
  if (!platform) {
    problems.push({ file: 'infrastructure/sources', message: `the tree has no GitRepository ${FLUX_NAMESPACE}/${PLATFORM_NAME}; clusters and documents follow it by that name` });
  } else if (platform.manifest.spec?.suspend !== undefined) {
    problems.push({
      file: platform.file,
      object: platform.id,
      field: 'spec.suspend',
      message: 'must not be set: the maintenance-window CronJobs own it, and Flux would re-apply the declared value at every reconcile; remove it',
    });
  }
  return problems;
}
