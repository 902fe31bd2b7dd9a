import { CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, CLUSTER_VARIABLES_SECRET, deriveVariables, SECRET_VARIABLE_NAMES } from '../../constructs/cluster-variables';
import { GeneratedSecret } from '../../constructs/generated-secret';

/** What the constructs declare that the tree itself cannot show. */
export interface ValidationContext {
  /** Variables of the cluster-variables Secret (`.flux.env`). */
  readonly clusterVariables: readonly string[];
  /** Secrets Kustomizations may substitute from, and their keys: the cluster variables and every generated secret. */
  readonly substitutionSecrets: ReadonlyMap<string, readonly string[]>;
  /** A realistic value per variable, substituted before schema validation as Flux would. */
  readonly examples: ReadonlyMap<string, string>;
}

/** Stands in for a generated value (passwords, keys) in schema validation. */
export const GENERATED_EXAMPLE = 'generated0value';

/** Every variable of the cluster-variables Secret at its documented example. */
function exampleValues(): Record<string, string> {
  const examples = Object.fromEntries(CLUSTER_VARIABLE_NAMES.map((name) => [name, CLUSTER_VARIABLES[name].example]));
  return { ...examples, ...deriveVariables(examples) };
}

/** The context of a construct tree: its generated secrets plus the cluster variables. */
export function contextOf(generatedSecrets: readonly GeneratedSecret[]): ValidationContext {
  return {
    clusterVariables: SECRET_VARIABLE_NAMES,
    substitutionSecrets: new Map<string, readonly string[]>([
      [CLUSTER_VARIABLES_SECRET, SECRET_VARIABLE_NAMES],
      ...generatedSecrets.map((s): [string, string[]] => [s.name, Object.keys(s.keys)]),
    ]),
    examples: new Map<string, string>([
      ...generatedSecrets.flatMap((s) => Object.keys(s.keys).map((k): [string, string] => [k, GENERATED_EXAMPLE])),
      ...Object.entries(exampleValues()),
    ]),
  };
}
