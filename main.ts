import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ComponentDefinition } from './constructs/component';
import { Platform } from './constructs/platform';
import { renderTree, RenderedTree, writeTree } from './constructs/tree-writer';

/** The folders whose files declare components; adding a file there adds it to the tree. */
export const COMPONENT_FOLDERS = ['infrastructure', 'apps'];

/** Every component definition exported by a file under the component folders, sorted by name. */
export function discoverComponents(root: string = __dirname): ComponentDefinition<any>[] {
  const found = new Map<string, ComponentDefinition<any>>();
  for (const folder of COMPONENT_FOLDERS) {
    for (const file of listTypeScript(path.join(root, folder))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const exported of Object.values(require(file) as Record<string, unknown>)) {
        if (!isDefinition(exported)) continue;
        const other = found.get(exported.name);
        if (other && other !== exported) throw new Error(`two components are named '${exported.name}' (one in ${file}); names must be unique`);
        found.set(exported.name, exported);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Builds the whole platform; `definitions` defaults to every discovered component. */
export function buildApp(definitions: readonly ComponentDefinition<any>[] = discoverComponents()): App {
  const app = new App({ outdir: process.env.CDK8S_OUTDIR });
  const platform = new Platform(app, 'stackspin');
  for (const definition of definitions) platform.use(definition);
  platform.finish();
  return app;
}

/** Renders the platform; throws before writing anything if any check fails. */
export function synthesize(): RenderedTree {
  return renderTree(buildApp());
}

function listTypeScript(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listTypeScript(full);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
    });
}

function isDefinition(value: unknown): value is ComponentDefinition<any> {
  return typeof value === 'object' && value !== null
    && typeof (value as ComponentDefinition).name === 'string'
    && typeof (value as ComponentDefinition).layer === 'string'
    && typeof (value as ComponentDefinition).build === 'function';
}

/**
 * The synth command. `CDK8S_OUTDIR` (set by `cdk8s synth`) receives the tree; `--publish DIR`
 * also replaces DIR. Any error exits non-zero before either directory is touched.
 */
export function run(argv: readonly string[]): void {
  try {
    const outdir = process.env.CDK8S_OUTDIR ?? 'dist/flux2';
    const publishAt = argv.indexOf('--publish');
    const publish = publishAt >= 0 ? argv[publishAt + 1] : undefined;
    if (publishAt >= 0 && !publish) throw new Error('--publish needs a directory, e.g. --publish dist/flux2');
    const files = synthesize();
    writeTree(files, outdir);
    if (publish && path.resolve(publish) !== path.resolve(outdir)) writeTree(files, publish);
    process.stdout.write(`synthesized ${files.size} files into ${publish ?? outdir}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) run(process.argv.slice(2));
