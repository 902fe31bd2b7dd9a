import { charts, images } from '../catalogue';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { Generator } from '../constructs/generated-secret';
import { OAuth2Client } from '../constructs/oauth2-client';
import { ReferenceSecret } from '../constructs/reference-secret';
import { OAuth2ClientSpecTokenEndpointAuthMethod } from '../imports/hydra-oauth2client-hydra.ory.sh';
import { ingress } from '../infrastructure/traefik';
import { singleSignOn } from './single-sign-on';

/** WeKan's public host name, as the documents name it. */
export const WEKAN_HOST = `wekan.${vars.domain}`;

/** The certificate (and its Secret) cert-manager issues for the Ingress. */
export const WEKAN_TLS_SECRET = 'stackspin-wekan';

/** Environment WeKan reads from a Secret: the OAuth2 client secret. */
export const WEKAN_SECRET_ENV = 'wekan-secret-env';

/**
 * The Secret with MAIL_URL, the SMTP URL (it holds the password). WeKan reads it, optionally, as
 * `wekan-smtp-when-mail-${outgoing_mail_enabled}`: only with outgoing mail on is that this Secret;
 * otherwise MAIL_URL is unset and WeKan only logs its mails instead of trying a server that does
 * not exist.
 */
export const WEKAN_MAIL_SECRET = 'wekan-smtp-when-mail-true';
const WEKAN_MAIL_SECRET_READ = `wekan-smtp-when-mail-${vars.outgoing_mail_enabled}`;

/** The name the chart gives FerretDB's StatefulSet (`<release>-ferretdb`). */
const FERRETDB_STATEFULSET = 'wekan-ferretdb';

/**
 * WeKan kanban boards at `https://wekan.${domain}`, logging in through single sign-on (OAuth2 /
 * OpenID Connect), with the FerretDB (SQLite) database its chart bundles.
 */
export const wekan = defineComponent({
  name: 'wekan',
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [singleSignOn],
  build(component) {
    const name = component.definition.name;
    // The key name Stackspin clusters already have (the 0.x upgrade notes restore it).
    const secret = component.generatedSecret({ wekan_oauth_client_secret: { generator: Generator.PASSWORD } });
    const client = new OAuth2Client(component, 'OAuth2Client', {
      name,
      namespace: component.namespace,
      redirectUris: [`https://${WEKAN_HOST}/_oauth/oidc`],
      secret,
      secretKey: 'wekan_oauth_client_secret',
      // WeKan's OIDC login posts the client secret in the token request's body.
      tokenEndpointAuthMethod: OAuth2ClientSpecTokenEndpointAuthMethod.CLIENT_UNDERSCORE_SECRET_UNDERSCORE_POST,
    });
    const { issuerUrl, adminGroup } = component.platform.use(singleSignOn).outputs;

    new ReferenceSecret(component, 'SecretEnv', {
      name: WEKAN_SECRET_ENV,
      namespace: component.namespace,
      references: { OAUTH2_SECRET: secret.ref('wekan_oauth_client_secret') },
    });
    new ReferenceSecret(component, 'MailSecret', {
      name: WEKAN_MAIL_SECRET,
      namespace: component.namespace,
      // smtps:// on port 465, else smtp:// (STARTTLS); credentials percent-encoded.
      references: { MAIL_URL: vars.outgoing_mail_smtp_url },
    });

    component.helmApp({
      name,
      chart: charts.wekan,
      values: {
        root_url: `https://${WEKAN_HOST}`,
        // One replica: FerretDB on SQLite has one writer, and the data volume is ReadWriteOnce.
        autoscaling: { enabled: false },
        replicaCount: 1,
        ingress: {
          enabled: true,
          className: ingress.className,
          annotations: ingress.annotations,
          hosts: [WEKAN_HOST],
          tls: [{ secretName: WEKAN_TLS_SECRET, hosts: [WEKAN_HOST] }],
        },
        extraEnvFrom: [
          `- secretRef:\n    name: ${WEKAN_SECRET_ENV}`,
          `- secretRef:\n    name: ${WEKAN_MAIL_SECRET_READ}\n    optional: true`,
        ].join('\n') + '\n',
        env: [
          // The chart's defaults (a list value replaces the chart's whole list).
          { name: 'DEFAULT_METEOR_REACTIVITY_ORDER', value: 'polling' },
          { name: 'METEOR_REACTIVITY_ORDER', value: 'polling' },
          { name: 'DDP_TRANSPORT', value: 'sockjs' },
          { name: 'WRITABLE_PATH', value: '/data' },
          { name: 'WITH_API', value: 'true' },
          { name: 'OAUTH2_ENABLED', value: 'true' },
          { name: 'OAUTH2_LOGIN_STYLE', value: 'redirect' },
          { name: 'OAUTH2_CLIENT_ID', value: client.clientId },
          { name: 'OAUTH2_SERVER_URL', value: issuerUrl },
          { name: 'OAUTH2_AUTH_ENDPOINT', value: '/oauth2/auth' },
          { name: 'OAUTH2_TOKEN_ENDPOINT', value: '/oauth2/token' },
          { name: 'OAUTH2_USERINFO_ENDPOINT', value: '/userinfo' },
          { name: 'OAUTH2_REQUEST_PERMISSIONS', value: 'openid profile email' },
          { name: 'OAUTH2_ID_MAP', value: 'sub' },
          { name: 'OAUTH2_USERNAME_MAP', value: 'preferred_username' },
          { name: 'OAUTH2_FULLNAME_MAP', value: 'name' },
          { name: 'OAUTH2_EMAIL_MAP', value: 'email' },
          // Grants or revokes WeKan admin at every login, from the userinfo's `groups` claim.
          { name: 'OAUTH2_ADMIN_GROUPS', value: adminGroup },
          { name: 'MAIL_FROM', value: `WeKan <${vars.outgoing_mail_from_address}>` },

        ],
        resources: {
          requests: { cpu: '100m', memory: '384Mi' },
          limits: { cpu: '1', memory: '1Gi' },
        },
        // The init container chowns the data volume; the chart defaults it to busybox:latest.
        init: {
          image: { repository: images.busybox.image, tag: images.busybox.tag },
          resources: {
            requests: { cpu: '10m', memory: '16Mi' },
            limits: { cpu: '100m', memory: '64Mi' },
          },
        },
        test: { image: { repository: images.busybox.image, tag: images.busybox.tag } },
        ferretdb: {
          image: { repository: images.wekanFerretdb.image, tag: images.wekanFerretdb.tag },
          storage: { size: '8Gi' },
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { cpu: '1', memory: '1Gi' },
          },
        },
      },
      // The chart has no value for FerretDB's claim labels; the restore runbook selects by them.
      postRenderers: [{
        kustomize: {
          patches: [{
            target: { kind: 'StatefulSet', name: FERRETDB_STATEFULSET },
            patch: JSON.stringify([{ op: 'add', path: '/spec/volumeClaimTemplates/0/metadata/labels', value: component.backupLabels }]),
          }],
        },
      }],
    });
  },
});
