import { Duration } from 'cdk8s';
import { charts } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Generator } from '../../constructs/generated-secret';
import { OAuth2Client } from '../../constructs/oauth2-client';
import { OAuth2ClientSpecTokenEndpointAuthMethod } from '../../imports/hydra-oauth2client-hydra.ory.sh';
import { escapeSubstitution } from '../../constructs/tree-writer';
import { ingress } from '../../infrastructure/traefik';
import { singleSignOn } from '../single-sign-on';
import { BACKING_SERVICE_KEYS, MEMCACHED_SASL_USER, ZULIP_USER, zulipBackingServices } from './backing-services';

/** Zulip's public host name, as the documents name it. */
export const ZULIP_HOST = `zulip.${vars.domain}`;

/** The certificate (and its Secret) cert-manager issues for the Ingress; the documents name it. */
export const ZULIP_TLS_SECRET = 'stackspin-zulip';

/**
 * Zulip's SMTP settings. docker-zulip writes a value in parentheses into settings.py as Python, so
 * these are decided when the settings load, from the substituted cluster variables: without
 * outgoing mail EMAIL_HOST is None, and Zulip then sends nothing (its dummy backend) instead of
 * trying a server that does not exist; port 465 is implicit TLS (EMAIL_USE_SSL), any other
 * STARTTLS (EMAIL_USE_TLS); Django refuses both at once. The host is a domain name and the flag
 * true or false (the validator allows nothing else), so the Python literals cannot break.
 */
export function mailSettings(): Record<string, string> {
  const port = vars.outgoing_mail_smtp_port;
  return {
    SETTING_EMAIL_HOST: `('${vars.outgoing_mail_smtp_host}' if '${vars.outgoing_mail_enabled}' == 'true' else None)`,
    SETTING_EMAIL_HOST_USER: vars.outgoing_mail_smtp_user,
    SETTING_EMAIL_PORT: port,
    SETTING_EMAIL_USE_SSL: `(${port} == 465)`,
    SETTING_EMAIL_USE_TLS: `(${port} != 465)`,
  };
}

/** The organization's owner and name, for the post-setup script (environment of the Zulip container). */
const ORGANIZATION_ENV = { owner: 'STACKSPIN_ORGANIZATION_OWNER', name: 'STACKSPIN_ORGANIZATION_NAME' } as const;

/** Where docker-zulip's image keeps Zulip's management commands. */
export const ZULIP_MANAGE = '/home/zulip/deployments/current/manage.py';

/**
 * A post-setup script (docker-zulip runs each on every start, as root, after the database
 * migrations, logging a failure and starting Zulip anyway): it creates the organization at the
 * root domain, `zulip.${domain}`, with `${admin_email}` as its owner, unless the root domain has
 * one (`create_realm` refuses a second run). The owner has no password: single sign-on, the only
 * login backend, matches the administrator by e-mail. Values come from the environment, so no
 * address can break the script.
 */
export const ORGANIZATION_SCRIPT = `#!/bin/bash
set -euo pipefail

manage() {
  sudo -u zulip ${ZULIP_MANAGE} "$@"
}

# list_realms prints the root domain's empty string ID as ''.
root_realm_exists() {
  manage list_realms | awk -v root="''" 'NR > 2 && $2 == root { found = 1 } END { exit !found }'
}

if root_realm_exists; then
  echo "The organization at the root domain exists; nothing to do"
  exit 0
fi
manage create_realm "$${ORGANIZATION_ENV.name}" "$${ORGANIZATION_ENV.owner}" Administrator
echo "Created the organization $${ORGANIZATION_ENV.name} with owner $${ORGANIZATION_ENV.owner}"
`;

/** k3s's default pod network: Traefik's requests come from it, so Zulip trusts its X-Forwarded-For. */
const POD_NETWORK = '10.42.0.0/16';

/**
 * Zulip team chat at `https://zulip.${domain}`, logging in through single sign-on (OpenID
 * Connect), its organization created on first start with `${admin_email}` as owner (Zulip takes
 * no roles from single sign-on: `scripts/user-admin.sh` changes them). The chart names the StatefulSet after the release and the container after the chart,
 * so the pod is `zulip-0` with container `zulip`, as the documents' `kubectl exec` expects.
 */
