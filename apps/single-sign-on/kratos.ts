import { charts } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';
import { ReferenceSecret } from '../../constructs/reference-secret';
import { INGRESS_CLASS_NAME } from '../../infrastructure/traefik';
import { Databases, dsn, passwordEnv } from './database';
import { Internal, ISSUER_URL, KRATOS_BROWSER_PATH, LOGIN_HOST, LOGIN_TLS_SECRET, LOGIN_URL, Releases } from './endpoints';
import { IDENTITY_SCHEMA, IDENTITY_SCHEMA_FILE, IDENTITY_SCHEMA_ID } from './identity-schema';

/** The Secret (in the component's namespace) with the SMTP connection URL, which carries the password. */
export const SMTP_SECRET = 'single-sign-on-smtp';
const SMTP_URL_KEY = 'connection-uri';

/**
 * Open registration would let anyone on the internet create an account that every app accepts,
 * so it is off: the initial administrator exists, and operators who want sign-up set
 * `kratos.config.selfservice.flows.registration.enabled: true` in `stackspin-kratos-override`.
 */
export const REGISTRATION_ENABLED = false;

export interface KratosProps {
  /** The component's generated secret. */
  readonly secret: GeneratedSecret;
  /** Its keys with Kratos's default, cookie and cipher (exactly 32 characters) secrets. */
  readonly keys: { readonly default: string; readonly cookie: string; readonly cipher: string };
  /** Releases that must be ready first (the database). */
  readonly dependsOn: readonly HelmApp[];
}

/**
 * Ory Kratos: users, password login, and recovery and verification codes by e-mail through the
 * cluster's SMTP settings. The courier runs inside the Kratos process (`--watch-courier`) rather
 * than as a second pod, and only when outgoing mail is on. Only the browser flows are public; the admin API stays in the cluster.
 */
export function kratos(component: Component<any>, props: KratosProps): HelmApp {
  new ReferenceSecret(component, 'SmtpSecret', {
    name: SMTP_SECRET,
    namespace: component.namespace,
    references: { [SMTP_URL_KEY]: vars.outgoing_mail_smtp_url },
  });

  const page = (path: string): string => `${LOGIN_URL}/${path}`;
  return component.helmApp({
    name: Releases.KRATOS,
    chart: charts.kratos,
    dependsOn: props.dependsOn,
    values: {
      kratos: {
        // A Helm hook Job before each install and upgrade, after the chart's Secret (also a hook).
        automigration: { enabled: true, type: 'job' },
        identitySchemas: { [IDENTITY_SCHEMA_FILE]: JSON.stringify(IDENTITY_SCHEMA, null, 2) },
        config: {
          dsn: dsn(Databases.KRATOS),
          serve: {
            public: { base_url: `${LOGIN_URL}/`, cors: { enabled: false } },
            admin: { base_url: `${Internal.KRATOS_ADMIN}/` },
          },
          identity: {
            default_schema_id: IDENTITY_SCHEMA_ID,
            schemas: [{ id: IDENTITY_SCHEMA_ID, url: `file:///etc/config/${IDENTITY_SCHEMA_FILE}` }],
          },
          selfservice: {
            default_browser_return_url: `${LOGIN_URL}/`,
            allowed_return_urls: [`${LOGIN_URL}/`, `${ISSUER_URL}/`],
            methods: { password: { enabled: true }, code: { enabled: true } },
            flows: {
              error: { ui_url: page('error') },
              login: { ui_url: page('login'), lifespan: '10m' },
              logout: { after: { default_browser_return_url: page('login') } },
              registration: {
                enabled: REGISTRATION_ENABLED,
                ui_url: page('registration'),
                after: { password: { hooks: [{ hook: 'session' }] } },
              },
              recovery: { enabled: true, use: 'code', ui_url: page('recovery') },
              verification: { enabled: true, use: 'code', ui_url: page('verification'), after: { default_browser_return_url: `${LOGIN_URL}/` } },
              settings: { ui_url: page('settings'), privileged_session_max_age: '15m' },
            },
          },
          // The connection URI carries the password, so it is set from the environment below.
          courier: { smtp: { from_address: vars.outgoing_mail_from_address, from_name: 'Stackspin' } },
          // Hydra hands OpenID Connect logins to Kratos's flows and Kratos accepts them there.
          oauth2_provider: { url: Internal.HYDRA_ADMIN },
        },
      },
      courier: { enabled: false },
      deployment: {
        // The courier sends only with outgoing mail on; without, messages wait in the database
        // and nothing tries an SMTP server that does not exist.
        extraArgs: [`--watch-courier=${vars.outgoing_mail_enabled}`],
        extraEnv: [
          passwordEnv(),
          // smtps:// (implicit TLS) on port 465, else smtp:// (mandatory STARTTLS); credentials percent-encoded.
          { name: 'COURIER_SMTP_CONNECTION_URI', valueFrom: { secretKeyRef: { name: SMTP_SECRET, key: SMTP_URL_KEY } } },
        ],
        resources: { requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
      // The migration Job takes job.extraEnv instead of deployment.extraEnv: it needs only the password.
      job: {
        extraEnv: [passwordEnv()],
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
      },
      ingress: {
        public: {
          enabled: true,
          className: INGRESS_CLASS_NAME,
          // No issuer annotation: the login pages' Ingress requests the certificate for this host.
          hosts: [{ host: LOGIN_HOST, paths: [{ path: KRATOS_BROWSER_PATH, pathType: 'Prefix' }] }],
          tls: [{ secretName: LOGIN_TLS_SECRET, hosts: [LOGIN_HOST] }],
        },
      },
    },
    secretValues: {
      // The chart wants lists (the first secret signs, older ones still verify).
      kratos: {
        config: {
          secrets: {
            default: [props.secret.ref(props.keys.default)],
            cookie: [props.secret.ref(props.keys.cookie)],
            cipher: [props.secret.ref(props.keys.cipher)],
          },
        },
      },
    },
  });
}
