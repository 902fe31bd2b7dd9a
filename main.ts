import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ComponentDefinition } from './constructs/component';
import { Platform, recordComponentFile } from './constructs/platform';
import { renderTree, RenderedTree, writableTreeDirectory, writeTree } from './constructs/tree-writer';
import { parseArgs, UsageError } from './scripts/lib/args';

/** The folders whose files declare components; adding a file there adds it to the tree. */
export const COMPONENT_FOLDERS = ['infrastructure', 'apps'];

/**
 * Every component definition exported by a file under the component folders, sorted by name.
 * A file that fails to load is named in the error; each definition's file is recorded, so an
 * error while building it names the component and the file (constructs/platform.ts).
 */
export function discoverComponents(root: string = __dirname): ComponentDefinition<any>[] {
  const found = new Map<string, { definition: ComponentDefinition<any>; file: string }>();
  // A file directly in a component folder, or a folder there, must export a component: one that
  // exports none was forgotten (its component would be silently missing from every cluster).
  const units = new Map<string, number>();
  for (const folder of COMPONENT_FOLDERS) {
    for (const file of listTypeScript(path.join(root, folder))) {
      const relative = path.relative(root, file);
      const unit = relative.split(path.sep).slice(0, 2).join('/');
      units.set(unit, units.get(unit) ?? 0);
      for (const exported of Object.values(load(file, relative))) {
        if (!isDefinition(exported)) continue;
        units.set(unit, units.get(unit)! + 1);
        const other = found.get(exported.name);
        if (other && other.definition !== exported) {
          throw new Error(`two components are named '${exported.name}' (${other.file} and ${relative}); names must be unique, rename one`);
        }
        if (other) continue;
        found.set(exported.name, { definition: exported, file: relative });
        recordComponentFile(exported, relative);
      }
    }
  }
  const empty = [...units].filter(([, count]) => count === 0).map(([unit]) => unit);
  if (empty.length > 0) {
    throw new Error(`${empty.join(', ')} ${empty.length === 1 ? 'exports' : 'export'} no component; export its defineComponent(...) (export const x = defineComponent({...})), or move helpers into a component's folder`);
  }
  return [...found.values()].map((f) => f.definition).sort((a, b) => a.name.localeCompare(b.name));
}

function load(file: string, relative: string): Record<string, unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Record<string, unknown>;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith(relative) ? message : `${relative}: ${message}`, { cause: e });
  }
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

export const SYNTH_USAGE = `usage: node scripts/synth.js [--publish DIR]
  Writes the tree to $CDK8S_OUTDIR (default: the checkout's dist/flux2); --publish DIR also
  replaces DIR with it (cdk8s synth: .cdk8s.out and dist/flux2). Each must be new, empty or a
  previous tree: writing deletes every other file in it. Nothing is written when any check fails.
`;

/**
 * The synth command. `CDK8S_OUTDIR` (set by `cdk8s synth`, or by hand) receives the tree, else
 * dist/flux2; `--publish DIR` also replaces DIR. Any error exits non-zero before either
 * directory is touched.
 */
export function run(argv: readonly string[]): void {
  try {
    const args = parseArgs(argv, { usage: SYNTH_USAGE, options: { '--publish': 'DIR' } });
    if (args.help) {
      process.stdout.write(SYNTH_USAGE);
      return;
    }
    // The default is the checkout's tree, wherever the command runs from.
    const outdir = process.env.CDK8S_OUTDIR ?? path.join(__dirname, 'dist', 'flux2');
    const publish = args.options.get('--publish');
    const files = synthesize();
    // Both directories are checked before either is written.
    writableTreeDirectory(outdir, files);
    if (publish) writableTreeDirectory(publish, files);
    writeTree(files, outdir);
    const written = [outdir];
    if (publish && path.resolve(publish) !== path.resolve(outdir)) {
      writeTree(files, publish);
      written.push(publish);
    }
    process.stdout.write(`synthesized ${files.size} files into ${written.map((w) => path.relative(process.cwd(), w) || '.').join(' and ')}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof UsageError ? 'synth: ' : ''}${(e as Error).message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) run(process.argv.slice(2));
