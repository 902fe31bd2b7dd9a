import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { parseDocuments } from '../../constructs/yaml-cache';
import { LoadedTree } from './load';
import { Problem } from './problem';

/** The kubectl that builds directories; override with KUBECTL. */
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** What `kubectl kustomize` made of each directory that builds: its objects, in kustomize's order. */
export type BuiltDirectories = ReadonlyMap<string, readonly any[]>;

export interface KustomizeResult {
  readonly built: BuiltDirectories;
  readonly problems: readonly Problem[];
  /** How many `kubectl kustomize` processes it took. */
  readonly builds: number;
}

export interface BuildOptions {
  /** Concurrent `kubectl kustomize` processes when directories are built one by one. @default the number of cores */
  readonly parallelism?: number;
  /** Try one build of a generated root over every directory first. @default true */
  readonly combined?: boolean;
}

const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources']);

/**
 * Builds every directory that has a kustomization.yaml, as kustomize-controller will. Each
 * `kubectl kustomize` costs a process start of about 0.1 s, so when every kustomization.yaml is
 * a plain list of its own files (as the tree writer writes them) one build of a generated root
 * listing every directory stands in for all of them, split back by the directory each object's
 * file is in.
 * If that build fails, or the tree has anything else, each directory is built on its own (at
 * most one process per core), so a failure names its directory and kubectl's own error.
 */
export async function buildDirectories(tree: LoadedTree, options: BuildOptions = {}): Promise<KustomizeResult> {
  const tryCombined = options.combined !== false && tree.kustomizeDirectories.length > 1 && plainKustomizations(tree);
  const combined = tryCombined ? await buildCombined(tree) : undefined;
  if (combined) return { built: combined, problems: [], builds: 1 };
  const each = await buildEach(tree, Math.max(1, options.parallelism ?? os.cpus().length));
  return { ...each, builds: each.builds + (tryCombined ? 1 : 0) };
}

async function buildEach(tree: LoadedTree, parallelism: number): Promise<KustomizeResult> {
  const built = new Map<string, any[]>();
  const problems: Problem[] = [];
  await mapLimited(tree.kustomizeDirectories, parallelism, async (dir) => {
    try {
      built.set(dir, objectsIn(await kustomize(path.join(tree.root, dir))));
    } catch (e) {
      const detail = cleanError(String((e as { stderr?: string }).stderr || (e as Error).message), tree.root);
      problems.push({ file: path.posix.join(dir, 'kustomization.yaml'), message: `kubectl kustomize ${dir} failed: ${detail}` });
    }
  });
  return { built, problems, builds: tree.kustomizeDirectories.length };
}

/**
 * Every directory's objects from one build, or undefined when that build fails or its objects are
 * not exactly the directories' objects, each found in one directory by its identity (then only
 * separate builds are exact).
 */
async function buildCombined(tree: LoadedTree): Promise<Map<string, any[]> | undefined> {
  const directoryOf = new Map<string, string | undefined>();
  for (const o of tree.objects) {
    const dir = path.posix.dirname(o.file);
    if (!tree.kustomizeDirectories.includes(dir)) continue;
    // The same object in two directories: the combined build refuses it anyway.
    directoryOf.set(identity(o.manifest), directoryOf.has(identity(o.manifest)) ? undefined : dir);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-root-'));
  try {
    // kustomize refuses absolute resource paths; relative ones may leave the generated root.
    const resources = tree.kustomizeDirectories.map((dir) => path.relative(root, path.join(tree.root, dir)));
    fs.writeFileSync(path.join(root, 'kustomization.yaml'), JSON.stringify({ resources }));
    let output: string;
    try {
      output = await kustomize(root);
    } catch {
      return undefined;
    }
    const built = new Map<string, any[]>(tree.kustomizeDirectories.map((dir) => [dir, []]));
    const objects = objectsIn(output);
    for (const manifest of objects) {
      const dir = directoryOf.get(identity(manifest));
      if (dir === undefined) return undefined;
      built.get(dir)!.push(manifest);
    }
    return objects.length === directoryOf.size ? built : undefined;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** What kustomize tells objects apart by. */
function identity(manifest: any): string {
  return JSON.stringify([manifest?.apiVersion, manifest?.kind, manifest?.metadata?.namespace, manifest?.metadata?.name]);
}

/**
 * Whether every kustomization.yaml only lists files of its own directory: then a combined build
 * transforms nothing, and each directory's part of it equals the directory's own build (kustomize
 * orders objects by kind and identity, and refuses the same identity twice).
 */
function plainKustomizations(tree: LoadedTree): boolean {
  return tree.kustomizeDirectories.every((dir) => {
    let kustomization: any;
    try {
      kustomization = parse(fs.readFileSync(path.join(tree.root, dir, 'kustomization.yaml'), 'utf8'));
    } catch {
      return false;
    }
    return kustomization !== null && typeof kustomization === 'object'
      && Object.keys(kustomization).every((key) => KUSTOMIZATION_KEYS.has(key))
      && Array.isArray(kustomization.resources)
      && kustomization.resources.every((r: unknown) => typeof r === 'string' && !/[/\\:]/.test(r) && fs.statSync(path.join(tree.root, dir, r), { throwIfNoEntry: false })?.isFile());
  });
}

/** kustomize's own text of each object it built: Flux substitutes into that text, not into a re-serialization. */
const kustomizeTexts = new WeakMap<object, string>();

/** The text kustomize wrote for an object of a build (BuiltDirectories), if it came from one. */
export function kustomizeText(manifest: object): string | undefined {
  return kustomizeTexts.get(manifest);
}

/** kustomize's output, one document per object; each parsed on its own, so unchanged objects come from the YAML cache. */
function objectsIn(text: string): any[] {
  // kustomize indents every block scalar, so a line `---` always separates documents.
  return text.split(/^---\n/m).flatMap((document) => parseDocuments(document).map((d) => {
    if (d.value !== null && typeof d.value === 'object') kustomizeTexts.set(d.value, document);
    return d.value;
  })).filter((m) => m !== null && typeof m === 'object');
}

function kustomize(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(KUBECTL, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve(stdout);
    });
  });
}

async function mapLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** kubectl's error on one line, without the klog prefix or the temp paths of the tree root. */
function cleanError(stderr: string, root: string): string {
  const line = stderr.split(`${root}/`).join('').replace(/\s+/g, ' ').trim();
  const klog = /^[EWIF]\d{4} [\d:.]+ +\d+ \S+\] "command failed" err="(.*)"$/.exec(line);
  return (klog ? klog[1].replace(/\\"/g, '"') : line).replace(/^error: /, '');
}
