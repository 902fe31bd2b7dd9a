import * as fs from 'fs';
import * as path from 'path';

/** The project under test, for tests that work in a copy of it. */
export const PROJECT = path.join(__dirname, '..');

// Not .cache either: the charts, Helm and rendered output (hundreds of MB) are no part of a copy.
const NOT_COPIED = new Set(['node_modules', '.git', '.cdk8s.out', '.cache', 'coverage']);

/** A copy of the project in `dir` (node_modules symlinked), so the checkout is never touched. */
export function copyProject(dir: string): string {
  for (const entry of fs.readdirSync(PROJECT)) {
    if (NOT_COPIED.has(entry)) continue;
    fs.cpSync(path.join(PROJECT, entry), path.join(dir, entry), {
      recursive: true,
      // Temporary files of a synth running in the checkout right now are not part of the tree.
      filter: (src) => !/\.(tmp|old)-\d+$/.test(src),
    });
  }
  fs.symlinkSync(path.join(PROJECT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
