/**
 * Flux post-build substitution, as kustomize-controller does it in strict mode (Flux 2.9):
 * `${var}` is replaced or, when the variable is missing, an error; `${var:=default}` and
 * `${var:-default}` fall back to the default; `$${var}` is an escape that leaves `${var}`.
 */

const REFERENCE = /(\$?)\$\{([^}]*)\}/g;
const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])(.*))?$/s;

export interface Substituted {
  readonly text: string;
  /** Variables with neither a value nor a default, in order of appearance. */
  readonly missing: readonly string[];
  /** Variables whose value was substituted, in order of appearance. */
  readonly used: readonly string[];
  /** Expressions that are not `name` or `name:=default`. */
  readonly malformed: readonly string[];
}

export function envsubst(text: string, variables: ReadonlyMap<string, string>): Substituted {
  const missing: string[] = [];
  const used: string[] = [];
  const malformed: string[] = [];
  const out = text.replace(REFERENCE, (whole, escape: string, inner: string) => {
    if (escape === '$') return whole.slice(1);
    const expression = EXPRESSION.exec(inner);
    if (!expression) {
      malformed.push(inner);
      return whole;
    }
    const [, name, operator, fallback] = expression;
    const value = variables.get(name);
    // `:=` / `:-` also replace an empty value; `=` / `-` only a missing one.
    if (value !== undefined && !(value === '' && operator?.startsWith(':'))) {
      used.push(name);
      return value;
    }
    if (operator !== undefined) return fallback;
    missing.push(name);
    return whole;
  });
  return { text: out, missing, used, malformed };
}
