import { Construct } from 'constructs';
import { checkName, FLUX_NAMESPACE } from './flux-source';

/** How a generated value is made; the secret generator (`scripts/secrets.ts`) implements each. */
export enum Generator {
  /** 32 random alphanumeric characters. */
  PASSWORD = 'password',
  /** 64 random hex characters (keys, cookie and system secrets). */
  HEX_KEY = 'hex-key',
  /** An htpasswd line `admin:<bcrypt>` for the key named in `from`, for basic auth. */
  HTPASSWD = 'htpasswd',
}

export interface GeneratedKey {
  readonly generator: Generator;
  /** For HTPASSWD: the key whose password is hashed. */
  readonly from?: string;
}

export interface GeneratedSecretProps {
  /** Secret name in `flux-system`; by convention `stackspin-<app>-variables`. */
  readonly name: string;
  /** Keys and how to generate them. Key names are substitution variables, so prefix them with the app. */
  readonly keys: Readonly<Record<string, GeneratedKey>>;
}

const KEY = /^[a-z][a-z0-9_]*$/;

/**
 * A Secret the tree never contains: generated in the cluster on first install (new keys added,
 * existing values never touched) and read by Flux post-build substitution. This construct only
 * declares it, so Kustomizations can substitute from it and the generator knows what to create.
 */
export class GeneratedSecret extends Construct {
  /** Every generated secret declared in a construct tree, for the secret generator. */
  public static all(root: Construct): GeneratedSecret[] {
    return root.node.findAll().filter((c): c is GeneratedSecret => c instanceof GeneratedSecret);
  }

  public readonly name: string;
  public readonly namespace = FLUX_NAMESPACE;
  public readonly keys: Readonly<Record<string, GeneratedKey>>;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    this.name = checkName('GeneratedSecret name', props.name);
    for (const [key, spec] of Object.entries(props.keys)) {
      if (!KEY.test(key)) {
        throw new Error(`GeneratedSecret ${props.name}: key '${key}' must be snake_case like nextcloud_admin_password (it is a substitution variable)`);
      }
      if (spec.generator === Generator.HTPASSWD && (spec.from === undefined || props.keys[spec.from] === undefined)) {
        throw new Error(`GeneratedSecret ${props.name}: key '${key}' hashes 'from: ${spec.from}', which is not a key of this secret; add it or fix 'from'`);
      }
    }
    this.keys = props.keys;
  }

  /** The substitution reference for one key, e.g. `${nextcloud_admin_password}`. */
  public ref(key: string): string {
    if (this.keys[key] === undefined) {
      throw new Error(`GeneratedSecret ${this.name} has no key '${key}'; declare it in keys (${Object.keys(this.keys).join(', ')})`);
    }
    return `\${${key}}`;
  }
}
