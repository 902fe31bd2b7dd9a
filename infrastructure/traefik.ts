import { charts } from '../catalogue';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { LETSENCRYPT_PREFIX } from './cert-manager/issuers';

/** The IngressClass Traefik serves, and the cluster's default one. */
export const INGRESS_CLASS_NAME = 'traefik';

/** The annotation with which cert-manager issues an Ingress's TLS certificate. */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

/**
 * The ClusterIssuer of every certificate, chosen per cluster by `letsencrypt_issuer`
 * (`production` or `staging`, the two ClusterIssuers' suffixes; the validator allows nothing else).
 */
export const CLUSTER_ISSUER = `${LETSENCRYPT_PREFIX}${vars.letsencrypt_issuer}`;

/**
 * What every app's Ingress sets, so apps do not retype strings: Traefik's class and a
 * certificate from the cluster's Let's Encrypt issuer (the Ingress still lists its hosts under `tls`).
 */
export const ingress = {
  className: INGRESS_CLASS_NAME,
  annotations: { [CLUSTER_ISSUER_ANNOTATION]: CLUSTER_ISSUER },
} as const;

/** The Middleware holding the operator's IP allow-list (`ingress_allowed_source_ranges`). */
export const IP_ALLOW_LIST_MIDDLEWARE = 'ip-allow-list';

/**
 * The allow-list Middleware as a Helm template, which the chart renders with `tpl`
 * (`extraObjects`). Flux substitutes the comma-separated variable into a string, and only Helm
 * can turn that into a list: a YAML flow list does not do, as Go's YAML parser refuses the
 * default `[0.0.0.0/0,::/0]`. `toJson` quotes every range, so IPv6 ranges parse too.
 */
function ipAllowListMiddleware(namespace: string): string {
  const ranges = `{{ "${vars.ingress_allowed_source_ranges}" | nospace | splitList "," | toJson }}`;
  return [
    'apiVersion: traefik.io/v1alpha1',
    'kind: Middleware',
    'metadata:',
    `  name: ${IP_ALLOW_LIST_MIDDLEWARE}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  ipAllowList:',
    `    sourceRange: ${ranges}`,
    '',
  ].join('\n');
}

/**
 * Traefik, the ingress controller (k3s's bundled copy is disabled by bootstrap, ingress-nginx is
 * retired), in namespace `stackspin` as Stackspin's ingress was. One replica behind a LoadBalancer
 * Service that k3s's ServiceLB serves on the node's ports 80 and 443. Every request on either
 * port passes the operator's IP allow-list; plain HTTP is then redirected to HTTPS.
 *
 * A restricted allow-list also keeps out Let's Encrypt's HTTP-01 validation, so certificates
 * renew only while the list admits it (as with Stackspin's ingress-nginx whitelist).
 */
export const traefik = defineComponent({
  name: 'traefik',
  layer: Layer.INFRASTRUCTURE,
  namespace: Namespaces.CORE,
  build(component) {
    // How an entrypoint names a Middleware of the CRD provider: `<namespace>-<name>@kubernetescrd`.
    const allowList = `${component.namespace}-${IP_ALLOW_LIST_MIDDLEWARE}@kubernetescrd`;
    component.helmApp({
      name: 'traefik',
      chart: charts.traefik,
      values: {
        ingressClass: { enabled: true, isDefaultClass: true, name: INGRESS_CLASS_NAME },
        // Upgrades come through the catalogue; the pod need not call home.
        global: { checkNewVersion: false, sendAnonymousUsage: false },
        ports: {
          web: {
            http: {
              redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } },
              middlewares: [allowList],
            },
          },
          websecure: { http: { middlewares: [allowList] } },
        },
        service: {
          // Local: ServiceLB hands Traefik the client's address, which the allow-list checks.
          spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
        },
        resources: {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        },
        extraObjects: [ipAllowListMiddleware(component.namespace)],
      },
    });
  },
});