export const zulip = defineComponent({
  name: 'zulip',
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [singleSignOn],
  build(component) {
    const name = component.definition.name;
    const secret = component.generatedSecret({
      zulip_secret_key: { generator: Generator.HEX_KEY },
      zulip_oauth_client_secret: { generator: Generator.PASSWORD },
      [BACKING_SERVICE_KEYS.postgres]: { generator: Generator.PASSWORD },
      [BACKING_SERVICE_KEYS.rabbitmq]: { generator: Generator.PASSWORD },
      [BACKING_SERVICE_KEYS.rabbitmqErlangCookie]: { generator: Generator.PASSWORD },
      [BACKING_SERVICE_KEYS.redis]: { generator: Generator.PASSWORD },
      [BACKING_SERVICE_KEYS.memcached]: { generator: Generator.PASSWORD },
    });
    const client = new OAuth2Client(component, 'OAuth2Client', {
      name,
      namespace: component.namespace,
      redirectUris: [`https://${ZULIP_HOST}/complete/oidc/`],
      secret,
      secretKey: 'zulip_oauth_client_secret',
      // python-social-auth sends the client secret in the token request's body.
      tokenEndpointAuthMethod: OAuth2ClientSpecTokenEndpointAuthMethod.CLIENT_UNDERSCORE_SECRET_UNDERSCORE_POST,
    });
    const issuerUrl = component.platform.use(singleSignOn).outputs.issuerUrl;
    const services = zulipBackingServices(component, { secret });

    // A Python dict literal, evaluated by Zulip's settings; the secret is read by name at run time.
    const identityProviders = `{"stackspin": {"oidc_url": "${issuerUrl}", "display_name": "Stackspin", "display_icon": None, `
      + `"client_id": "${client.clientId}", "secret": get_secret("social_auth_oidc_secret"), "auto_signup": True}}`;

    component.helmApp({
      name,
      chart: charts.zulip,
      dependsOn: [services.postgres, services.rabbitmq, services.redis, services.memcached],
      // The first start runs every database migration.
      timeout: Duration.minutes(20),
      values: {
        ingress: {
          enabled: true,
          className: ingress.className,
          annotations: ingress.annotations,
          hosts: [{ host: ZULIP_HOST, paths: [{ path: '/' }] }],
          tls: [{ secretName: ZULIP_TLS_SECRET, hosts: [ZULIP_HOST] }],
        },
        zulip: {
          environment: {
            SETTING_EXTERNAL_HOST: ZULIP_HOST,
            SETTING_ZULIP_ADMINISTRATOR: vars.admin_email,
            LOADBALANCER_IPS: POD_NETWORK,
            ZULIP_AUTH_BACKENDS: 'GenericOpenIdConnectBackend',
            SETTING_SOCIAL_AUTH_OIDC_ENABLED_IDPS: identityProviders,
            SETTING_SOCIAL_AUTH_OIDC_FULL_NAME_VALIDATED: 'True',
            ...mailSettings(),
            SETTING_NOREPLY_EMAIL_ADDRESS: vars.outgoing_mail_from_address,
            // Otherwise Zulip sizes its queue workers by the node's memory, not the pod's limit.
            CONFIG_application_server__queue_workers_multiprocess: 'False',
            [ORGANIZATION_ENV.owner]: vars.admin_email,
            [ORGANIZATION_ENV.name]: vars.domain,
          },
          persistence: { size: '10Gi' },
        },
        postSetup: { scripts: { 'stackspin-organization.sh': escapeSubstitution(ORGANIZATION_SCRIPT) } },
        // The first start (migrations) can take longer than the chart's 5 minutes on a small node.
        startupProbe: { failureThreshold: 60 },
        resources: {
          requests: { cpu: '300m', memory: '1536Mi' },
          limits: { cpu: '2', memory: '3Gi' },
        },
        postgresql: { enabled: false },
        rabbitmq: { enabled: false },
        redis: { enabled: false },
        memcached: { enabled: false },
        externalPostgresql: { host: services.postgres.releaseName, port: 5432, database: ZULIP_USER, user: ZULIP_USER },
        externalRabbitmq: { host: services.rabbitmq.releaseName, port: 5672, user: ZULIP_USER },
        externalRedis: { host: services.redis.releaseName, port: 6379 },
        externalMemcached: { host: services.memcached.releaseName, port: 11211, user: MEMCACHED_SASL_USER },
      },
      secretValues: {
        zulip: {
          environment: {
            SECRETS_secret_key: secret.ref('zulip_secret_key'),
            SECRETS_social_auth_oidc_secret: secret.ref('zulip_oauth_client_secret'),
            SECRETS_email_password: vars.outgoing_mail_smtp_password,
          },
        },
        externalPostgresql: { password: secret.ref(BACKING_SERVICE_KEYS.postgres) },
        externalRabbitmq: { password: secret.ref(BACKING_SERVICE_KEYS.rabbitmq) },
        externalRedis: { password: secret.ref(BACKING_SERVICE_KEYS.redis) },
        externalMemcached: { password: secret.ref(BACKING_SERVICE_KEYS.memcached) },
      },
    });
  },
});
