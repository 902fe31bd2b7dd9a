import { DECLARES_SECRET_LABEL, exampleValue, Generator } from '../../constructs/generated-secret';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { describe } from '../../constructs/tree-writer';
import { PlanProblem } from './model';

/**
 * A generated Secret as a tree declares it, read from the tree alone: a ConfigMap in flux-system
 * labelled `stackspin.net/declares-secret: <secret>`, one entry per key naming its generator.
 * The cluster's generator Job creates the keys a Secret lacks.
 */
export interface SecretDeclaration {
  readonly secret: string;
  /** Key -> generator name. */
  readonly keys: ReadonlyMap<string, string>;
  /** `ConfigMap flux-system/<name>`: the declaring object. */
  readonly id: string;
}

/** The declarations among a tree's manifests, by Secret name. */
export function secretDeclarations(manifests: Iterable<any>): Map<string, SecretDeclaration> {
  const found = new Map<string, SecretDeclaration>();
  for (const m of manifests) {
    const secret = m?.metadata?.labels?.[DECLARES_SECRET_LABEL];
    if (m?.kind !== 'ConfigMap' || m.apiVersion !== 'v1' || m.metadata?.namespace !== FLUX_NAMESPACE || typeof secret !== 'string') continue;
    found.set(secret, { secret, keys: new Map(Object.entries(m.data ?? {}).map(([k, v]) => [k, String(v)])), id: describe(m) });
  }
  return found;
}

/** Problems the generator would hit: a declared Secret declared twice, a generator it does not know. */
export function checkDeclarations(manifests: Iterable<any>): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const seen = new Map<string, string>();
  const known = Object.values(Generator) as string[];
  for (const m of manifests) {
    const secret = m?.metadata?.labels?.[DECLARES_SECRET_LABEL];
    if (m?.kind !== 'ConfigMap' || typeof secret !== 'string') continue;
    const id = describe(m);
    if (m.metadata?.namespace !== FLUX_NAMESPACE) {
      problems.push({ object: id, message: `declares generated secret ${secret} outside ${FLUX_NAMESPACE}, where the generator never looks; move it to ${FLUX_NAMESPACE}` });
      continue;
    }
    const other = seen.get(secret);
    if (other !== undefined) problems.push({ object: id, message: `declares generated secret ${secret}, which ${other} declares too; keep one declaration` });
    seen.set(secret, id);
    for (const [key, generator] of Object.entries(m.data ?? {})) {
      if (!known.includes(String(generator))) {
        problems.push({ object: id, message: `declares key ${key} with generator '${String(generator)}', which the generator does not know; use one of ${known.join(', ')}` });
      }
    }
  }
  return problems;
}

/** A value of a declared generator's shape; an unknown generator gets the plan's placeholder. */
export function declaredExample(generator: string, placeholder: string): string {
  return (Object.values(Generator) as string[]).includes(generator) ? exampleValue(generator as Generator) : placeholder;
}
