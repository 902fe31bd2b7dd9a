import { isDeepStrictEqual } from 'util';
import { parse } from 'yaml';
import { LoadedTree } from '../validation/load';

/** One changed field: its path (`spec.chart.spec.version`) and both values (undefined: absent). */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ObjectChange {
  /** `Kind namespace/name`. */
  readonly id: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For `changed`: every leaf that differs, in path order. */
  readonly fields: readonly FieldChange[];
}

/** The objects of a tree by `Kind namespace/name` (a duplicate id keeps its file, so none is lost). */
export function objectsById(tree: LoadedTree): Map<string, any> {
  const byId = new Map<string, any>();
  for (const o of tree.objects) byId.set(byId.has(o.id) ? `${o.id} (${o.file})` : o.id, o.manifest);
  return byId;
}

/** Objects added, removed and changed between two trees, sorted by id; files and ordering do not count. */
export function diffObjects(before: ReadonlyMap<string, any>, after: ReadonlyMap<string, any>): ObjectChange[] {
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: ObjectChange[] = [];
  for (const id of ids) {
    if (!after.has(id)) changes.push({ id, change: 'removed', fields: [] });
    else if (!before.has(id)) changes.push({ id, change: 'added', fields: [] });
    else {
      const fields: FieldChange[] = [];
      diffValues(before.get(id), after.get(id), '', fields);
      if (fields.length > 0) changes.push({ id, change: 'changed', fields });
    }
  }
  return changes;
}

function diffValues(a: unknown, b: unknown, at: string, out: FieldChange[]): void {
  if (isDeepStrictEqual(a, b)) return;
  if (isMapping(a) && isMapping(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffValues(a[key], b[key], join(at, key), out);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    diffLists(a, b, at, out);
  } else if (typeof a === 'string' && typeof b === 'string' && (a.includes('\n') || b.includes('\n'))) {
    diffText(a, b, at, out);
  } else {
    out.push({ path: at, before: a, after: b });
  }
}

/**
 * Lists of named items (containers, dependsOn, env; `valuesFrom` by kind and name) by name, other
 * lists by position when equally long.
 */
function diffLists(a: unknown[], b: unknown[], at: string, out: FieldChange[]): void {
  const names = (list: unknown[]): string[] | undefined => {
    const found = list.map((item) => (isMapping(item) && typeof item.name === 'string'
      ? (typeof item.kind === 'string' ? `${item.kind} ${item.name}` : item.name)
      : undefined));
    return found.every((n): n is string => n !== undefined) && new Set(found).size === found.length ? found : undefined;
  };
  const [namesA, namesB] = [names(a), names(b)];
  if (namesA && namesB) {
    for (const name of [...new Set([...namesA, ...namesB])]) {
      diffValues(a[namesA.indexOf(name)], b[namesB.indexOf(name)], `${at}[${name}]`, out);
    }
  } else if (a.every(isScalar) && b.every(isScalar)) {
    diffScalarLists(a, b, at, out);
  } else if (a.length === b.length) {
    a.forEach((item, i) => diffValues(item, b[i], `${at}[${i}]`, out));
  } else {
    out.push({ path: at, before: a, after: b });
  }
}

/** The elements of `list` that `other` lacks, counting repeats. */
function without(list: unknown[], other: unknown[]): unknown[] {
  const left = new Map<string, number>();
  for (const value of other) left.set(JSON.stringify(value), (left.get(JSON.stringify(value)) ?? 0) + 1);
  return list.filter((value) => {
    const n = left.get(JSON.stringify(value)) ?? 0;
    left.set(JSON.stringify(value), n - 1);
    return n <= 0;
  });
}

const isScalar = (value: unknown): boolean => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/**
 * Lists of plain values (resourceNames, args) as the elements removed and added, one line each, so
 * a long list's change stays visible (`rules[0].resourceNames[+] "stackspin-hedgedoc-variables"`).
 * Equally long lists that differ only in order compare by position.
 */
function diffScalarLists(a: unknown[], b: unknown[], at: string, out: FieldChange[]): void {
  const removed = without(a, b);
  const added = without(b, a);
  if (removed.length === 0 && added.length === 0) {
    a.forEach((item, i) => diffValues(item, b[i], `${at}[${i}]`, out));
    return;
  }
  for (const value of removed) out.push({ path: `${at}[-]`, before: value, after: undefined });
  for (const value of added) out.push({ path: `${at}[+]`, before: undefined, after: value });
}

/** Embedded YAML (Helm values in a ConfigMap) field by field; other text line by line. */
function diffText(a: string, b: string, at: string, out: FieldChange[]): void {
  const [yamlA, yamlB] = [parseYaml(a), parseYaml(b)];
  if (isMapping(yamlA) && isMapping(yamlB)) {
    diffValues(yamlA, yamlB, at, out);
    return;
  }
  const [linesA, linesB] = [a.split('\n'), b.split('\n')];
  for (let i = 0; i < Math.max(linesA.length, linesB.length); i++) {
    if (linesA[i] !== linesB[i]) out.push({ path: `${at} line ${i + 1}`, before: linesA[i], after: linesB[i] });
  }
}

function parseYaml(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(at: string, key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return `${at}[${key}]`;
  return at === '' ? key : `${at}.${key}`;
}
