import { spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyProject as copyOf, PROJECT } from './project-copy';

/**
 * A synth either replaces the committed tree with a complete new one or leaves it byte for byte
 * alone. Each test works in a temporary copy of the project (node_modules symlinked), so the
 * checkout and its dist/flux2 are never touched.
 */
const TREE = 'dist/flux2';
const BROKEN_COMPONENT = `import { defineComponent, Layer, Namespaces } from '../constructs/component';

export const broken = defineComponent({
  name: 'broken',
  layer: Layer.INFRASTRUCTURE,
  namespace: Namespaces.CORE,
  build() {
    throw new Error('broken on purpose');
  },
});
`;
// Any network use fails fast: synth and import must work offline.
const OFFLINE = { CDK8S_CHECK_UPGRADE: 'false', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
const temporary: string[] = [];

jest.setTimeout(180_000);

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

function copyProject(): string {
  return copyOf(tempDir('synth-atomic-'));
}

/** Relative path -> sha256 of every file under `dir`. */
function hashes(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const file = path.join(relative, entry.name);
      if (entry.isSymbolicLink()) {
        result[file] = `-> ${fs.readlinkSync(path.join(dir, file))}`;
      } else if (entry.isDirectory()) {
        walk(file);
      } else {
        result[file] = createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex');
      }
    }
  };
  walk('');
  return result;
}

function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const inherited = { ...process.env };
  // An outer cdk8s synth's outdir must not leak into the copy's commands.
  delete inherited.CDK8S_OUTDIR;
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...inherited, ...OFFLINE, ...env } });
}

