import { backingService, BackingServiceKind } from '../../constructs/backing-service';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { ReferenceSecret } from '../../constructs/reference-secret';
import { HelmApp } from '../../constructs/helm-app';
import { STORAGE_CLASS_NAME } from '../../infrastructure/local-path-provisioner';
import { Internal, Releases } from './endpoints';

/** The Secret (in the component's namespace) with the database passwords. */
export const DATABASE_SECRET = 'single-sign-on-database';
/** Its key with the password of DATABASE_USER, which Kratos and Hydra read as PGPASSWORD. */
export const DATABASE_PASSWORD_KEY = 'password';
const ADMIN_PASSWORD_KEY = 'postgres-password';

/** The one unprivileged user that owns both databases. */
export const DATABASE_USER = 'single_sign_on';
export const Databases = { KRATOS: 'kratos', HYDRA: 'hydra' } as const;

export interface SingleSignOnDatabaseProps {
  /** The component's generated secret. */
  readonly secret: GeneratedSecret;
  /** Its key with the postgres superuser's password. */
  readonly adminPasswordKey: string;
  /** Its key with DATABASE_USER's password. */
  readonly userPasswordKey: string;
  /** Label of the data for the backup-restore runbook. */
  readonly backupSet: string;
}

/**
 * A DSN without the password: the password reaches Kratos and Hydra as PGPASSWORD (see
 * `passwordEnv`), which their Postgres driver reads, so no Secret ever holds a composed string.
 */
export function dsn(database: string): string {
  return `postgres://${DATABASE_USER}@${Internal.DATABASE_HOST}:5432/${database}?sslmode=disable&max_conns=20&max_idle_conns=4`;
}

/** The environment variable that gives a container DATABASE_USER's password. */
export function passwordEnv(): Record<string, unknown> {
  return { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: DATABASE_SECRET, key: DATABASE_PASSWORD_KEY } } };
}

/**
 * PostgreSQL (CloudPirates chart, official image) with Kratos's and Hydra's databases. The chart
 * creates DATABASE_USER with database `kratos`; an init script adds `hydra`, owned by the same user.
 * Both run only when the data directory is first initialised.
 */
export function singleSignOnDatabase(component: Component<any>, props: SingleSignOnDatabaseProps): HelmApp {
  new ReferenceSecret(component, 'DatabaseSecret', {
    name: DATABASE_SECRET,
    namespace: component.namespace,
    references: {
      [ADMIN_PASSWORD_KEY]: props.secret.ref(props.adminPasswordKey),
      [DATABASE_PASSWORD_KEY]: props.secret.ref(props.userPasswordKey),
    },
  });

  return backingService(component, {
    name: Releases.DATABASE,
    kind: BackingServiceKind.POSTGRES,
    backupSet: props.backupSet,
    storage: '2Gi',
    values: {
      auth: { existingSecret: DATABASE_SECRET, secretKeys: { adminPasswordKey: ADMIN_PASSWORD_KEY } },
      customUser: {
        name: DATABASE_USER,
        database: Databases.KRATOS,
        existingSecret: DATABASE_SECRET,
        // Empty keys make the chart use the literal name and database above; only the password is read.
        secretKeys: { name: '', database: '', password: DATABASE_PASSWORD_KEY },
      },
      initdb: {
        scripts: {
          // Runs after the chart's 00-init-custom-user.sh; `$VAR` (no braces) is left alone by Flux.
          '10-hydra-database.sh': [
            '#!/bin/sh',
            'set -eu',
            `psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --command 'CREATE DATABASE ${Databases.HYDRA} OWNER ${DATABASE_USER}'`,
            '',
          ].join('\n'),
        },
      },
      // Named: volume claim templates are immutable, and existing clusters' claims name it.
      persistence: { storageClass: STORAGE_CLASS_NAME },
    },
    resources: {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '512Mi' },
    },
  });
}
