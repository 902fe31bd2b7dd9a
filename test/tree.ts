import { QUOTE_VARIABLE } from '../constructs/cluster-variables';
import { ComponentDefinition } from '../constructs/component';
import { renderTree, RenderedTree } from '../constructs/tree-writer';
import { buildApp } from '../main';
import { parseYaml } from './yaml';

/** One object of a rendered tree, with the file it lives in. */
export interface TreeObject {
  readonly file: string;
  readonly manifest: any;
}

let full: RenderedTree | undefined;

/** The whole platform, rendered once per test file. */
export function fullTree(): RenderedTree {
  full ??= renderTree(buildApp());
  return full;
}

/** Renders only the given components (and what they depend on). */
export function treeOf(...definitions: ComponentDefinition<any>[]): RenderedTree {
  return renderTree(buildApp(definitions));
}

const parsed = new WeakMap<RenderedTree, readonly TreeObject[]>();

/**
 * Every object in a rendered tree, kustomization.yaml files excluded, with its string values as
 * the constructs built them: without the `${quote}` that only makes YAML quote them after
 * substitution (QUOTE_VARIABLE). Parsed once per tree (rule loops call this in every test) and
 * frozen, so a test that changes an object fails instead of changing what the next test reads.
 */
export function objects(tree: RenderedTree = fullTree()): TreeObject[] {
  let found = parsed.get(tree);
  if (!found) {
    found = [...tree.entries()]
      .filter(([file]) => !file.endsWith('/kustomization.yaml'))
      .map(([file, content]) => deepFreeze({ file, manifest: unquoted(parseYaml(content)) }));
    parsed.set(tree, found);
  }
  return [...found];
}

/** A parsed tree object with the `${quote}` wrappers of its strings removed. */
export function unquoted(value: any): any {
  if (typeof value === 'string') return value.split(`\${${QUOTE_VARIABLE}}`).join('');
  if (Array.isArray(value)) return value.map(unquoted);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unquoted(v)]));
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Objects of one kind. */
export function ofKind(kind: string, tree: RenderedTree = fullTree()): TreeObject[] {
  return objects(tree).filter((o) => o.manifest.kind === kind);
}

/** A component's own directory plus the entry file holding its Kustomization, for snapshots. */
export function componentFiles(name: string, tree: RenderedTree = fullTree()): Record<string, string> {
  return Object.fromEntries([...tree.entries()].filter(([file]) =>
    new RegExp(`^(infrastructure|core|apps)/${name}/`).test(file)
    || file === `cluster/core/kustomization-${name}.yaml`
    || file.startsWith(`cluster/optional/${name}/`)));
}
