import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkName } from '../../constructs/flux-source';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { ReferenceSecret, SecretType } from '../../constructs/reference-secret';

/** The Ingress annotation that chains Traefik middlewares in front of a router. */
export const TRAEFIK_MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

/** The user name of every basic auth. */
export const BASIC_AUTH_USER = 'admin';

export interface BasicAuthProps {
  /** What is protected, e.g. `prometheus`; prefixes the object names. */
  readonly name: string;
  /** Namespace of the Ingress that uses the middleware. */
  readonly namespace: string;
  /** The generated secret holding the password. */
  readonly secret: GeneratedSecret;
  /** Key of `secret` with the password operators log in with (generator PASSWORD). */
  readonly passwordKey: string;
}

/**
 * A Traefik basicAuth Middleware for user `admin`, and the Secrets it and operators read:
 * `stackspin-<name>-basic-auth` with key `pass` (the name and key the documents read the password
 * from) and `<name>-basic-auth-credentials` of type `kubernetes.io/basic-auth`, whose plain
 * `username` and `password` Traefik's CRD provider reads and hashes itself
 * (`createBasicAuthMiddleware` in traefik pkg/provider/kubernetes/crd/kubernetes.go), so nothing
 * needs bcrypt to make an htpasswd line.
 */
export class TraefikBasicAuth extends Construct {
  public readonly middlewareName: string;
  /** The Secret operators read the password from (key `pass`). */
  public readonly passwordSecretName: string;
  /** The `kubernetes.io/basic-auth` Secret the Middleware reads. */
  public readonly credentialsSecretName: string;
  /** What the router-middlewares annotation names: `<namespace>-<middleware>@kubernetescrd`. */
  public readonly middlewareReference: string;

  constructor(scope: Construct, id: string, props: BasicAuthProps) {
    super(scope, id);
    const password = props.secret.ref(props.passwordKey);
    if (props.secret.keys[props.passwordKey].generator !== Generator.PASSWORD) {
      throw new Error(`TraefikBasicAuth ${props.name}: passwordKey '${props.passwordKey}' of ${props.secret.name} must have generator PASSWORD (operators type it); declare it so`);
    }
    this.middlewareName = checkName('TraefikBasicAuth name', `${props.name}-basic-auth`);
    this.passwordSecretName = `stackspin-${this.middlewareName}`;
    this.credentialsSecretName = `${this.middlewareName}-credentials`;
    this.middlewareReference = `${props.namespace}-${this.middlewareName}@kubernetescrd`;

    new ReferenceSecret(this, 'PasswordSecret', {
      name: this.passwordSecretName,
      namespace: props.namespace,
      references: { pass: password },
    });
    new ReferenceSecret(this, 'CredentialsSecret', {
      name: this.credentialsSecretName,
      namespace: props.namespace,
      type: SecretType.BASIC_AUTH,
      plain: { username: BASIC_AUTH_USER },
      references: { password },
    });
    new ApiObject(this, 'Middleware', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: this.middlewareName, namespace: props.namespace },
      spec: { basicAuth: { secret: this.credentialsSecretName, removeHeader: true } },
    } as any);
  }
}
