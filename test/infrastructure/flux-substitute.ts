/**
 * Flux post-build substitution as kustomize-controller applies it to an object's YAML text:
 * `${var}` takes the variable, `${var:=default}` the variable or, when unset or empty, the
 * default, and `$${...}` is un-escaped. Any other form, or a variable without value or default,
 * throws, as Flux's strict substitution fails the Kustomization.
 */
export function fluxSubstitute(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(/(\$?)\$\{([^}]*)\}/g, (whole, escape: string, body: string) => {
    if (escape === '$') return whole.slice(1);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?$/.exec(body);
    if (!match) throw new Error(`unsupported substitution \${${body}}`);
    const [, name, fallback] = match;
    const value = variables[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`variable ${name} is not set and has no default`);
  });
}
