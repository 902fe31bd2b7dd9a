import { Construct } from 'constructs';
import { checkName, FLUX_NAMESPACE } from './flux-source';

/**
 * How a generated value is made. The in-cluster generator (`constructs/secret-generator.sh`)
 * implements each; neither alphabet has `"` or `$`, which would break substitution.
 */
export enum Generator {
  /** 32 random alphanumeric characters. */
  PASSWORD = 'password',
  /** 64 random hex characters (keys, cookie and system secrets). */
  HEX_KEY = 'hex-key',
}

/** What each generator's values look like. */
export const GENERATOR_SHAPES: Readonly<Record<Generator, RegExp>> = {
  [Generator.PASSWORD]: /^[A-Za-z0-9]{32}$/,
  [Generator.HEX_KEY]: /^[0-9a-f]{64}$/,
};

/**
 * A fixed value of a generator's shape, for tools that render the tree without a cluster
 * (plans, chart rendering). Never a real secret: it is the same everywhere.
 */
export function exampleValue(generator: Generator): string {
  switch (generator) {
    case Generator.PASSWORD: return 'Example0Password0Of32Characters0';
    case Generator.HEX_KEY: return '0123456789abcdef'.repeat(4);
  }
}

/**
 * The label of the ConfigMap that declares a generated Secret's keys in the tree (value: the
 * Secret's name). Each data entry is a key and the name of its generator.
 */
export const DECLARES_SECRET_LABEL = 'stackspin.net/declares-secret';

export interface GeneratedKey {
  readonly generator: Generator;
}

export interface GeneratedSecretProps {
  /** Secret name in `flux-system`; by convention `stackspin-<app>-variables`. */
  readonly name: string;
  /** Keys and how to generate them. Key names are substitution variables, so prefix them with the app. */
  readonly keys: Readonly<Record<string, GeneratedKey>>;
}

const KEY = /^[a-z][a-z0-9_]*$/;

/**
 * A Secret whose values the tree never contains: the cluster generates them (new keys added,
 * existing values never touched) and Flux post-build substitution reads them. This construct
 * declares it; the platform's secret generator writes the declaration into the tree and fills
 * the Secret in the cluster.
 */
export class GeneratedSecret extends Construct {
  /** Every generated secret declared in a construct tree, sorted by name. */
  public static all(root: Construct): GeneratedSecret[] {
    return root.node.findAll().filter((c): c is GeneratedSecret => c instanceof GeneratedSecret)
      .sort((a, b) => a.name.localeCompare(b.name));
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
      if (!Object.values(Generator).includes(spec.generator)) {
        throw new Error(`GeneratedSecret ${props.name}: key '${key}' has generator '${String(spec.generator)}'; use one of ${Object.values(Generator).join(', ')}`);
      }
    }
    this.keys = props.keys;
  }

  /** The declaration the tree carries: key -> generator name, sorted by key. */
  public get declaration(): Record<string, string> {
    return Object.fromEntries(Object.keys(this.keys).sort().map((key) => [key, this.keys[key].generator]));
  }

  /** The substitution reference for one key, e.g. `${nextcloud_admin_password}`. */
  public ref(key: string): string {
    if (this.keys[key] === undefined) {
      throw new Error(`GeneratedSecret ${this.name} has no key '${key}'; declare it in keys (${Object.keys(this.keys).join(', ')})`);
    }
    return `\${${key}}`;
  }
}
