import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { describe } from '../../constructs/tree-writer';
import { TREE_ROOT_IN_REPO } from '../../constructs/tree-chart';
import { parseDocuments } from '../../constructs/yaml-cache';
import { Problem } from './problem';

/** One object of the tree, with where it came from. */
export interface TreeObject {
  /** File under the tree root. */
  readonly file: string;
  readonly manifest: any;
  /** `Kind namespace/name`. */
  readonly id: string;
}

/** A tree read from disk: its objects, its kustomize directories and what could not be parsed. */
export interface LoadedTree {
  /** Absolute path of the tree root (`dist/flux2`). */
  readonly root: string;
  readonly objects: readonly TreeObject[];
  /** Directories (relative to the root, `.` for the root) that hold a kustomization.yaml. */
  readonly kustomizeDirectories: readonly string[];
  /** Every directory under the root, relative. */
  readonly directories: ReadonlySet<string>;
  readonly problems: readonly Problem[];
}

const KUSTOMIZE_FILE = 'kustomization.yaml';

/** Reads every YAML file under `root`; kustomization.yaml files are kustomize input, not objects. */
export function loadTree(root: string): LoadedTree {
  const absolute = path.resolve(root);
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isDirectory()) {
    throw new Error(`${root} is not a directory; synthesize the tree first (npm run synth)`);
  }
  const objects: TreeObject[] = [];
  const problems: Problem[] = [];
  const kustomizeDirectories: string[] = [];
  const directories = new Set<string>();
  for (const dir of walk(absolute, '.')) {
    directories.add(dir.relative);
    const listed = dir.files.includes(KUSTOMIZE_FILE) ? listedResources(path.join(absolute, dir.relative, KUSTOMIZE_FILE)) : undefined;
    if (listed) kustomizeDirectories.push(dir.relative);
    for (const file of dir.files) {
      const relative = path.posix.join(dir.relative, file);
      if (file === KUSTOMIZE_FILE || !/\.ya?ml$/.test(file)) continue;
      if (listed && !listed.has(file)) {
        problems.push({ file: relative, message: `is not listed in ${path.posix.join(dir.relative, KUSTOMIZE_FILE)}, so Flux never applies it; synthesize again to drop it` });
        continue;
      }
      for (const doc of parseDocuments(fs.readFileSync(path.join(absolute, relative), 'utf8'))) {
        if (doc.error !== undefined) {
          problems.push({ file: relative, message: `is not valid YAML: ${doc.error.split('\n')[0]}` });
          continue;
        }
        const manifest: any = doc.value;
        if (manifest === null || manifest === undefined) continue;
        if (typeof manifest !== 'object' || Array.isArray(manifest)) {
          problems.push({ file: relative, message: 'is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)' });
          continue;
        }
        objects.push({ file: relative, manifest, id: describe(manifest) });
      }
    }
  }
  return { root: absolute, objects, kustomizeDirectories: kustomizeDirectories.sort(), directories, problems };
}

/**
 * The tree directory a Flux `spec.path` points at (`./dist/flux2/apps/wekan` -> `apps/wekan`),
 * or undefined when it points outside the tree.
 */
export function treeDirectory(fluxPath: string): string | undefined {
  const normalized = path.posix.normalize(fluxPath.replace(/^\.\//, '')).replace(/\/$/, '');
  const root = path.posix.normalize(TREE_ROOT_IN_REPO.replace(/^\.\//, ''));
  if (normalized === root) return '.';
  return normalized.startsWith(`${root}/`) ? normalized.slice(root.length + 1) : undefined;
}

/** Objects of one apiVersion group and kind (`kustomize.toolkit.fluxcd.io`, `Kustomization`). */
export function objectsOf(tree: LoadedTree, group: string, kind: string): TreeObject[] {
  return tree.objects.filter((o) => o.manifest.kind === kind && groupOf(o.manifest.apiVersion) === group);
}

/** The API group of an apiVersion; '' for the core group (`v1`). */
export function groupOf(apiVersion: unknown): string {
  const text = String(apiVersion ?? '');
  return text.includes('/') ? text.slice(0, text.indexOf('/')) : '';
}

/** The file names a kustomization.yaml lists as resources (a broken one is kustomize's to report). */
function listedResources(file: string): Set<string> {
  try {
    const resources: unknown = parse(fs.readFileSync(file, 'utf8'))?.resources;
    return new Set(Array.isArray(resources) ? resources.map(String) : []);
  } catch {
    return new Set();
  }
}

interface WalkedDirectory {
  readonly relative: string;
  readonly files: string[];
}

function* walk(absolute: string, relative: string): Generator<WalkedDirectory> {
  const entries = fs.readdirSync(path.join(absolute, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  yield { relative, files: entries.filter((e) => e.isFile()).map((e) => e.name) };
  for (const entry of entries.filter((e) => e.isDirectory())) {
    yield* walk(absolute, relative === '.' ? entry.name : `${relative}/${entry.name}`);
  }
}
