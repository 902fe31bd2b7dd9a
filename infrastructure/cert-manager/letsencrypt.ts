import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer } from '../../constructs/component';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import { INGRESS_CLASS_NAME, traefik } from '../traefik';
import { certManager } from './index';
import { ClusterIssuerName, ClusterIssuers } from './issuers';

/** Let's Encrypt's ACME directory for each issuer. */
const ACME_SERVERS: Readonly<Record<ClusterIssuerName, string>> = {
  [ClusterIssuers.PRODUCTION]: 'https://acme-v02.api.letsencrypt.org/directory',
  [ClusterIssuers.STAGING]: 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/**
 * The ClusterIssuers `letsencrypt-production` and `letsencrypt-staging`: ACME accounts for
 * `${admin_email}`, HTTP-01 challenges answered through Traefik. A Kustomization of its own,
 * after cert-manager (its CRDs and webhook must exist) and Traefik (which serves the challenges).
 */
export const letsencryptIssuers = defineComponent({
  name: 'letsencrypt-issuers',
  layer: Layer.INFRASTRUCTURE,
  // ClusterIssuers are cluster-scoped; their ACME account keys go to cert-manager's namespace.
  namespace: certManager.namespace,
  dependsOn: [certManager, traefik],
  build(component) {
    for (const [name, server] of Object.entries(ACME_SERVERS)) {
      new ClusterIssuer(component, name, {
        metadata: { name },
        spec: {
          acme: {
            server,
            email: vars.admin_email,
            privateKeySecretRef: { name: `${name}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName: INGRESS_CLASS_NAME } } }],
          },
        },
      });
    }
  },
});
