import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { LoadedTree } from './load';
import { Problem } from './problem';

/** The kubectl that builds directories; override with KUBECTL. */
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** What `kubectl kustomize` made of each directory that builds. */
export type BuiltDirectories = ReadonlyMap<string, string>;

export interface KustomizeResult {
  readonly built: BuiltDirectories;
  readonly problems: readonly Problem[];
}

/**
 * Builds every directory that has a kustomization.yaml, as kustomize-controller will. Each build
 * is a kubectl process, so at most one per core runs at a time.
 */
export async function buildDirectories(tree: LoadedTree, parallelism: number = os.cpus().length): Promise<KustomizeResult> {
  const built = new Map<string, string>();
  const problems: Problem[] = [];
  await mapLimited(tree.kustomizeDirectories, Math.max(1, parallelism), async (dir) => {
    try {
      built.set(dir, await kustomize(path.join(tree.root, dir)));
    } catch (e) {
      const detail = cleanError(String((e as { stderr?: string }).stderr || (e as Error).message), tree.root);
      problems.push({ file: path.posix.join(dir, 'kustomization.yaml'), message: `kubectl kustomize ${dir} failed: ${detail}` });
    }
  });
  return { built, problems };
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
