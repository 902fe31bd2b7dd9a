import * as fs from 'fs';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { TREE_MARKER } from '../constructs/entries';
import { RenderedTree, writeTree } from '../constructs/tree-writer';
import { parseYaml } from './yaml';

/**
 * Publishing a tree is crash-safe: a crash injected after every single step of writeTree leaves
 * the directory in place, every file whole (old or new), every kustomization.yaml listing only
 * files that exist; the next write completes the new tree and removes the leftovers.
 */
const list = (...files: string[]): string => `resources:\n${files.map((f) => `  - ${f}\n`).join('')}`;
/** Both trees carry the marker of a synthesized tree, which the writer replaces only. */
const MARKER: [string, string] = [TREE_MARKER, 'resources: []\n'];
const OLD: RenderedTree = new Map([
  MARKER,
  ['apps/a/kustomization.yaml', list('configmap-a.yaml', 'configmap-gone.yaml')],
  ['apps/a/configmap-a.yaml', 'old a\n'],
  ['apps/a/configmap-gone.yaml', 'removed object\n'],
  ['apps/removed/kustomization.yaml', list('configmap-r.yaml')],
  ['apps/removed/configmap-r.yaml', 'removed directory\n'],
  ['core/same/kustomization.yaml', list('configmap-same.yaml')],
  ['core/same/configmap-same.yaml', 'unchanged\n'],
]);
const NEW: RenderedTree = new Map([
  MARKER,
  ['apps/a/kustomization.yaml', list('configmap-a.yaml', 'configmap-added.yaml')],
  ['apps/a/configmap-a.yaml', 'new a\n'],
  ['apps/a/configmap-added.yaml', 'added object\n'],
  ['apps/new/kustomization.yaml', list('configmap-n.yaml')],
  ['apps/new/configmap-n.yaml', 'added directory\n'],
  ['core/same/kustomization.yaml', list('configmap-same.yaml')],
  ['core/same/configmap-same.yaml', 'unchanged\n'],
]);

class Crash extends Error {}
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function publishedOld(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-'));
  temporary.push(parent);
  const root = path.join(parent, 'flux2');
  writeTree(OLD, root);
  return root;
}

/** Relative path -> content of every file under `dir`. */
function read(dir: string, relative = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
    const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) for (const [f, c] of read(dir, file)) files.set(f, c);
    else files.set(file, fs.readFileSync(path.join(dir, file), 'utf8'));
  }
  return files;
}

/** The steps of a write from OLD to NEW, counted by a hook that never fails. */
function stepsOfWrite(): string[] {
  const steps: string[] = [];
  writeTree(NEW, publishedOld(), { afterStep: (step) => steps.push(step) });
  return steps;
}

describe('publishing a tree', () => {
  const steps = stepsOfWrite();

  test('GIVEN an old tree WHEN the new one is written THEN only changed files are staged, lists are replaced last and removed files deleted after', () => {
    expect(steps).toEqual([
      'staged apps/a/kustomization.yaml', 'staged apps/a/configmap-a.yaml', 'staged apps/a/configmap-added.yaml',
      'staged apps/new/kustomization.yaml', 'staged apps/new/configmap-n.yaml',
      'replaced apps/a/configmap-a.yaml', 'replaced apps/a/configmap-added.yaml', 'replaced apps/new/configmap-n.yaml',
      'replaced apps/a/kustomization.yaml', 'replaced apps/new/kustomization.yaml',
      'deleted apps/removed/kustomization.yaml', 'deleted apps/a/configmap-gone.yaml', 'deleted apps/removed/configmap-r.yaml',
    ]);
  });

  test.each(steps.map((step, index) => [index, step]))('GIVEN a crash after step %i (%s) WHEN the tree is read THEN it is whole and consistent, and the next write completes it', (index) => {
    const root = publishedOld();
    let count = 0;
    expect(() => writeTree(NEW, root, { afterStep: () => { if (count++ === index) throw new Crash(); } })).toThrow(Crash);

    const after = read(root);
    for (const [file, content] of after) {
      if (/\.tmp-\d+$/.test(file)) continue;
      expect({ file, whole: content === OLD.get(file) || content === NEW.get(file) }).toEqual({ file, whole: true });
      if (path.basename(file) !== 'kustomization.yaml') continue;
      for (const resource of parseYaml(content).resources) {
        expect({ file, resource, present: after.has(path.posix.join(path.posix.dirname(file), resource)) }).toEqual({ file, resource, present: true });
      }
    }

    writeTree(NEW, root);
    expect(read(root)).toEqual(NEW);
    expect(fs.readdirSync(path.dirname(root))).toEqual(['flux2']);
  });

  test('GIVEN temporaries of a write whose process still runs WHEN another write starts THEN they are left alone', () => {
    const root = publishedOld();
    const live = path.join(root, 'apps/a/.configmap-a.yaml.tmp-1');
    fs.writeFileSync(live, 'pid 1 always runs\n');
    writeTree(NEW, root);
    expect(fs.existsSync(live)).toBe(true);
  });

  test('GIVEN whole-tree copies the old two-rename scheme left WHEN a write runs THEN they are removed and the tree is written', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-'));
    temporary.push(parent);
    for (const leftover of ['flux2.old-99999999', 'flux2.tmp-99999999']) fs.mkdirSync(path.join(parent, leftover, 'apps'), { recursive: true });
    writeTree(NEW, path.join(parent, 'flux2'));
    expect(fs.readdirSync(parent)).toEqual(['flux2']);
    expect(read(path.join(parent, 'flux2'))).toEqual(NEW);
  });
});

