import { QUOTE_VARIABLE } from '../../constructs/cluster-variables';
import { describe, SUBSTITUTE_ANNOTATION } from '../../constructs/tree-writer';
import { ValidationContext } from './context';
import { BuiltDirectories } from './kustomize';
import { LoadedTree, objectsOf, treeDirectory } from './load';
import { Problem } from './problem';

/** `${...}`, with the `$` that escapes it (`$${...}`) captured. */
const REFERENCE = /(\$?)\$\{([^}]*)\}/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(:=[^}]*)?$/;

/**
 * Flux substitutes strictly: a `${var}` that no source defines and that has no `:=` default fails
 * the whole Kustomization. Checks the build output of every directory a substituting
 * Kustomization applies against the variables that Kustomization can see.
 */
export function checkSubstitution(tree: LoadedTree, built: BuiltDirectories, context: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  for (const k of objectsOf(tree, 'kustomize.toolkit.fluxcd.io', 'Kustomization')) {
    const postBuild = k.manifest.spec?.postBuild;
    const dir = typeof k.manifest.spec?.path === 'string' ? treeDirectory(k.manifest.spec.path) : undefined;
    const output = dir === undefined ? undefined : built.get(dir);
    if (!postBuild || output === undefined) continue;
    const secrets: string[] = (postBuild.substituteFrom ?? []).map((s: any) => s.name);
    const allowed = new Set<string>([
      ...Object.keys(postBuild.substitute ?? {}),
      ...secrets.flatMap((name) => context.substitutionSecrets.get(name) ?? []),
    ]);
    for (const manifest of output) {
      if (manifest.metadata?.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled') continue;
      const id = describe(manifest);
      const file = tree.objects.find((o) => o.id === id && o.file.startsWith(`${dir}/`))?.file ?? `${dir}/kustomization.yaml`;
      visitStrings(manifest, '', (text, field) => {
        for (const match of text.matchAll(REFERENCE)) {
          if (match[1] === '$') continue;
          const variable = VARIABLE.exec(match[2]);
          if (variable && (variable[2] !== undefined || allowed.has(variable[1]))) continue;
          problems.push({
            file,
            object: id,
            field,
            message: `\${${match[2]}} is not a cluster variable or a key of a secret Kustomization ${k.manifest.metadata?.name} substitutes from (${secrets.join(', ') || 'none'}) and has no := default; Flux would fail the whole Kustomization. Declare it, or escape a literal as $\${${match[2]}}`,
          });
        }
      });
    }
  }
  return problems;
}

/** Directories that a Kustomization applies with post-build substitution. */
export function substitutedDirectories(tree: LoadedTree): Set<string> {
  return new Set(objectsOf(tree, 'kustomize.toolkit.fluxcd.io', 'Kustomization')
    .filter((k) => k.manifest.spec?.postBuild && typeof k.manifest.spec.path === 'string')
    .map((k) => treeDirectory(k.manifest.spec.path))
    .filter((dir): dir is string => dir !== undefined));
}

/**
 * The object as Flux applies it: every `${var:=default}` replaced by its default, every other
 * `${var}` by an example value, `$${...}` un-escaped. Objects that opt out stay as they are.
 */
export function substituteExamples(manifest: any, context: ValidationContext): any {
  if (manifest?.metadata?.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled') return manifest;
  const replace = (text: string): string => text.replace(REFERENCE, (whole, escape: string, body: string) => {
    if (escape === '$') return whole.slice(1);
    const variable = VARIABLE.exec(body);
    if (!variable) return whole;
    // `${quote}` is YAML syntax around a value (QUOTE_VARIABLE), not part of it.
    if (variable[1] === QUOTE_VARIABLE) return '';
    return variable[2] !== undefined ? variable[2].slice(2) : context.examples.get(variable[1]) ?? whole;
  });
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return replace(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), walk(v)]));
    return value;
  };
  return walk(manifest);
}

/** Calls `visit` on every string, keys included (Flux substitutes the whole YAML text). */
function visitStrings(value: unknown, field: string, visit: (text: string, field: string) => void): void {
  if (typeof value === 'string') visit(value, field || '.');
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, `${field}[${i}]`, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const child = field ? `${field}.${k}` : k;
      visit(k, child);
      visitStrings(v, child, visit);
    }
  }
}
