import * as fs from 'fs';
import * as path from 'path';
import { CORE_ENTRY } from '../../constructs/platform';

/** The file every synthesized tree has: the core entry's kustomization.yaml. */
export const TREE_MARKER = `${CORE_ENTRY}/kustomization.yaml`;

/**
 * Refuses a directory that is not a synthesized tree before a command walks it (`plan --tree
 * /tmp` would read every YAML file under /tmp), naming the option it came from, if any.
 */
export function requireSynthesizedTree(dir: string, what?: string): void {
  const named = what ? `${what} ${dir}` : dir;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new Error(`${named}: no such directory; give a synthesized tree like dist/flux2 (npm run synth writes it)`);
  }
  if (!stat.isDirectory()) throw new Error(`${named}: not a directory; give a synthesized tree like dist/flux2`);
  if (!fs.existsSync(path.join(dir, TREE_MARKER))) {
    throw new Error(`${named}: not a synthesized tree (it has no ${TREE_MARKER}); give a tree like dist/flux2 (npm run synth writes it)`);
  }
}
