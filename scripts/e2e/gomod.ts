/**
 * What the go command says about modules: go.mod files read with `go mod edit -json`, and module
 * source fetched from the Go module proxy with `go mod download -json`. Go is the only parser of
 * go.mod files here.
 */
import { spawnSync } from 'child_process';

export interface GoModule {
  readonly Path: string;
  readonly Version?: string;
}

export interface GoModFile {
  readonly Module: { readonly Path: string };
  readonly Go?: string;
  readonly Require?: readonly (GoModule & { readonly Indirect?: boolean })[];
  readonly Replace?: readonly { readonly Old: GoModule; readonly New: GoModule }[];
  readonly Tool?: readonly { readonly Path: string }[];
}

export const GO_HINT = 'install Go 1.26 or newer (https://go.dev/dl/; Debian 13: apt-get install -y golang-go)';

/** Runs the go command; throws one line naming what failed, with go's first error line. */
export function go(args: readonly string[], options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync('go', args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`go is missing: ${GO_HINT}; the e2e builds its control plane from Go modules`);
  }
  if (result.status !== 0) {
    const detail = (result.stderr || result.error?.message || '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('go: downloading')).slice(0, 3).join('; ');
    throw new Error(`go ${args.join(' ')} failed: ${detail || `exit ${result.status}`}`);
  }
  return result.stdout;
}

export function readGoMod(file: string): GoModFile {
  return JSON.parse(go(['mod', 'edit', '-json', file])) as GoModFile;
}

/** The version a go.mod requires of `module`; throws naming the file when it requires none. */
export function requiredVersion(mod: GoModFile, module: string, file: string): string {
  const found = mod.Require?.find((r) => r.Path === module)?.Version;
  if (found === undefined) throw new Error(`${file} does not require ${module}`);
  return found;
}

/** The version `module` is replaced with, if the go.mod replaces it. */
export function replacedVersion(mod: GoModFile, module: string): string | undefined {
  return mod.Replace?.find((r) => r.Old.Path === module)?.New.Version;
}

export interface DownloadedModule {
  readonly Path: string;
  readonly Version: string;
  /** The unpacked source (read-only, in the module cache). */
  readonly Dir: string;
  /** Its go.mod file. */
  readonly GoMod: string;
}

/** Fetches `module@version` into the module cache and says where it is. */
export function downloadModule(module: string, version: string): DownloadedModule {
  const info = JSON.parse(go(['mod', 'download', '-json', `${module}@${version}`])) as DownloadedModule & { Error?: string };
  if (info.Error) throw new Error(`${module}@${version}: ${info.Error.split('\n')[0]}`);
  return info;
}

/** The go command's version, `go1.26.8`. */
export function goVersion(): string {
  return go(['env', 'GOVERSION']).trim();
}
