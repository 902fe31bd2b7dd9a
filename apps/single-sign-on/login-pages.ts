import { charts } from '../../catalogue';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';
import { Internal, LOGIN_HOST, LOGIN_TLS_SECRET, LOGIN_URL, Releases } from './endpoints';

export interface LoginPagesProps {
  /** The component's generated secret. */
  readonly secret: GeneratedSecret;
  /** Its keys with the pages' session cookie and CSRF cookie secrets. */
  readonly keys: { readonly cookie: string; readonly csrfCookie: string };
  /** Releases that must be ready first (Kratos and Hydra, whose APIs the pages call). */
  readonly dependsOn: readonly HelmApp[];
}

/**
 * Ory's kratos-selfservice-ui-node: the login, consent, logout, registration, recovery,
 * verification and settings pages on `login.${domain}`. Given Hydra's admin URL it also serves
 * Hydra's login and consent steps. Release `login` (full name `login`), after the host it serves.
 */
export function loginPages(component: Component<any>, props: LoginPagesProps): HelmApp {
  return component.helmApp({
    name: Releases.LOGIN,
    chart: charts.kratosSelfserviceUiNode,
    dependsOn: props.dependsOn,
    values: {
      fullnameOverride: Releases.LOGIN,
      projectName: 'Stackspin',
      // Server-side calls stay in the cluster; the browser reaches Kratos on the pages' own host.
      kratosPublicUrl: Internal.KRATOS_PUBLIC,
      kratosAdminUrl: Internal.KRATOS_ADMIN,
      kratosBrowserUrl: LOGIN_URL,
      hydraAdminUrl: Internal.HYDRA_ADMIN,
      ingress: {
        enabled: true,
        ...ingress,
        hosts: [{ host: LOGIN_HOST, paths: [{ path: '/', pathType: 'Prefix' }] }],
        tls: [{ secretName: LOGIN_TLS_SECRET, hosts: [LOGIN_HOST] }],
      },
      deployment: { resources: { requests: { cpu: '25m', memory: '96Mi' }, limits: { memory: '256Mi' } } },
    },
    secretValues: {
      config: { secrets: { cookie: props.secret.ref(props.keys.cookie), csrfCookie: props.secret.ref(props.keys.csrfCookie) } },
    },
  });
}
