/**
 * Builds the e2e's programs once per version, into a cache outside the checkout
 * (`$STACKSPIN_E2E_CACHE`, default `${XDG_CACHE_HOME:-~/.cache}/stackspin-gitops/e2e`), so every
 * clone on the machine, CI's included, reuses them. An entry is named after the tool, its version
 * and a digest of everything that goes into the build (go.mod, go.sum, the go version, the flags);
 * it is built aside and renamed into place, so the cache never holds half an entry.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fluxInstallManifests } from './flux-manifests';
import { downloadModule, goVersion, readGoMod, requiredVersion } from './gomod';
import { GO_TOOLS, GoTool, toolDir } from './go-tools';

/** Bump when the way an entry is built changes, so old entries are not reused. */
const RECIPE = '1';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STACKSPIN_E2E_CACHE) return path.resolve(env.STACKSPIN_E2E_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'stackspin-gitops', 'e2e');
}

export interface BuiltTool {
  readonly tool: GoTool;
  readonly version: string;
  /** The cache entry holding the binaries. */
  readonly dir: string;
  /** Seconds the build took; undefined when the entry was cached. */
  readonly seconds?: number;
}

export interface ToolSet {
  readonly tools: ReadonlyMap<string, BuiltTool>;
  /** The binary `name` of whichever tool makes it. */
  readonly bin: (name: string) => string;
  /** A PATH with every binary first. */
  readonly path: string;
}

/** The version of its module a tool's go.mod pins. */
export function toolVersion(tool: GoTool): string {
  const file = path.join(toolDir(tool), 'go.mod');
  return requiredVersion(readGoMod(file), tool.module, file);
}

function entryKey(tool: GoTool, version: string, go: string): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(fs.readFileSync(path.join(toolDir(tool), file)));
  hash.update(JSON.stringify([RECIPE, go, tool.binaries, tool.stamp?.(version) ?? [], tool.fromModuleCopy ?? '', tool.keepStages ?? '']));
  return hash.digest('hex').slice(0, 12);
}

/** Every tool, built where its cache entry is missing; `log` gets one line per tool. */
export function buildTools(log: (line: string) => void, only: readonly GoTool[] = GO_TOOLS): ToolSet {
  const root = cacheRoot();
  // go build gets the same signal and stops; the build then throws and removes its partial entry.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  try {
    return buildEach(root, log, only);
  } finally {
    process.removeListener('SIGINT', ignore);
    process.removeListener('SIGTERM', ignore);
  }
}

function buildEach(root: string, log: (line: string) => void, only: readonly GoTool[]): ToolSet {
  const goVer = goVersion();
  fs.mkdirSync(root, { recursive: true });
  removeAbandonedBuilds(root);
  const tools = new Map<string, BuiltTool>();
  for (const tool of only) {
    const version = toolVersion(tool);
    const dir = path.join(root, `${tool.name}-${version}-${entryKey(tool, version, goVer)}`);
    if (fs.existsSync(dir)) {
      removeSuperseded(root, tool, version, dir);
      tools.set(tool.name, { tool, version, dir });
      log(`${tool.name} ${version}: cached`);
      continue;
    }
    log(`${tool.name} ${version}: building (${Object.keys(tool.binaries).join(', ')})`);
    const start = Date.now();
    build(tool, version, dir, tools);
    const seconds = Math.round((Date.now() - start) / 1000);
    removeSuperseded(root, tool, version, dir);
    tools.set(tool.name, { tool, version, dir, seconds });
    log(`${tool.name} ${version}: built in ${seconds} s`);
  }
  return toolSet(tools);
}

export function toolSet(tools: ReadonlyMap<string, BuiltTool>): ToolSet {
  const bin = (name: string): string => {
    for (const built of tools.values()) if (name in built.tool.binaries) return path.join(built.dir, name);
    throw new Error(`no e2e tool makes '${name}'`);
  };
  const dirs = [...tools.values()].map((t) => t.dir);
  return { tools, bin, path: [...dirs, process.env.PATH ?? ''].join(path.delimiter) };
}

