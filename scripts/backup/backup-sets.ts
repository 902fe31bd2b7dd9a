import * as fs from 'fs';
import * as path from 'path';
import { EXCLUDED_NAMESPACES } from '../../apps/velero/backup-template';
import { BACKUP_SET_LABEL } from '../../constructs/backup-label';
import { parseDocuments } from '../../constructs/yaml-cache';

/**
 * The backup sets of a synthesized tree, read from `dist/flux2` alone (no constructs, no Helm): a
 * backup set is a value of the `stackspin.net/backupSet` label, wherever the tree sets it (a
 * HelmRelease's `commonMetadata` or post-renderer patches, a chart's values, an object of the
 * tree). It belongs to the Flux Kustomization whose directory sets it; restoring it suspends that
 * Kustomization and every HelmRelease of the directory, and selects the label in the namespaces
 * where the tree sets it. `restore-app.sh` reads this through scripts/backup-sets.ts.
 *
 * It loads only the YAML cache validate fills too (constructs/yaml-cache.ts, `yaml` on a miss) and plain
 * constants (not the constructs, not the validator's loader), so the operator scripts start quickly.
 */

/** One object of the tree and the file (under the tree root) it is in. */
export interface TreeFileObject {
  readonly file: string;
  readonly manifest: any;
}

/** A HelmRelease, by namespace and name. */
export interface ReleaseRef {
  readonly namespace: string;
  readonly name: string;
}

export interface BackupSet {
  /** The label's value, and what operators call it (`restore-app.sh <name>`). */
  readonly name: string;
  /** The Flux Kustomization (in flux-system) that applies the directory setting the label. */
  readonly kustomization: string;
  /** Its tree directory, e.g. `apps/zulip`. */
  readonly directory: string;
  /** Whether it is an optional app (its entry is under `cluster/optional/`). */
  readonly optional: boolean;
  /** The namespaces whose objects carry the label. */
  readonly namespaces: readonly string[];
  /** Every HelmRelease of the directory, each after the releases it depends on (resume order). */
  readonly releases: readonly ReleaseRef[];
}

/**
 * What a restore deletes by label before Velero restores: every kind that runs pods (a workload
 * left in place recreates its pods, with empty volumes) and the claims. Services, ConfigMaps,
 * Secrets, Ingresses and accounts stay: they hold no data, Velero skips objects that exist, and
 * the generated Secrets and Helm's release records must survive. (`kubectl delete all` would also
 * delete Services and miss the claims.)
 */
export const RESTORE_DELETES: readonly string[] = [
  'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'cronjobs', 'jobs', 'pods', 'persistentvolumeclaims',
];

/** Where optional apps' entries live (optionalEntry() in constructs/platform.ts; a test keeps them equal). */
export const OPTIONAL_ENTRIES = 'cluster/optional';
/** Where Flux paths point into the tree (TREE_ROOT_IN_REPO of constructs/tree-chart.ts; a test keeps them equal). */
export const TREE_PATH = './dist/flux2';

const HELM_GROUP = 'helm.toolkit.fluxcd.io';
const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

/**
 * What a file must mention to hold anything findBackupSets reads: the label, a Flux Kustomization
 * or a HelmRelease. The scripts parse only those files (most of the tree's text is CRDs), which
 * saves a quarter of a second on every call; a test keeps the sets found equal to a full read.
 */
export const BACKUP_SET_SOURCES = /stackspin\.net\/backupSet|\bKustomization\b|\bHelmRelease\b/;

/**
 * Every object of a synthesized tree (every YAML file but kustomization.yaml), or only those of
 * the files whose text matches `mentioning`. Throws, naming the file, on one that is not YAML,
 * and on a directory that is no synthesized tree.
 */
export function readTree(root: string, mentioning?: RegExp): TreeFileObject[] {
  if (!fs.existsSync(path.join(root, 'cluster', 'core', 'kustomization.yaml'))) {
    throw new Error(`${root} is not a synthesized tree (it has no cluster/core/kustomization.yaml); run the script from a complete checkout, or npm run synth`);
  }
  const objects: TreeFileObject[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else if (/\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml') {
        const text = fs.readFileSync(path.join(root, file), 'utf8');
        if (mentioning !== undefined && !mentioning.test(text)) continue;
        for (const doc of parseDocuments(text)) {
          if (doc.error !== undefined) throw new Error(`${file} is not valid YAML: ${doc.error.split('\n')[0]}`);
          const manifest = doc.value as any;
          if (manifest !== null && typeof manifest === 'object') objects.push({ file, manifest });
        }
      }
    }
  };
  walk('');
  return objects;
}

