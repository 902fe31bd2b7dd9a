/**
 * The Let's Encrypt ClusterIssuers the platform creates, by the names the documents use
 * (`kubectl get clusterissuers`). Apps reference them through `ingress` in `../traefik.ts`.
 */
export const ClusterIssuers = {
  /** Trusted certificates, rate limited; what every app uses. */
  PRODUCTION: 'letsencrypt-production',
  /** Untrusted test certificates with generous rate limits, for test clusters. */
  STAGING: 'letsencrypt-staging',
} as const;

export type ClusterIssuerName = (typeof ClusterIssuers)[keyof typeof ClusterIssuers];
