import { vars } from '../../constructs/cluster-variables';
import { Namespaces } from '../../constructs/component';

/**
 * Where single sign-on answers. Hydra (OpenID Connect) is `sso.${domain}`, the issuer apps
 * configure. The login, consent, registration and recovery pages and Kratos's browser API share
 * `login.${domain}`: Kratos's session and CSRF cookies are then host-only cookies the pages can
 * read, instead of cookies on `${domain}` that every app would receive. Kratos answers only under
 * `/self-service/`, a path the pages do not use.
 */
export const SSO_HOST = `sso.${vars.domain}`;
export const LOGIN_HOST = `login.${vars.domain}`;

export const ISSUER_URL = `https://${SSO_HOST}`;
export const LOGIN_URL = `https://${LOGIN_HOST}`;

/**
 * TLS Secrets cert-manager fills for the two hosts. `hydra-public.tls` is the name the documents'
 * `kubectl get certificates -A` shows; the login host's is requested by the login pages' Ingress.
 */
export const HYDRA_TLS_SECRET = 'hydra-public.tls';
export const LOGIN_TLS_SECRET = 'login.tls';

/** The path prefix of Kratos's browser flows on the login host. */
export const KRATOS_BROWSER_PATH = '/self-service';

/** HelmRelease names; each chart's full name (and so its Services) follows from them. */
export const Releases = {
  DATABASE: 'single-sign-on-postgres',
  KRATOS: 'kratos',
  HYDRA: 'hydra',
  LOGIN: 'login',
} as const;

const inCluster = (service: string, port?: number): string =>
  `http://${service}.${Namespaces.CORE}.svc.cluster.local${port === undefined ? '' : `:${port}`}`;

/** Service URLs inside the cluster (the charts' Service names and ports). */
export const Internal = {
  KRATOS_PUBLIC: inCluster(`${Releases.KRATOS}-public`),
  KRATOS_ADMIN: inCluster(`${Releases.KRATOS}-admin`),
  HYDRA_ADMIN: inCluster(`${Releases.HYDRA}-admin`, 4445),
  DATABASE_HOST: `${Releases.DATABASE}.${Namespaces.CORE}.svc.cluster.local`,
} as const;
