import * as fs from 'fs';
import * as path from 'path';

/**
 * External programs the TypeScript commands run, and how to get each, so a missing one is one
 * line with the fix instead of an `spawn kubectl ENOENT` per call. scripts/test.sh and
 * `tool_hint` in scripts/lib/common.sh give the same hints.
 */
export const TOOL_HINTS: Readonly<Record<string, string>> = {
  kubectl: 'install kubectl (it bundles kustomize): https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/',
  dot: 'apt-get install -y graphviz',
  git: 'apt-get install -y git',
  tar: 'apt-get install -y tar',
};

/** The program a tool name runs: kubectl honours KUBECTL, as scripts/validation/kustomize.ts does. */
function program(tool: string, env: NodeJS.ProcessEnv): string {
  return tool === 'kubectl' ? env.KUBECTL ?? 'kubectl' : tool;
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether `tool` can be run: an executable path, or a name found on PATH. */
export function hasTool(tool: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const name = program(tool, env);
  if (name.includes('/')) return executable(name);
  return (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').some((dir) => executable(path.join(dir, name)));
}

/** One line per missing tool, `<tool> is missing: <how to get it>`. */
export function missingTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return tools.filter((t) => !hasTool(t, env)).map((t) => `${program(t, env)} is missing: ${TOOL_HINTS[t] ?? `install ${t}`}`);
}

/** Throws one line per missing tool before a command starts any work. */
export function requireTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const missing = missingTools(tools, env);
  if (missing.length > 0) throw new Error(missing.join('\n'));
}
