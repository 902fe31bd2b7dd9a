import { parse } from 'yaml';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { ADD_APP_PREFIX, optionalEntry, PLATFORM_NAME } from '../../constructs/platform';
import { TREE_ROOT_IN_REPO } from '../../constructs/tree-chart';
import { toYaml } from '../../constructs/tree-writer';
import { LoadedTree } from '../validation/load';
import { ClusterInput } from './cluster-input';
import { envsubst } from './envsubst';
import { PlanProblem } from './model';

/** The tree files bootstrap.sh renders with the cluster variables and applies itself. */
export const BOOTSTRAP_FILES = [
  'infrastructure/sources/gitrepository-stackspin.yaml',
  'cluster/core/kustomization-stackspin.yaml',
];

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
      problems.push({ object: 'bootstrap', message: `applies ${file}, which the tree does not have; synthesize the tree` });
      continue;
    }
    const rendered = envsubst(toYaml(found.manifest), input.variables);
    for (const name of rendered.missing) problems.push({ object: found.id, message: `bootstrap cannot render \${${name}}: not in the cluster variables and no default` });
    objects.push(parse(rendered.text));
  }
  return { objects: [...objects, ...input.apps.map(addAppKustomization)], problems };
}
