import { charts, ImageEntry, images } from '../../catalogue';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';

/** The user (and database, and RabbitMQ user) Zulip connects as; Zulip's own compose file uses it too. */
export const ZULIP_USER = 'zulip';

/** The user Zulip authenticates to memcached as: Zulip's default `MEMCACHED_USERNAME`. */
export const MEMCACHED_SASL_USER = 'zulip@localhost';

/**
 * memcached's SASL configuration, a Secret the zulip release renders (it is the only place that
 * holds both the user and the substituted password) and the memcached pod mounts.
 */
export const MEMCACHED_SASL = {
  secretName: 'zulip-memcached-sasl',
  directory: '/etc/memcached-sasl',
  /** Cyrus SASL reads `<SASL_CONF_PATH>/memcached.conf`. */
  configFile: 'memcached.conf',
  /** `user:password` lines, read by memcached's built-in password database (`MEMCACHED_SASL_PWDB`). */
  passwordFile: 'memcached-sasl-db',
} as const;

/** The generated-secret keys the backing services read. */
export const BACKING_SERVICE_KEYS = {
  postgres: 'zulip_postgres_password',
  rabbitmq: 'zulip_rabbitmq_password',
  rabbitmqErlangCookie: 'zulip_rabbitmq_erlang_cookie',
  redis: 'zulip_redis_password',
  memcached: 'zulip_memcached_password',
} as const;

export interface ZulipBackingServicesProps {
  /** The component's generated secret, holding every key of BACKING_SERVICE_KEYS. */
  readonly secret: GeneratedSecret;
}

/** Zulip's four backing services, each a release whose Service is named after it. */
export interface ZulipBackingServices {
  readonly postgres: HelmApp;
  readonly rabbitmq: HelmApp;
  readonly redis: HelmApp;
  readonly memcached: HelmApp;
}

/** `docker.io/zulip/zulip-postgresql` as the CloudPirates charts' `registry` and `repository`. */
function registryAndRepository(entry: ImageEntry): { registry: string; repository: string } {
  const [registry, ...path] = entry.image.split('/');
  return { registry, repository: path.join('/') };
}

/**
 * PostgreSQL, RabbitMQ, Redis (Valkey) and memcached for Zulip, from the CloudPirates charts with
 * official images, replacing the chart's Bitnami subcharts (frozen images). The releases' names
 * contain the chart names, so each chart names its Service after the release (`zulip-postgres`...).
 */
export function zulipBackingServices(component: Component<any>, props: ZulipBackingServicesProps): ZulipBackingServices {
  const { secret } = props;

  const postgres = component.helmApp({
    name: 'zulip-postgres',
    chart: charts.postgres,
    values: {
      // Zulip's full-text search needs its dictionaries in PostgreSQL's tsearch_data, which only
      // Zulip's image (official postgres:14-alpine plus those files) has. Its tag has no dot, so
      // the chart uses the pre-18 data path; nothing is mounted over its init scripts.
      image: { ...registryAndRepository(images.zulipPostgresql), tag: images.zulipPostgresql.tag },
      // The superuser is Zulip's user, as in Zulip's compose file (POSTGRES_USER/POSTGRES_DB).
      auth: { username: ZULIP_USER, database: ZULIP_USER },
      // uid 70 is `postgres` in the Alpine-based image; the chart's 999 has no passwd entry there.
      podSecurityContext: { fsGroup: 70 },
      containerSecurityContext: { runAsUser: 70, runAsGroup: 70 },
      persistence: { size: '10Gi', labels: component.backupLabels },
      podLabels: component.backupLabels,
      resources: {
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '1', memory: '1Gi' },
      },
    },
    secretValues: { auth: { password: secret.ref(BACKING_SERVICE_KEYS.postgres) } },
  });

  const rabbitmq = component.helmApp({
    name: 'zulip-rabbitmq',
    chart: charts.rabbitmq,
    values: {
      auth: { username: ZULIP_USER },
      // Zulip's queues are transient, as in Zulip's chart; no volume to back up.
      persistence: { enabled: false },
      managementPlugin: { enabled: false },
      podLabels: component.backupLabels,
      resources: {
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '500m', memory: '512Mi' },
      },
    },
    secretValues: {
      auth: {
        password: secret.ref(BACKING_SERVICE_KEYS.rabbitmq),
        // Fixed, so an upgrade does not generate a new cookie.
        erlangCookie: secret.ref(BACKING_SERVICE_KEYS.rabbitmqErlangCookie),
      },
    },
  });

  const redis = component.helmApp({
    name: 'zulip-valkey',
    chart: charts.valkey,
    values: {
      // Rate limits and presence only, as in Zulip's chart: no persistence.
      persistence: { enabled: false },
      config: { save: '' },
      podLabels: component.backupLabels,
      resources: {
        requests: { cpu: '50m', memory: '64Mi' },
        limits: { cpu: '250m', memory: '256Mi' },
      },
    },
    secretValues: { auth: { password: secret.ref(BACKING_SERVICE_KEYS.redis) } },
  });

  const memcached = component.helmApp({
    name: 'zulip-memcached',
    chart: charts.memcached,
    values: {
      config: {
        memoryLimit: 128,
        // SASL, as Zulip requires (it always authenticates once memcached_password is set).
        extraArgs: ['-S'],
      },
      extraEnvVars: [
        { name: 'SASL_CONF_PATH', value: MEMCACHED_SASL.directory },
        { name: 'MEMCACHED_SASL_PWDB', value: `${MEMCACHED_SASL.directory}/${MEMCACHED_SASL.passwordFile}` },
      ],
      // Readable by the memcached user through the pod's fsGroup (11211).
      extraVolumes: [{ name: 'sasl', secret: { secretName: MEMCACHED_SASL.secretName, defaultMode: 0o440 } }],
      extraVolumeMounts: [{ name: 'sasl', mountPath: MEMCACHED_SASL.directory, readOnly: true }],
      podLabels: component.backupLabels,
      resources: {
        requests: { cpu: '50m', memory: '64Mi' },
        limits: { cpu: '250m', memory: '192Mi' },
      },
    },
  });

  return { postgres, rabbitmq, redis, memcached };
}
