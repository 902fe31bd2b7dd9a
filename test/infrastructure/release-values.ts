import { fullTree } from '../tree';
import { fluxSubstitute } from './flux-substitute';
import { ClusterIssuers } from '../../infrastructure/cert-manager/issuers';
import { CLUSTER_ISSUER_ANNOTATION } from '../../infrastructure/traefik';
import { parseYaml } from '../yaml';

/** Sample cluster variables, as an operator's `.flux.env` sets them. */
export const SAMPLE_VARIABLES: Readonly<Record<string, string>> = {
  domain: 'stackspin.example.org',
  admin_email: 'admin@example.org',
  ip_address: '1.2.3.4',
};

/** An Ingress's annotations after substitution on a cluster that keeps the default issuer. */
export const PRODUCTION_ISSUER: Readonly<Record<string, string>> = { [CLUSTER_ISSUER_ANNOTATION]: ClusterIssuers.PRODUCTION };

/**
 * The Helm values a component's release receives from its values ConfigMap after Flux has
 * substituted `variables` into it (as text, the way kustomize-controller does).
 */
export function releaseValues(layer: string, name: string, variables: Readonly<Record<string, string>> = SAMPLE_VARIABLES): any {
  const file = `${layer}/${name}/configmap-${name}-values.yaml`;
  const text = fullTree().get(file);
  if (text === undefined) throw new Error(`${file} is not in the tree`);
  return parseYaml(parseYaml(fluxSubstitute(text, variables)).data['values.yaml']);
}
