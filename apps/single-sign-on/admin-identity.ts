import { ApiObject } from 'cdk8s';
import { imageRef } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { Component } from '../../constructs/component';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { ReferenceSecret } from '../../constructs/reference-secret';
import { escapeSubstitution } from '../../constructs/tree-writer';
import { Internal } from './endpoints';
import { IDENTITY_SCHEMA_ID } from './identity-schema';

/** The Job and the Secret with the administrator's password (in the component's namespace). */
export const ADMIN_JOB = 'single-sign-on-admin';
export const ADMIN_SECRET = 'single-sign-on-admin';

/** The curl image's own user (curl_user). */
const CURL_UID = 100;

/** The admin-only metadata that marks a user as an administrator (token-hook.ts reads it). */
export const ADMIN_METADATA = '{"admin":true}';

/**
 * POSIX sh for the curl image (busybox ash). It waits for Kratos's admin API, then creates the
 * administrator, flagged admin, unless an identity with that login exists: safe to re-run, never
 * changes a password. An existing administrator that has no admin-only metadata yet (created
 * before the flag existed) gets the flag; metadata that is there, a revoked flag included, is
 * left alone. The password goes to curl on standard input, not on its command line. There are
 * no pipelines, so `set -eu` is enough. Kratos writes compact JSON with an identity's own id
 * first, which is all the parsing relies on.
 */
export const ADMIN_SCRIPT = `set -eu

wait_for_kratos() {
  tries=0
  until curl -fsS -o /dev/null "$KRATOS_ADMIN_URL/admin/health/ready"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      echo "Kratos's admin API at $KRATOS_ADMIN_URL is not ready after 10 minutes" >&2
      exit 1
    fi
    sleep 10
  done
}

find_admin() {
  curl -fsS -G "$KRATOS_ADMIN_URL/admin/identities" --data-urlencode "credentials_identifier=$ADMIN_EMAIL" || {
    echo "could not list identities at $KRATOS_ADMIN_URL" >&2
    exit 1
  }
}

create_admin() {
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @- "$KRATOS_ADMIN_URL/admin/identities" <<EOF
{"schema_id":"${IDENTITY_SCHEMA_ID}","state":"active","traits":{"email":"$ADMIN_EMAIL","name":"Administrator"},"metadata_admin":${ADMIN_METADATA},"credentials":{"password":{"config":{"password":"$ADMIN_PASSWORD"}}},"verifiable_addresses":[{"value":"$ADMIN_EMAIL","via":"email","verified":true,"status":"completed"}]}
EOF
}

flag_admin() {
  curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/json' --data-binary @- "$KRATOS_ADMIN_URL/admin/identities/$1" <<EOF
[{"op":"add","path":"/metadata_admin","value":${ADMIN_METADATA}}]
EOF
}

main() {
  wait_for_kratos
  found=$(find_admin)
  case "$found" in
    *'"id"'*) ;;
    *)
      create_admin
      echo "Created the administrator $ADMIN_EMAIL, flagged admin"
      return 0
      ;;
  esac
  case "$found" in
    *'"metadata_admin":{'*)
      echo "The administrator $ADMIN_EMAIL exists; nothing to do"
      ;;
    *)
      id=$(printf '%s' "$found" | sed -n 's/^[^{]*{"id":"\\([0-9a-f-]*\\)".*/\\1/p')
      [ -n "$id" ] || { echo "the identity list for $ADMIN_EMAIL has no id" >&2; exit 1; }
      flag_admin "$id"
      echo "The administrator $ADMIN_EMAIL exists; flagged admin"
      ;;
  esac
}

main
`;

export interface AdminIdentityProps {
  /** The component's generated secret. */
  readonly secret: GeneratedSecret;
  /** Its key with the administrator's password (`admin-credentials` prints it). */
  readonly passwordKey: string;
}

/**
 * The initial administrator: login `${admin_email}`, password from the generated secret, flagged
 * admin. Flux re-creates the Job when its spec changes (Jobs are immutable), and the script is
 * idempotent.
 */
export function adminIdentity(component: Component<any>, props: AdminIdentityProps): void {
  new ReferenceSecret(component, 'AdminSecret', {
    name: ADMIN_SECRET,
    namespace: component.namespace,
    references: { password: props.secret.ref(props.passwordKey) },
  });

  new ApiObject(component, 'AdminJob', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: ADMIN_JOB,
      namespace: component.namespace,
      annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' },
    },
    spec: {
      backoffLimit: 10,
      template: {
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: CURL_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'create-admin',
            image: imageRef('curl'),
            command: ['/bin/sh', '-c', escapeSubstitution(ADMIN_SCRIPT)],
            env: [
              { name: 'KRATOS_ADMIN_URL', value: Internal.KRATOS_ADMIN },
              { name: 'ADMIN_EMAIL', value: vars.admin_email },
              { name: 'ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: ADMIN_SECRET, key: 'password' } } },
            ],
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  } as any);
}
