import { Duration } from 'cdk8s';
import { charts } from '../../catalogue';
import { backingService, BackingServiceKind } from '../../constructs/backing-service';
import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Generator } from '../../constructs/generated-secret';
import { OAuth2Client } from '../../constructs/oauth2-client';
import { ReferenceSecret } from '../../constructs/reference-secret';
import { OAuth2ClientSpecTokenEndpointAuthMethod } from '../../imports/hydra-oauth2client-hydra.ory.sh';
import { ingress } from '../../infrastructure/traefik';
import { singleSignOn } from '../single-sign-on';
import { OnlyofficeDocumentServer } from './onlyoffice';
import { HOOK_ENV, setupHook } from './setup-hook';

const APP = 'nextcloud';
/** Helm release name of existing clusters: the documents name `deployment/nc-nextcloud`. */
const RELEASE_NAME = 'nc';
/** The chart's fullname for release `nc`, which names its Deployment, Service and CronJob. */
const FULLNAME = `${RELEASE_NAME}-nextcloud`;
const POSTGRES = `${APP}-postgres`;
const VALKEY = `${APP}-valkey`;
const DATABASE = APP;

/** Public host names and the certificates (Secrets) the documents name. */
const NEXTCLOUD_HOST = `files.${vars.domain}`;
const ONLYOFFICE_HOST = `office.${vars.domain}`;
const FILES_TLS = 'stackspin-nextcloud-files';
const OFFICE_TLS = 'stackspin-nextcloud-office';

/**
 * Nextcloud with ONLYOFFICE: the nextcloud chart (release `nc`) with its bundled database and cache
 * charts off, a CloudPirates PostgreSQL (official image) as database and a CloudPirates Valkey as
 * cache and file-locking store, the ONLYOFFICE Document Server as a plain Deployment, and a Hydra
 * OAuth2 client for single sign-on. Depends on single sign-on: its OAuth2Client kind must exist.
 */