/** Every backup set of the tree's objects, sorted by name. Throws when a set is labelled in two directories. */
export function findBackupSets(objects: readonly TreeFileObject[]): BackupSet[] {
  const kustomizations = new Map<string, { readonly name: string; readonly optional: boolean }>();
  for (const k of objects.filter((o) => isKind(o, KUSTOMIZE_GROUP, 'Kustomization') && o.file.startsWith('cluster/'))) {
    const directory = treeDirectory(String(k.manifest.spec?.path ?? ''));
    if (directory !== undefined) kustomizations.set(directory, { name: k.manifest.metadata.name, optional: k.file.startsWith(`${OPTIONAL_ENTRIES}/`) });
  }
  const releases = objects.filter((o) => isKind(o, HELM_GROUP, 'HelmRelease'));
  const found = new Map<string, { directories: Set<string>; namespaces: Set<string> }>();
  for (const object of objects) {
    const directory = path.posix.dirname(object.file);
    if (!kustomizations.has(directory)) continue;
    for (const set of labelValues(object.manifest, object.file)) {
      const entry = found.get(set) ?? { directories: new Set<string>(), namespaces: new Set<string>() };
      entry.directories.add(directory);
      entry.namespaces.add(targetNamespace(object));
      found.set(set, entry);
    }
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([name, { directories, namespaces }]) => {
    if (directories.size > 1) {
      throw new Error(`backup set ${name} is labelled in ${[...directories].sort().join(' and ')}; a restore suspends one Kustomization, so label each directory's data with its own set`);
    }
    const [directory] = directories;
    const kustomization = kustomizations.get(directory)!;
    return {
      name,
      kustomization: kustomization.name,
      directory,
      optional: kustomization.optional,
      namespaces: [...namespaces].sort(),
      releases: dependencyOrder(releases.filter((r) => path.posix.dirname(r.file) === directory)),
    };
  });
}

/** Why a set cannot be restored (its data is in no backup), or undefined when it can. */
export function notRestorable(set: BackupSet): string | undefined {
  const excluded = set.namespaces.filter((n) => EXCLUDED_NAMESPACES.includes(n));
  if (excluded.length === 0) return undefined;
  return `${set.name} cannot be restored: namespace ${excluded.join(', ')} is in no backup (Velero runs every restore, so no backup holds Velero itself). If Velero is broken, reinstall it (flux reconcile kustomization ${set.kustomization}, or scripts/install-app.sh ${set.kustomization}): it finds the backups in its bucket again`;
}

function isKind(object: TreeFileObject, group: string, kind: string): boolean {
  return object.manifest.kind === kind && String(object.manifest.apiVersion ?? '').startsWith(`${group}/`);
}

/** The tree directory a Flux `spec.path` points at (`./dist/flux2/apps/zulip` -> `apps/zulip`). */
function treeDirectory(fluxPath: string): string | undefined {
  const normalized = path.posix.normalize(fluxPath).replace(/\/$/, '');
  const root = path.posix.normalize(TREE_PATH);
  return normalized.startsWith(`${root}/`) ? normalized.slice(root.length + 1) : undefined;
}

/** The namespace a found label applies in: a HelmRelease's target namespace, else the object's own. */
function targetNamespace(object: TreeFileObject): string {
  const m = object.manifest;
  return String((isKind(object, HELM_GROUP, 'HelmRelease') ? m.spec?.targetNamespace : undefined) ?? m.metadata?.namespace ?? '');
}

/**
 * Every value of the backup-set label anywhere in an object: as a key of any mapping, and inside
 * strings that hold YAML or JSON (a values.yaml, a post-renderer patch) that mention it.
 */
function labelValues(value: unknown, file: string): string[] {
  if (typeof value === 'string') {
    if (!value.includes(BACKUP_SET_LABEL)) return [];
    const documents = parseDocuments(value);
    const invalid = documents.find((d) => d.error !== undefined)?.error;
    if (invalid !== undefined || documents.length > 1) {
      throw new Error(`${file}: a string that mentions ${BACKUP_SET_LABEL} is not one YAML or JSON document${invalid === undefined ? '' : ` (${invalid.split('\n')[0]})`}; set the label as a label`);
    }
    const embedded = documents[0]?.value;
    return typeof embedded === 'string' ? [] : labelValues(embedded, file);
  }
  if (Array.isArray(value)) return value.flatMap((v) => labelValues(v, file));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key === BACKUP_SET_LABEL && typeof v === 'string' ? [v] : labelValues(v, file)));
}

/**
 * HelmReleases so that each comes after the releases of the list it depends on (`dependsOn`, in
 * the release's namespace unless given); independent ones by name. Throws on a cycle.
 */
export function dependencyOrder(releases: readonly TreeFileObject[]): ReleaseRef[] {
  const key = (r: ReleaseRef): string => `${r.namespace}/${r.name}`;
  const refs = releases.map((r) => ({ namespace: String(r.manifest.metadata.namespace), name: String(r.manifest.metadata.name), manifest: r.manifest }));
  const byKey = new Map(refs.map((r) => [key(r), r]));
  const needs = new Map(refs.map((r) => [key(r), new Set<string>((r.manifest.spec?.dependsOn ?? [])
    .map((d: any) => `${d.namespace ?? r.namespace}/${d.name}`)
    .filter((k: string) => byKey.has(k)))]));
  const ordered: ReleaseRef[] = [];
  const done = new Set<string>();
  while (ordered.length < refs.length) {
    const ready = refs.filter((r) => !done.has(key(r)) && [...needs.get(key(r))!].every((d) => done.has(d)))
      .sort((a, b) => key(a).localeCompare(key(b)));
    if (ready.length === 0) {
      const left = refs.filter((r) => !done.has(key(r))).map(key).sort();
      throw new Error(`HelmReleases ${left.join(', ')} depend on each other in a cycle; no order resumes them`);
    }
    for (const r of ready) {
      ordered.push({ namespace: r.namespace, name: r.name });
      done.add(key(r));
    }
  }
  return ordered;
}
