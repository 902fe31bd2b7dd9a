import { CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, ClusterVariableName, deriveVariables, QUOTE_VALUE, QUOTE_VARIABLE } from '../../constructs/cluster-variables';

/** Stands in for every generated value; the plan needs the keys to exist, not their values. */
export const GENERATED_PLACEHOLDER = 'generated0value';

/** What one cluster has besides the tree: its variables, generated secrets and enabled apps. */
export interface ClusterInput {
  /** What the `stackspin-cluster-variables` Secret holds. */
  readonly variables: ReadonlyMap<string, string>;
  /**
   * Generated secrets in flux-system that exist before Flux applies the tree, and their keys
   * (values are placeholders): none on a fresh cluster; on one bootstrapped at an older revision,
   * what that revision generated. The tree's declarations add the keys the in-cluster generator
   * creates.
   */
  readonly generatedSecrets: ReadonlyMap<string, readonly string[]>;
  /** Optional apps enabled with `install-app.sh`, each applied as Kustomization `add-<app>`. */
  readonly apps: readonly string[];
  /** Where this input came from, for the report's first line. */
  readonly description: string;
}

/** Operator variables plus what bootstrap derives from them (scripts/flux-env.ts secret). */
export function withDerived(variables: ReadonlyMap<string, string>): Map<string, string> {
  const operator = Object.fromEntries([...variables].filter(([name]) => name in CLUSTER_VARIABLES)) as Partial<Record<ClusterVariableName, string>>;
  return new Map([...variables, ...Object.entries(deriveVariables(operator))]);
}

/** Variables plus the `quote` every substituting Kustomization defines, for substituting the tree's files outside Flux. */
export function withQuote(variables: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...variables, [QUOTE_VARIABLE, QUOTE_VALUE]]);
}

/** The apps of an `enabled_apps` value, e.g. `nextcloud,zulip`. */
export function enabledApps(variables: ReadonlyMap<string, string>): string[] {
  return (variables.get('enabled_apps') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
}

/** Every cluster variable set to its documented example (except `enabled_apps`), and the derived ones. */
export function exampleVariables(): Map<string, string> {
  return withDerived(new Map(CLUSTER_VARIABLE_NAMES.filter((name) => name !== 'enabled_apps').map((name) => [name, CLUSTER_VARIABLES[name].example])));
}
