import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { charts } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { renderTree, RenderedTree, toYaml, writeTree } from '../../constructs/tree-writer';
import { buildApp } from '../../main';
import { contextOf, ValidationContext } from '../../scripts/validation/context';
import { formatProblem } from '../../scripts/validation/problem';
import { SchemaValidator } from '../../scripts/validation/schemas';
import { validateTree } from '../../scripts/validation/validate-tree';
import { parseYaml } from '../yaml';

/**
 * A small, stable tree to break: the platform with only this app (sources, namespaces, the core
 * entry, `apps/demo` and its entry), so these tests do not change as real components change.
 */
const demo = defineComponent({
  name: 'demo',
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  build(component) {
    const secret = component.generatedSecret({ demo_password: { generator: Generator.PASSWORD } });
    component.helmApp({
      name: 'demo',
      chart: charts.wekan,
      values: { url: `https://demo.${vars.domain}` },
      secretValues: { password: secret.ref('demo_password') },
    });
  },
});

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

/** A fresh copy of the demo tree in a temp dir. */
export function fixture(): Fixture {
  if (!base) {
    const app = buildApp([demo]);
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
export function edit(f: Pick<Fixture, 'root'>, file: string, change: (manifest: any) => void): void {
  const full = path.join(f.root, file);
  const manifest = parseYaml(fs.readFileSync(full, 'utf8'));
  change(manifest);
  fs.writeFileSync(full, toYaml(manifest));
}

/** Adds an object file to a directory and lists it in the directory's kustomization.yaml. */
export function add(f: Fixture, dir: string, file: string, manifest: unknown): void {
  fs.writeFileSync(path.join(f.root, dir, file), toYaml(manifest));
  const kustomization = path.join(f.root, dir, 'kustomization.yaml');
  const k = parseYaml(fs.readFileSync(kustomization, 'utf8'));
  k.resources = [...k.resources, file];
  fs.writeFileSync(kustomization, toYaml(k));
}

/** The problems `npm run validate` would print for the fixture, one line each. */
export async function problems(f: Fixture): Promise<string[]> {
  const report = await validateTree(f.root, { context: f.context, schemas });
  return report.problems.map(formatProblem);
}
