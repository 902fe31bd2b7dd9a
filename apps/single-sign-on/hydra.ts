import { charts } from '../../catalogue';
import { Component, Namespaces } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';
import { Databases, dsn, passwordEnv } from './database';
import { HYDRA_TLS_SECRET, ISSUER_URL, LOGIN_URL, Releases, SSO_HOST } from './endpoints';
import { tokenHookUrl } from './token-hook';

export interface HydraProps {
  /** The component's generated secret. */
  readonly secret: GeneratedSecret;
  /** Its keys with Hydra's system secret (signs and encrypts) and cookie secret. */
  readonly keys: { readonly system: string; readonly cookie: string };
  /** Releases that must be ready first (the database). */
  readonly dependsOn: readonly HelmApp[];
}

/**
 * Ory Hydra, the OpenID Connect provider apps log in through, with hydra-maester: the
 * controller (and, from the subchart's crds/, the OAuth2Client CRD) that registers the clients
 * apps declare with `constructs/oauth2-client.ts`, in any namespace. Its token hook adds the
 * admin flag as a `groups` claim (`token-hook.ts`).
 */
export function hydra(component: Component<any>, props: HydraProps): HelmApp {
  const page = (path: string): string => `${LOGIN_URL}/${path}`;
  return component.helmApp({
    name: Releases.HYDRA,
    chart: charts.hydra,
    dependsOn: props.dependsOn,
    values: {
      hydra: {
        automigration: { enabled: true, type: 'job' },
        config: {
          dsn: dsn(Databases.HYDRA),
          urls: {
            // Exactly the issuer apps are given (no trailing slash): OIDC clients compare them.
            self: { issuer: ISSUER_URL },
            login: page('login'),
            consent: page('consent'),
            logout: page('logout'),
            post_logout_redirect: page('login'),
          },
          // Adds the `groups` claim (the admin flag) to every token and userinfo: token-hook.ts.
          oauth2: { token_hook: tokenHookUrl(component.namespace) },
        },
      },
      deployment: {
        extraEnv: [passwordEnv()],
        resources: { requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
      job: {
        extraEnv: [passwordEnv()],
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
      },
      ingress: {
        public: {
          enabled: true,
          ...ingress,
          hosts: [{ host: SSO_HOST, paths: [{ path: '/', pathType: 'Prefix' }] }],
          tls: [{ secretName: HYDRA_TLS_SECRET, hosts: [SSO_HOST] }],
        },
      },
      maester: { enabled: true },
      'hydra-maester': {
        // Cluster-wide: apps declare their clients in stackspin-apps, Grafana in stackspin.
        singleNamespaceMode: false,
        // Also lets it read and update client Secrets there directly, not only through its cache.
        enabledNamespaces: [Namespaces.APPS],
        deployment: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } } },
      },
    },
    secretValues: {
      hydra: {
        config: {
          // Lists, as the chart requires (the first secret signs, older ones still verify).
          secrets: { system: [props.secret.ref(props.keys.system)], cookie: [props.secret.ref(props.keys.cookie)] },
        },
      },
    },
  });
}
