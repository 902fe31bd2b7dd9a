import { images } from '../../catalogue';
import { backingService, BackingServiceKind } from '../../constructs/backing-service';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { HelmApp } from '../../constructs/helm-app';
import { ReferenceSecret } from '../../constructs/reference-secret';

/** The user (and database, and RabbitMQ user) Zulip connects as; Zulip's own compose file uses it too. */
export const ZULIP_USER = 'zulip';

/** The user Zulip authenticates to memcached as: Zulip's default `MEMCACHED_USERNAME`. */
export const MEMCACHED_SASL_USER = 'zulip@localhost';

/** memcached's SASL configuration, a Secret the memcached pod mounts. */
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
function registryAndRepository(image: string): { registry: string; repository: string } {
  const [registry, ...path] = image.split('/');
  return { registry, repository: path.join('/') };
}

/**
 * PostgreSQL, RabbitMQ, Redis (Valkey) and memcached for Zulip, from the CloudPirates charts with
 * official images, replacing the chart's Bitnami subcharts (frozen images).
 */
export function zulipBackingServices(component: Component<any>, props: ZulipBackingServicesProps): ZulipBackingServices {
  const { secret } = props;

  const postgres = backingService(component, {
    name: 'zulip-postgres',
    kind: BackingServiceKind.POSTGRES,
    storage: '10Gi',
    values: {
      // Zulip's full-text search needs its dictionaries in PostgreSQL's tsearch_data, which only
      // Zulip's image (official postgres:14-alpine plus those files) has. Its tag has no dot, so
      // the chart uses the pre-18 data path; nothing is mounted over its init scripts.
      image: { ...registryAndRepository(images.zulipPostgresql.image), tag: images.zulipPostgresql.tag },
      // The superuser is Zulip's user, as in Zulip's compose file (POSTGRES_USER/POSTGRES_DB).
      auth: { username: ZULIP_USER, database: ZULIP_USER },
      // uid 70 is `postgres` in the Alpine-based image; the chart's 999 has no passwd entry there.
      podSecurityContext: { fsGroup: 70 },
      containerSecurityContext: { runAsUser: 70, runAsGroup: 70 },
    },
    secretValues: { auth: { password: secret.ref(BACKING_SERVICE_KEYS.postgres) } },
    resources: {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
  });

  // Zulip's queues are transient, as in Zulip's chart: no volume to back up.
  const rabbitmq = backingService(component, {
    name: 'zulip-rabbitmq',
    kind: BackingServiceKind.RABBITMQ,
    values: { auth: { username: ZULIP_USER }, managementPlugin: { enabled: false } },
    secretValues: {
      auth: {
        password: secret.ref(BACKING_SERVICE_KEYS.rabbitmq),
        // Fixed, so an upgrade does not generate a new cookie.
        erlangCookie: secret.ref(BACKING_SERVICE_KEYS.rabbitmqErlangCookie),
      },
    },
    resources: {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    },
  });

  // Rate limits and presence only, as in Zulip's chart: no volume.
  const redis = backingService(component, {
    name: 'zulip-valkey',
    kind: BackingServiceKind.VALKEY,
    values: { config: { save: '' } },
    secretValues: { auth: { password: secret.ref(BACKING_SERVICE_KEYS.redis) } },
    resources: {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '250m', memory: '256Mi' },
    },
  });

  // The SASL password file holds the generated password: Flux substitutes it into the tree's Secret.
  new ReferenceSecret(component, 'MemcachedSasl', {
    name: MEMCACHED_SASL.secretName,
    namespace: component.namespace,
    labels: component.backupLabels,
    plain: { [MEMCACHED_SASL.configFile]: 'mech_list: plain\n' },
    composed: { [MEMCACHED_SASL.passwordFile]: `${MEMCACHED_SASL_USER}:${secret.ref(BACKING_SERVICE_KEYS.memcached)}\n` },
  });
  const memcached = backingService(component, {
    name: 'zulip-memcached',
    kind: BackingServiceKind.MEMCACHED,
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
    },
    resources: {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '250m', memory: '192Mi' },
    },
  });

  return { postgres, rabbitmq, redis, memcached };
}