describe('synth atomicity', () => {
  test.each([
    ['the cdk8s CLI', 'npx', ['cdk8s', 'synth']],
    ['npm run synth', 'npm', ['run', 'synth']],
  ])('GIVEN a component that throws WHEN synthesized with %s THEN it exits non-zero and the committed tree is byte-identical', (_how, command, args) => {
    const copy = copyProject();
    fs.writeFileSync(path.join(copy, 'infrastructure', 'zz-broken.ts'), BROKEN_COMPONENT);
    const before = hashes(path.join(copy, TREE));
    expect(Object.keys(before).length).toBeGreaterThan(0);

    const result = run(copy, command, args);

    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('broken on purpose');
    expect(hashes(path.join(copy, TREE))).toEqual(before);
    expect(fs.readdirSync(path.join(copy, 'dist')).sort()).toEqual(['flux2']);
  });

  test.each([
    ['npm run synth', 'npm', ['run', 'synth'], {}],
    ["cdk8s synth's app command", process.execPath, ['scripts/synth.js', '--publish', TREE], { CDK8S_OUTDIR: '.cdk8s.out' }],
  ])('GIVEN stale files of removed objects and leftovers of a killed synth WHEN %s succeeds THEN dist/flux2 is exactly the tree, leftovers gone', (_how, command, args, env) => {
    const copy = copyProject();
    fs.mkdirSync(path.join(copy, TREE, 'apps/removed'), { recursive: true });
    fs.writeFileSync(path.join(copy, TREE, 'apps/removed/configmap-old.yaml'), 'stale: true\n');
    fs.writeFileSync(path.join(copy, TREE, 'infrastructure/sources/helmrepository-gone.yaml'), 'stale: true\n');
    // A pid far above Linux's pid_max default, so never a running process.
    fs.writeFileSync(path.join(copy, TREE, 'infrastructure/sources/.kustomization.yaml.tmp-99999999'), 'half\n');
    fs.mkdirSync(path.join(copy, 'dist', 'flux2.old-99999999'));

    const result = run(copy, command, args, env);

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(copy, 'dist'))).toEqual(['flux2']);
    expect(hashes(path.join(copy, TREE))).toEqual(hashes(path.join(PROJECT, TREE)));
  });

  test('GIVEN CDK8S_OUTDIR WHEN npm run synth runs THEN it writes there and nowhere else, dist/flux2 untouched', () => {
    const copy = copyProject();
    const before = hashes(copy);
    const outdir = path.join(tempDir('synth-out-'), 'tree');

    const result = run(copy, 'npm', ['run', 'synth'], { CDK8S_OUTDIR: outdir });

    expect(result.status).toBe(0);
    expect(Object.keys(hashes(outdir))).toContain('infrastructure/sources/gitrepository-stackspin.yaml');
    expect(hashes(copy)).toEqual(before);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['tree']);
  });

  test.each([
    ['empty', (): string => ''],
    ['the checkout itself', (): string => '.'],
    ['a directory of notes', (): string => {
      const dir = tempDir('synth-notes-');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep\n');
      return dir;
    }],
  ])('GIVEN CDK8S_OUTDIR %s WHEN npm run synth runs THEN it is refused in one line and nothing anywhere changes', (_what, outdir) => {
    const copy = copyProject();
    const target = outdir();
    const before = hashes(copy);
    const notes = target !== '' && target !== '.' ? hashes(target) : {};

    const result = run(copy, process.execPath, ['scripts/synth.js', '--publish', TREE], { CDK8S_OUTDIR: target });

    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(target === '' ? /^the output directory is empty \(an empty CDK8S_OUTDIR\?\)/ : /is not a synthesized tree .*nothing was written/);
    expect(hashes(copy)).toEqual(before);
    if (target !== '' && target !== '.') expect(hashes(target)).toEqual(notes);
  });

  test('GIVEN a catalogue with an image tag latest WHEN npm run synth runs THEN it is refused naming the entry, and the tree is byte-identical', () => {
    const copy = copyProject();
    const catalogue = path.join(copy, 'catalogue.ts');
    fs.writeFileSync(catalogue, fs.readFileSync(catalogue, 'utf8').replace("image: 'docker.io/onlyoffice/documentserver',\n    tag: '9.3.1',", "image: 'docker.io/onlyoffice/documentserver',\n    tag: 'latest',"));
    const before = hashes(path.join(copy, TREE));

    const result = run(copy, process.execPath, ['scripts/synth.js']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("catalogue.ts: images.onlyofficeDocumentServer has the tag 'latest', which is not a pin (it moves); pin an exact tag");
    expect(hashes(path.join(copy, TREE))).toEqual(before);
  });

  test('GIVEN another working directory WHEN the synth runs with no CDK8S_OUTDIR THEN it writes the checkout\'s dist/flux2, not one of its own', () => {
    const copy = copyProject();
    const elsewhere = tempDir('synth-cwd-');
    fs.rmSync(path.join(copy, TREE, 'cluster', 'core', 'kustomization-traefik.yaml'));

    const result = run(elsewhere, process.execPath, [path.join(copy, 'scripts', 'synth.js')]);

    expect(result.status).toBe(0);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(hashes(path.join(copy, TREE))).toEqual(hashes(path.join(PROJECT, TREE)));
  });

  test('GIVEN the pinned CRDs WHEN cdk8s import runs again offline THEN it reproduces imports/*.ts byte for byte', () => {
    const copy = copyProject();
    const output = tempDir('cdk8s-import-');

    const result = run(copy, 'npx', ['cdk8s', 'import', '--output', output]);

    expect(result.status).toBe(0);
    // imports/ also holds go-tzdata.ts, which npm run import:tzdata writes (test/scripts/tzdata.test.ts).
    const committed = fs.readdirSync(path.join(PROJECT, 'imports')).filter((f) => f.endsWith('.ts'))
      .filter((f) => fs.readFileSync(path.join(PROJECT, 'imports', f), 'utf8').startsWith('// generated by cdk8s')).sort();
    expect(fs.readdirSync(output).filter((f) => f.endsWith('.ts')).sort()).toEqual(committed);
    for (const file of committed) {
      expect({ file, same: fs.readFileSync(path.join(output, file)).equals(fs.readFileSync(path.join(PROJECT, 'imports', file))) }).toEqual({ file, same: true });
    }
  });
});