/** Builds into `<dir>.partial-<pid>` and renames it into place; on any failure removes it. */
function build(tool: GoTool, version: string, dir: string, built: ReadonlyMap<string, BuiltTool>): void {
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const logFile = path.join(cacheRoot(), 'logs', `${tool.name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const cleanup = (): void => fs.rmSync(partial, { recursive: true, force: true });
  process.once('exit', cleanup);
  try {
    let cwd = toolDir(tool);
    if (tool.fromModuleCopy === 'flux-manifests') cwd = fluxSourceCopy(version, partial, built);
    const ldflags = ['-s', '-w', ...(tool.stamp?.(version) ?? [])].join(' ');
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() };
    const output: string[] = [];
    for (const [binary, pkg] of Object.entries(tool.binaries)) {
      const result = spawnSync('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', path.join(partial, binary), pkg], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      output.push(`$ go build ${pkg}\n${result.stdout}${result.stderr}`);
      fs.writeFileSync(logFile, output.join('\n'));
      if (result.signal === 'SIGINT' || result.signal === 'SIGTERM') throw new Error(`interrupted while building ${binary} (${tool.name} ${version}); nothing was cached`);
      if (result.error || result.status !== 0) {
        const first = (result.stderr || result.error?.message || '').split('\n').find((l) => l.trim() !== '' && !/^(go: downloading|#)/.test(l)) ?? `exit ${result.status}`;
        throw new Error(`building ${binary} (${tool.name} ${version}) failed: ${first.trim()}; the whole output is in ${logFile}. Nothing was cached; fix the cause (a module the Go module proxy does not serve: see SUBSTITUTES in scripts/e2e/go-tools.ts) and run again`);
      }
    }
    fs.rmSync(path.join(partial, 'src'), { recursive: true, force: true });
    if (tool.keepStages !== undefined) {
      fs.cpSync(path.join(downloadModule(tool.module, version).Dir, tool.keepStages), path.join(partial, 'stages'), { recursive: true });
    }
    try {
      fs.renameSync(partial, dir);
    } catch (e) {
      // Another run finished the same entry first: keep that one.
      if (!fs.existsSync(dir)) throw e;
    }
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
  }
}

/** Other entries of the same tool and version (built from an older go.mod, go.sum, Go or recipe): never used again. */
function removeSuperseded(root: string, tool: GoTool, version: string, keep: string): void {
  const prefix = `${tool.name}-${version}-`;
  for (const name of fs.readdirSync(root)) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length)) && path.join(root, name) !== keep) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/** Partial entries of runs that no longer exist (killed mid-build). */
function removeAbandonedBuilds(root: string): void {
  for (const name of fs.readdirSync(root)) {
    const match = /\.partial-(\d+)$/.exec(name);
    if (match && !alive(Number(match[1]))) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A writable copy of the flux CLI's module with the install manifests it embeds, which the
 * module zip leaves out (they are built at release time); returns the copy's directory.
 */
function fluxSourceCopy(version: string, partial: string, built: ReadonlyMap<string, BuiltTool>): string {
  const kube = built.get('kube');
  if (kube === undefined) throw new Error('the flux CLI is built after kube: its manifests are built with kube\'s kubectl (kustomize)');
  const source = downloadModule('github.com/fluxcd/flux2/v2', version);
  const copy = path.join(partial, 'src');
  fs.cpSync(source.Dir, copy, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', copy]);
  const manifests = path.join(copy, 'cmd', 'flux', 'manifests');
  fs.mkdirSync(manifests, { recursive: true });
  for (const [file, text] of fluxInstallManifests(copy, path.join(kube.dir, 'kubectl'))) fs.writeFileSync(path.join(manifests, file), text);
  // The copy keeps the release's own go.mod and go.sum: the CLI builds as fluxcd builds it.
  return copy;
}
