import { withQuote } from '../../scripts/plan/cluster-input';
import { envsubst } from '../../scripts/plan/envsubst';

/**
 * Flux post-build substitution as kustomize-controller applies it to an object's YAML text (the
 * plan tool's implementation), throwing where Flux's strict substitution fails the Kustomization:
 * on a variable without value or default, or an expression it does not support.
 */
export function fluxSubstitute(text: string, variables: Readonly<Record<string, string>>): string {
  // Every substituting Kustomization defines `quote` (QUOTE_VARIABLE).
  const result = envsubst(text, withQuote(new Map(Object.entries(variables))));
  if (result.malformed.length > 0) throw new Error(`unsupported substitution \${${result.malformed[0]}}`);
  if (result.missing.length > 0) throw new Error(`variable ${result.missing[0]} is not set and has no default`);
  return result.text;
}
