/**
 * The namespace of every Flux object (sources, Kustomizations) and of the cluster-side secrets.
 * On its own, without cdk8s, for the operator tools that start on every script call (flux-env.ts).
 */
export const FLUX_NAMESPACE = 'flux-system';
