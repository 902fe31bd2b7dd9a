import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkName } from './flux-source';

/** Secret types the tree writes (the type of a Secret cannot change once it exists). */
export enum SecretType {
  OPAQUE = 'Opaque',
  /** Keys `username` and `password`, e.g. for Traefik's basicAuth. */
  BASIC_AUTH = 'kubernetes.io/basic-auth',
}

/** `${name}` or `${name:=default}`: a value Flux substitutes in the cluster. */
const SUBSTITUTION_REFERENCE = /^\$\{[a-z][a-z0-9_]*(:=[^}]*)?\}$/;

/** Whether a value is exactly one substitution reference, so committing it commits no secret. */
export function isSubstitutionReference(value: string): boolean {
  return SUBSTITUTION_REFERENCE.test(value);
}

export interface ReferenceSecretProps {
  /** Secret name. */
  readonly name: string;
  readonly namespace: string;
  /** Keys and their values, each a reference: `secret.ref('key')` or a sensitive `vars.*`. @default none */
  readonly references?: Readonly<Record<string, string>>;
  /** Keys whose values are not secret (a client ID), committed as they are. @default none */
  readonly plain?: Readonly<Record<string, string>>;
  /**
   * Keys whose values embed references in text that is not secret (a password file line
   * `user:${password}`): the text is committed, Flux substitutes the references. @default none
   */
  readonly composed?: Readonly<Record<string, string>>;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Immutable once the Secret exists: a new type needs a new name. @default SecretType.OPAQUE */
  readonly type?: SecretType;
}

/**
 * A Secret the tree may commit because it holds no secret: every value is a reference that Flux
 * substitutes from a generated secret or the cluster variables. It is how generated values reach
 * a namespace other than `flux-system`.
 */
export class ReferenceSecret extends Construct {
  public readonly name: string;
  /** The keys committed with literal, non-secret text: `plain` and the text around `composed` references. */
  public readonly literalKeys: readonly string[];

  constructor(scope: Construct, id: string, props: ReferenceSecretProps) {
    super(scope, id);
    this.name = checkName('ReferenceSecret name', props.name);
    for (const [key, value] of Object.entries(props.references ?? {})) {
      if (!isSubstitutionReference(value)) {
        throw new Error(`ReferenceSecret ${props.name}: references.${key} is not a substitution reference; use secret.ref('key') or a vars.* value, and put non-secret values in plain (the value is not shown: it may be a secret)`);
      }
    }
    for (const [key, value] of Object.entries(props.composed ?? {})) {
      if (!/\$\{[a-z][a-z0-9_]*(:=[^}]*)?\}/.test(value)) {
        throw new Error(`ReferenceSecret ${props.name}: composed.${key} holds no substitution reference; put literal values in plain`);
      }
    }
    this.literalKeys = [...Object.keys(props.plain ?? {}), ...Object.keys(props.composed ?? {})];
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: props.namespace, labels: props.labels },
      type: props.type ?? SecretType.OPAQUE,
      stringData: { ...props.plain, ...props.composed, ...props.references },
    } as any);
  }
}
