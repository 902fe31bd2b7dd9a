import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Extracts the committed tree of `ref` (`git archive`, so the index and work tree are untouched)
 * into a new temp directory; returns the tree root inside it and a function that removes it.
 */
export function treeAtRef(repo: string, ref: string, treePath: string = 'dist/flux2'): { root: string; remove: () => void } {
  const git = (...args: string[]): Buffer => execFileSync('git', ['-C', repo, ...args], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch (e) {
    throw new Error(`${ref} is not a commit of ${repo}; give a branch, tag or commit (e.g. origin/main)`, { cause: e });
  }
  if (git('ls-tree', '--name-only', ref, '--', treePath).toString().trim() === '') {
    throw new Error(`${ref} has no ${treePath}; it predates the committed tree`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-ref-'));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('tar', ['-x', '-C', dir], { input: git('archive', '--format=tar', ref, '--', treePath), maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    remove();
    throw new Error(`cannot extract ${treePath} at ${ref}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return { root: path.join(dir, treePath), remove };
}

/** One committed file of `ref` (e.g. `.flux.env.example`), or undefined when `ref` has none. */
export function fileAtRef(repo: string, ref: string, file: string): string | undefined {
  try {
    return execFileSync('git', ['-C', repo, 'show', `${ref}:${file}`], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 }).toString();
  } catch {
    return undefined;
  }
}

/** The values of one trailer (e.g. `Upgrade-Accepted`) in the messages of the commits `ref..HEAD`. */
export function trailersSince(repo: string, ref: string, key: string): string[] {
  const out = execFileSync('git', ['-C', repo, 'log', `--format=%(trailers:key=${key},valueonly,separator=%x0A)`, `${ref}..HEAD`], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return out.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