describe('where a tree may be written', () => {
  const TREE: RenderedTree = new Map([MARKER, ['apps/a/kustomization.yaml', list('configmap-a.yaml')], ['apps/a/configmap-a.yaml', 'a\n']]);
  function scratch(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-target-'));
    temporary.push(dir);
    return dir;
  }

  test('GIVEN a directory that is not a tree and holds other files WHEN a tree is written there THEN it is refused naming them, and every file stays', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep\n');
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref\n');
    expect(() => writeTree(TREE, dir)).toThrow(`${dir} is not a synthesized tree (it has no ${TREE_MARKER}) and holds other files (.git/HEAD, notes.txt), which writing the tree would delete; nothing was written: name a new or empty directory, or a previous tree`);
    expect(read(dir)).toEqual(new Map([['.git/HEAD', 'ref\n'], ['notes.txt', 'keep\n']]));
  });

  test.each([[''], ['  ']])('GIVEN the output directory %j (an empty CDK8S_OUTDIR) WHEN a tree is written THEN it is refused, naming the fix', (outdir) => {
    expect(() => writeTree(TREE, outdir)).toThrow('the output directory is empty (an empty CDK8S_OUTDIR?); unset CDK8S_OUTDIR for dist/flux2, or name a directory');
  });

  test('GIVEN a file WHEN a tree is written over it THEN it is refused', () => {
    const file = path.join(scratch(), 'flux2');
    fs.writeFileSync(file, 'x\n');
    expect(() => writeTree(TREE, file)).toThrow(`${file} is a file, not a directory; name a directory for the tree`);
  });

  test('GIVEN a first write killed before its lists were renamed (tree files and temporaries, no marker yet) WHEN written again THEN it completes', () => {
    const dir = scratch();
    fs.mkdirSync(path.join(dir, 'apps', 'a'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'apps', 'a', 'configmap-a.yaml'), 'a\n');
    fs.writeFileSync(path.join(dir, 'apps', 'a', '.kustomization.yaml.tmp-999999'), 'partial\n');
    writeTree(TREE, dir);
    expect(read(dir)).toEqual(TREE);
  });
});

describe('a tree directory that cannot be written', () => {
  const ROOT = path.join(__dirname, '..');
  /** The synth into `dir` inside a mount namespace of its own, after `prepare` (shell) mounted it; then what `dir` holds. */
  function synthInto(prepare: string): { status: number | null; stderr: string; left: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-mount-'));
    temporary.push(dir);
    const script = `${prepare.replace(/\$D/g, dir)} && CDK8S_OUTDIR=${dir} node scripts/synth.js; status=$?; find ${dir} -name '*.tmp-*' >&3; exit $status`;
    const result = spawnSync('unshare', ['--mount', 'bash', '-c', `exec 3>${dir}.left; ${script}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: undefined } });
    temporary.push(`${dir}.left`);
    return { status: result.status, stderr: result.stderr, left: fs.readFileSync(`${dir}.left`, 'utf8') };
  }

  test('GIVEN a full disk WHEN synthesized THEN one line names the directory, the cause and the fix, and no temporary file is left', () => {
    const result = synthInto('mount -t tmpfs -o size=64k tmpfs $D');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^cannot write \/tmp\/publish-mount-\w+: no space is left on its device; free some \(df -h .*\) and synthesize again; nothing was changed\n$/);
    expect(result.left).toBe('');
  });

  test('GIVEN a read-only previous tree WHEN synthesized THEN one line names the cause and the fix, and the tree stays as it was', () => {
    const result = synthInto(`cp -r dist/flux2/. $D && echo stale > $D/${TREE_MARKER.replace('kustomization.yaml', 'kustomization-traefik.yaml')} && mount --bind $D $D && mount -o remount,bind,ro $D`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^cannot write \/tmp\/publish-mount-\w+: its file system is read-only; mount it read-write, or write the tree elsewhere with CDK8S_OUTDIR; nothing was changed\n$/);
  });
});