export const nextcloud = defineComponent({
  name: APP,
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [singleSignOn],
  // A first install pulls large images and installs Nextcloud and its apps before it is ready.
  kustomization: { timeout: Duration.minutes(30) },
  build(component) {
    const namespace = component.namespace;
    const { discoveryUrl, groupsClaim, adminGroup } = component.platform.use(singleSignOn).outputs;
    const secret = component.generatedSecret({
      nextcloud_admin_password: { generator: Generator.PASSWORD },
      nextcloud_postgres_password: { generator: Generator.PASSWORD },
      nextcloud_valkey_password: { generator: Generator.PASSWORD },
      nextcloud_oauth_client_secret: { generator: Generator.PASSWORD },
      onlyoffice_jwt_secret: { generator: Generator.HEX_KEY },
    });

    const oauth = new OAuth2Client(component, 'OAuth2Client', {
      name: APP,
      namespace,
      redirectUris: [
        `https://${NEXTCLOUD_HOST}/apps/user_oidc/code`,
        `https://${NEXTCLOUD_HOST}/index.php/apps/user_oidc/code`,
      ],
      secret,
      secretKey: 'nextcloud_oauth_client_secret',
      scope: 'openid profile email',
      // user_oidc sends the client secret in the token request body.
      tokenEndpointAuthMethod: OAuth2ClientSpecTokenEndpointAuthMethod.CLIENT_UNDERSCORE_SECRET_UNDERSCORE_POST,
    });

    const office = new OnlyofficeDocumentServer(component, 'Onlyoffice', {
      name: 'onlyoffice',
      namespace,
      host: ONLYOFFICE_HOST,
      tlsSecretName: OFFICE_TLS,
      secret,
      jwtSecretKey: 'onlyoffice_jwt_secret',
      backupSet: APP,
    });

    // Valkey's password, read by Valkey and by Nextcloud from the same Secret.
    new ReferenceSecret(component, 'ValkeySecret', {
      name: VALKEY,
      namespace,
      labels: component.backupLabels,
      references: { password: secret.ref('nextcloud_valkey_password') },
    });

    const postgres = backingService(component, {
      name: POSTGRES,
      kind: BackingServiceKind.POSTGRES,
      storage: '8Gi',
      values: { auth: { username: DATABASE, database: DATABASE } },
      secretValues: { auth: { password: secret.ref('nextcloud_postgres_password') } },
      resources: {
        requests: { cpu: '50m', memory: '128Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      },
    });

    // A cache and lock store only: nothing in it needs to survive a restart or a backup.
    const valkey = backingService(component, {
      name: VALKEY,
      kind: BackingServiceKind.VALKEY,
      values: {
        auth: { enabled: true, existingSecret: VALKEY, existingSecretPasswordKey: 'password' },
        config: { maxMemory: '96mb' },
      },
      resources: {
        requests: { cpu: '10m', memory: '32Mi' },
        limits: { cpu: '250m', memory: '128Mi' },
      },
    });

    component.helmApp({
      name: APP,
      releaseName: RELEASE_NAME,
      chart: charts.nextcloud,
      dependsOn: [postgres, valkey],
      timeout: Duration.minutes(20),
      values: {
        nextcloud: {
          host: NEXTCLOUD_HOST,
          username: 'admin',
          // Applied at the first install only; the setup hook keeps them current afterwards.
          trustedDomains: [NEXTCLOUD_HOST, FULLNAME, `${FULLNAME}.${namespace}.svc.cluster.local`],
          mail: {
            enabled: vars.outgoing_mail_enabled,
            fromAddress: vars.outgoing_mail_from_local_part,
            domain: vars.outgoing_mail_domain,
            smtp: {
              host: vars.outgoing_mail_smtp_host,
              // Empty: Nextcloud's mailer (Symfony) then uses implicit TLS on port 465 and
              // STARTTLS on any other port; 'ssl' would force implicit TLS whatever the port.
              secure: '',
              port: vars.outgoing_mail_smtp_port,
              authtype: vars.outgoing_mail_smtp_authtype,
              name: vars.outgoing_mail_smtp_user,
            },
          },
          extraEnv: [
            { name: HOOK_ENV.oidcClientSecret, valueFrom: { secretKeyRef: { name: oauth.secretName, key: 'CLIENT_SECRET' } } },
            { name: HOOK_ENV.onlyofficeJwtSecret, valueFrom: { secretKeyRef: { name: office.jwtSecretName, key: 'JWT_SECRET' } } },
            // k3s' pod network: Traefik's X-Forwarded-For is trusted from there.
            { name: 'TRUSTED_PROXIES', value: '10.42.0.0/16' },
          ],
          hooks: {
            'before-starting': setupHook({
              host: NEXTCLOUD_HOST,
              internalHosts: [FULLNAME, `${FULLNAME}.${namespace}.svc.cluster.local`],
              oidcProvider: 'Stackspin',
              oidcClientId: oauth.clientId,
              discoveryUrl,
              groupsClaim,
              adminGroup,
              documentServerUrl: `https://${ONLYOFFICE_HOST}/`,
              documentServerInternalUrl: office.internalUrl,
              documentServerJwtHeader: office.jwtHeader,
              storageUrl: `http://${FULLNAME}.${namespace}.svc.cluster.local:8080/`,
            }),
          },
        },
        // Every bundled subchart off: they ship frozen images. The backing services run above.
        internalDatabase: { enabled: false },
        mariadb: { enabled: false },
        postgresql: { enabled: false },
        redis: { enabled: false },
        collabora: { enabled: false },
        externalDatabase: { enabled: true, type: 'postgresql', host: `${POSTGRES}:5432`, user: DATABASE, database: DATABASE },
        externalRedis: {
          enabled: true,
          host: VALKEY,
          port: '6379',
          existingSecret: { enabled: true, secretName: VALKEY, passwordKey: 'password' },
        },
        ingress: {
          enabled: true,
          className: ingress.className,
          annotations: { ...ingress.annotations },
          tls: [{ secretName: FILES_TLS, hosts: [NEXTCLOUD_HOST] }],
        },
        // TLS ends at Traefik: generated URLs must still say https.
        phpClientHttpsFix: { enabled: true, protocol: 'https' },
        // Background jobs as a Kubernetes CronJob (nc-nextcloud-cron), as www-data like the web pod.
        cronjob: {
          enabled: true,
          type: 'cronjob',
          cronjob: {
            securityContext: { runAsUser: 33, runAsGroup: 33, runAsNonRoot: true },
            resources: {
              requests: { cpu: '10m', memory: '128Mi' },
              limits: { cpu: '1', memory: '512Mi' },
            },
          },
        },
        persistence: { enabled: true, size: '20Gi', labels: component.backupLabels },
        resources: {
          requests: { cpu: '100m', memory: '512Mi' },
          limits: { cpu: '2', memory: '2Gi' },
        },
        // A first install runs for minutes; liveness checks wait until it answers.
        startupProbe: { enabled: true, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 60 },
      },
      secretValues: {
        nextcloud: {
          password: secret.ref('nextcloud_admin_password'),
          mail: { smtp: { password: vars.outgoing_mail_smtp_password } },
        },
        externalDatabase: { password: secret.ref('nextcloud_postgres_password') },
      },
    });
  },
});
