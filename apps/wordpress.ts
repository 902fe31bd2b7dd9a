import { charts } from '../catalogue';
import { backingService, BackingServiceKind } from '../constructs/backing-service';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { Generator } from '../constructs/generated-secret';
import { localPathProvisioner } from '../infrastructure/local-path-provisioner';
import { ingress } from '../infrastructure/traefik';

const APP = 'wordpress';
const MARIADB = `${APP}-mariadb`;
const DATABASE = APP;

/** The public site: the documents host WordPress on `www.` (or the root domain). */
const WORDPRESS_HOST = `www.${vars.domain}`;
const TLS_SECRET = 'stackspin-wordpress';

/**
 * WordPress from the groundhog2k chart (the official `wordpress` image), with a CloudPirates
 * MariaDB (official image) as its database; the chart's own MariaDB subchart (stale) stays off.
 *
 * Single sign-on is left out, so the component needs only the storage its claims use. The chart cannot install plugins: an OpenID Connect plugin would have to be
 * downloaded by an init container at every start and loaded as a must-use plugin, and the one
 * configurable without the admin UI (OpenID Connect Generic, whose button the documents show)
 * could not be confirmed as maintained (newest release found: 3.10.0), so nothing pins it.
 */
export const wordpress = defineComponent({
  name: APP,
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [localPathProvisioner],
  build(component) {
    const secret = component.generatedSecret({
      wordpress_mariadb_root_password: { generator: Generator.PASSWORD },
      wordpress_mariadb_password: { generator: Generator.PASSWORD },
    });

    const mariadb = backingService(component, {
      name: MARIADB,
      kind: BackingServiceKind.MARIADB,
      storage: '8Gi',
      values: { auth: { database: DATABASE, username: DATABASE } },
      secretValues: {
        auth: {
          rootPassword: secret.ref('wordpress_mariadb_root_password'),
          password: secret.ref('wordpress_mariadb_password'),
        },
      },
      resources: {
        requests: { cpu: '50m', memory: '256Mi' },
        limits: { cpu: '1', memory: '768Mi' },
      },
    });

    component.helmApp({
      name: APP,
      chart: charts.wordpress,
      dependsOn: [mariadb],
      values: {
        mariadb: { enabled: false },
        externalDatabase: { name: DATABASE, user: DATABASE, host: MARIADB },
        settings: {
          // Fixes the site address to the cluster's domain (TLS ends at Traefik).
          configExtra: [`define('WP_HOME', 'https://${WORDPRESS_HOST}');`, `define('WP_SITEURL', 'https://${WORDPRESS_HOST}');`].join('\n'),
        },
        ingress: {
          enabled: true,
          className: ingress.className,
          // The chart turns this into an ingress-nginx annotation, which Traefik ignores.
          maxBodySize: '',
          annotations: { ...ingress.annotations },
          hosts: [{ host: WORDPRESS_HOST, paths: [{ path: '/', pathType: 'Prefix' }] }],
          tls: [{ secretName: TLS_SECRET, hosts: [WORDPRESS_HOST] }],
        },
        storage: { requestedSize: '5Gi', labels: component.backupLabels },
        resources: {
          requests: { cpu: '50m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        },
      },
      secretValues: { externalDatabase: { password: secret.ref('wordpress_mariadb_password') } },
    });
  },
});
