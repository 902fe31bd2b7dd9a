/** What both ClusterIssuer names start with; `letsencrypt_issuer` (production or staging) completes it. */
export const LETSENCRYPT_PREFIX = 'letsencrypt-';

/**
 * The Let's Encrypt ClusterIssuers the platform creates, by the names the documents use
 * (`kubectl get clusterissuers`). Apps reference the cluster's choice through `ingress` in `../traefik.ts`.
 */
export const ClusterIssuers = {
  /** Trusted certificates, rate limited; the default. */
  PRODUCTION: 'letsencrypt-production',
  /** Untrusted test certificates with generous rate limits, for test clusters. */
  STAGING: 'letsencrypt-staging',
} as const;

export type ClusterIssuerName = (typeof ClusterIssuers)[keyof typeof ClusterIssuers];
