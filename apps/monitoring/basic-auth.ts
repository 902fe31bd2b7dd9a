import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkName } from '../../constructs/flux-source';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { ReferenceSecret } from '../../constructs/reference-secret';

/** The Ingress annotation that chains Traefik middlewares in front of a router. */
export const TRAEFIK_MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

export interface BasicAuthProps {
  /** What is protected, e.g. `prometheus`; prefixes the object names. */
  readonly name: string;
  /** Namespace of the Ingress that uses the middleware. */
  readonly namespace: string;
  /** The generated secret holding both keys. */
  readonly secret: GeneratedSecret;
  /** Key of `secret` with the plain password operators log in with. */
  readonly passwordKey: string;
  /** Key of `secret` with the htpasswd line hashed from `passwordKey` (generator HTPASSWD). */
  readonly htpasswdKey: string;
}

/**
 * A Traefik basicAuth Middleware for user `admin`, and the Secrets it and operators read:
 * `stackspin-<name>-basic-auth` with key `pass` (the name and key the documents read the password
 * from) and `<name>-basic-auth-users` with the htpasswd line. Traefik refuses a secret with more
 * than one key and then leaves the route unprotected, so the hash gets a Secret of its own.
 */
export class TraefikBasicAuth extends Construct {
  public readonly middlewareName: string;
  /** The Secret operators read the password from (key `pass`). */
  public readonly passwordSecretName: string;
  /** What the router-middlewares annotation names: `<namespace>-<middleware>@kubernetescrd`. */
  public readonly middlewareReference: string;

  constructor(scope: Construct, id: string, props: BasicAuthProps) {
    super(scope, id);
    const htpasswd = props.secret.keys[props.htpasswdKey];
    if (htpasswd?.generator !== Generator.HTPASSWD || htpasswd.from !== props.passwordKey) {
      throw new Error(`TraefikBasicAuth ${props.name}: htpasswdKey '${props.htpasswdKey}' must be a key of ${props.secret.name} with generator HTPASSWD and from: '${props.passwordKey}' (the passwordKey); declare it so`);
    }
    this.middlewareName = checkName('TraefikBasicAuth name', `${props.name}-basic-auth`);
    this.passwordSecretName = `stackspin-${this.middlewareName}`;
    this.middlewareReference = `${props.namespace}-${this.middlewareName}@kubernetescrd`;
    const usersSecretName = `${this.middlewareName}-users`;

    new ReferenceSecret(this, 'PasswordSecret', {
      name: this.passwordSecretName,
      namespace: props.namespace,
      references: { pass: props.secret.ref(props.passwordKey) },
    });
    new ReferenceSecret(this, 'UsersSecret', {
      name: usersSecretName,
      namespace: props.namespace,
      references: { users: props.secret.ref(props.htpasswdKey) },
    });
    new ApiObject(this, 'Middleware', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: this.middlewareName, namespace: props.namespace },
      spec: { basicAuth: { secret: usersSecretName, removeHeader: true } },
    } as any);
  }
}
