import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { DECLARES_SECRET_LABEL } from '../../constructs/generated-secret';
import { ADD_APP_PREFIX, optionalEntry, PLATFORM_NAME } from '../../constructs/platform';
import { GENERATED_SECRETS } from '../../constructs/secret-generator';
import { TREE_ROOT_IN_REPO } from '../../constructs/tree-chart';
import { LoadedTree } from '../validation/load';
import { ClusterInput, withQuote } from './cluster-input';
import { envsubst } from './envsubst';
import { PlanProblem } from './model';

/**
 * The tree files bootstrap.sh renders with the cluster variables and applies itself (`apply_root`).
 * A tree from before the cluster generated its own secrets has no generator Kustomization, and
 * its bootstrap did not apply one.
 */
export const BOOTSTRAP_FILES = [
  'infrastructure/sources/gitrepository-stackspin.yaml',
  `cluster/core/kustomization-${GENERATED_SECRETS}.yaml`,
  'cluster/core/kustomization-stackspin.yaml',
];
const OPTIONAL_BOOTSTRAP_FILES = new Set([`cluster/core/kustomization-${GENERATED_SECRETS}.yaml`]);

/** The Kustomization `install-app.sh <app>` applies (`add_app_manifest` in scripts/lib/common.sh). */
export function addAppKustomization(app: string): any {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: `${ADD_APP_PREFIX}${app}`, namespace: FLUX_NAMESPACE },
    spec: {
      interval: '1h',
      path: `${TREE_ROOT_IN_REPO}/${optionalEntry(app)}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: PLATFORM_NAME },
    },
  };
}

/** What bootstrap and install-app.sh apply to a cluster, before Flux takes over. */
export function bootstrapObjects(tree: LoadedTree, input: ClusterInput): { objects: any[]; problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const objects: any[] = [];
  for (const file of BOOTSTRAP_FILES) {
    const found = tree.objects.find((o) => o.file === file);
    if (!found) {
      if (OPTIONAL_BOOTSTRAP_FILES.has(file) && !tree.objects.some((o) => o.file.endsWith('.yaml') && o.manifest?.metadata?.labels?.[DECLARES_SECRET_LABEL])) continue;
      problems.push({ object: 'bootstrap', message: `applies ${file}, which the tree does not have; synthesize the tree` });
      continue;
    }
    // bootstrap.sh substitutes the committed file's own text (flux-env.ts render).
    const rendered = envsubst(fs.readFileSync(path.join(tree.root, file), 'utf8'), withQuote(input.variables));
    for (const name of rendered.missing) problems.push({ object: found.id, message: `bootstrap cannot render \${${name}}: not in the cluster variables and no default` });
    objects.push(parse(rendered.text));
  }
  return { objects: [...objects, ...input.apps.map(addAppKustomization)], problems };
}
