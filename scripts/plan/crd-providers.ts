/**
 * Where the API of each kind comes from, so the plan can tell whether a custom resource is applied
 * after its CRD exists. A kind is served by Kubernetes itself, by Flux (installed by bootstrap), by
 * a CustomResourceDefinition object in the tree, or by a chart below.
 */

/** API groups every cluster serves before the first wave: Kubernetes' own, and Flux's from bootstrap. */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps', 'authentication.k8s.io',
  'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io',
  // Flux's toolkits, installed by bootstrap before the root Kustomization.
  'helm.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'notification.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io',
]);

/** The custom resources one chart's CRDs serve; `kinds` undefined means every kind of the group. */
export interface ProvidedApi {
  readonly group: string;
  /** @default every kind of the group */
  readonly kinds?: readonly string[];
}

/**
 * Charts that install CRDs (with the values the components set, e.g. cert-manager's `crds.enabled`
 * and the HelmReleases' `install.crds: CreateReplace`). Helm cannot be asked offline, so this
 * table is the plan's knowledge: a chart that starts serving a new group needs a line here, or
 * the plan reports its custom resources as having no known provider.
 */
export const CHART_CRDS: Readonly<Record<string, readonly ProvidedApi[]>> = {
  'cert-manager': [{ group: 'cert-manager.io' }, { group: 'acme.cert-manager.io' }],
  // The hydra chart's hydra-maester subchart owns the OAuth2Client CRD.
  hydra: [{ group: 'hydra.ory.sh', kinds: ['OAuth2Client'] }],
  velero: [{ group: 'velero.io' }],
  traefik: [{ group: 'traefik.io' }],
  'kube-prometheus-stack': [{ group: 'monitoring.coreos.com' }],
};

/** The charts (by chart name) whose CRDs serve `group`/`kind`. */
export function chartsServing(group: string, kind: string): string[] {
  return Object.entries(CHART_CRDS)
    .filter(([, apis]) => apis.some((api) => api.group === group && (api.kinds === undefined || api.kinds.includes(kind))))
    .map(([chart]) => chart);
}
