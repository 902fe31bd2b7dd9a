import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { wekan } from '../../apps/wekan';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { renderTree, RenderedTree, toYaml, writeTree } from '../../constructs/tree-writer';
import { buildApp } from '../../main';
import { contextOf, ValidationContext } from '../../scripts/validation/context';
import { formatProblem } from '../../scripts/validation/problem';
import { SchemaValidator } from '../../scripts/validation/schemas';
import { validateTree } from '../../scripts/validation/validate-tree';

/**
 * A small, stable tree to break: the platform with only wekan (sources, namespaces, the core
 * entry, wekan's directory and entry), so these tests do not change as components are added.
 */
export interface Fixture {
  readonly root: string;
  readonly context: ValidationContext;
}

let base: { files: RenderedTree; context: ValidationContext } | undefined;
const schemas = new SchemaValidator();
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the wekan-only tree in a temp dir. */
export function fixture(): Fixture {
  if (!base) {
    const app = buildApp([wekan]);
    base = { files: renderTree(app), context: contextOf(GeneratedSecret.all(app)) };
  }
  return { root: writeCopy(base.files), context: base.context };
}

/** Writes a rendered tree into a new temp dir and returns its root. */
export function writeCopy(files: RenderedTree): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'));
  temporary.push(dir);
  const root = path.join(dir, 'flux2');
  writeTree(files, root);
  return root;
}

/** Rewrites one object file of the tree. */
export function edit(f: Fixture, file: string, change: (manifest: any) => void): void {
  const full = path.join(f.root, file);
  const manifest = parse(fs.readFileSync(full, 'utf8'));
  change(manifest);
  fs.writeFileSync(full, toYaml(manifest));
}

/** Adds an object file to a directory and lists it in the directory's kustomization.yaml. */
export function add(f: Fixture, dir: string, file: string, manifest: unknown): void {
  fs.writeFileSync(path.join(f.root, dir, file), toYaml(manifest));
  const kustomization = path.join(f.root, dir, 'kustomization.yaml');
  const k = parse(fs.readFileSync(kustomization, 'utf8'));
  k.resources = [...k.resources, file];
  fs.writeFileSync(kustomization, toYaml(k));
}

/** The problems `npm run validate` would print for the fixture, one line each. */
export async function problems(f: Fixture): Promise<string[]> {
  const report = await validateTree(f.root, { context: f.context, schemas });
  return report.problems.map(formatProblem);
}
