/**
 * `npm run diff -- <git-ref>`: what merging the working tree would change on clusters, object by
 * object: the committed dist/flux2 at <git-ref> (CI keeps it equal to that ref's synth) against a
 * fresh synth of the working tree. Exit 0 when nothing changed, 1 when something did, 2 on error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderTree, writeTree } from '../constructs/tree-writer';
import { buildApp } from '../main';
import { diffTrees } from './diff/diff-trees';
import { treeAtRef } from './diff/git-tree';

async function main(argv: readonly string[]): Promise<number> {
  const [ref, ...rest] = argv;
  if (ref === undefined || ref.startsWith('-') || rest.length > 0) throw new Error('usage: npm run diff -- <git-ref>   (e.g. origin/main)');
  const repo = path.join(__dirname, '..');
  const files = renderTree(buildApp());
  const old = treeAtRef(repo, ref);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-work-'));
  try {
    writeTree(files, path.join(work, 'flux2'));
    const diff = await diffTrees(`dist/flux2 ${ref} -> working tree`, old.root, path.join(work, 'flux2'));
    process.stdout.write(diff.text);
    return diff.changes.length === 0 ? 0 : 1;
  } finally {
    old.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => {
    process.stderr.write(`diff: ${e.message}\n`);
    process.exitCode = 2;
  },
);
