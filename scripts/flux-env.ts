/**
 * The operator's `.flux.env`: validation against the cluster variables the constructs declare,
 * the `stackspin-cluster-variables` Secret the scripts apply, rendering of the tree files bootstrap
 * applies itself, and `.flux.env.example`.
 *
 *   flux-env.ts validate <file> [--repo-url URL] [--branch NAME]
 *   flux-env.ts secret <file> [--repo-url URL] [--branch NAME] [--redact]
 *   flux-env.ts render <file> [--repo-url URL] [--branch NAME] <manifest>...
 *   flux-env.ts get <file> <key> [--repo-url URL] [--branch NAME]   (non-sensitive keys only)
 *   flux-env.ts example                   (the content of .flux.env.example)
 *
 * `--quiet` leaves out warnings (for the calls after a first `validate`).
 * Every problem is one line naming the key and the fix; any error exits 1 with nothing on stdout.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, CLUSTER_VARIABLES_SECRET, ClusterVariableName, ClusterVariableSpec, DERIVED_VARIABLES,
  DerivedVariableName, deriveVariables, Requirement,
} from '../constructs/cluster-variables';
import { FLUX_NAMESPACE } from '../constructs/flux-source';
import { envsubst } from './plan/envsubst';

/** The committed tree, whose optional entries are the valid app names. */
export const TREE_ROOT = path.join(__dirname, '..', 'dist', 'flux2');

/**
 * Where optional app entries live in the tree: `optionalEntry()` of constructs/platform.ts, which
 * this tool does not import because that loads every construct (a test keeps the two equal).
 */
export const OPTIONAL_ENTRIES = 'cluster/optional';

/** The app whose installation makes the BACKUP variables required. */
export const BACKUP_APP = 'velero';

export interface ValidateOptions {
  /** Valid optional app names (the directories under `dist/flux2/cluster/optional/`). */
  readonly apps: readonly string[];
  /** Values that win over the file (bootstrap's `--repo-url` and `--branch`). @default none */
  readonly overrides?: Readonly<Partial<Record<ClusterVariableName, string>>>;
}

export interface Validation {
  /** The cluster variables to store, empty values left out (the tree's defaults apply). */
  readonly values: Readonly<Partial<Record<ClusterVariableName, string>>>;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** The optional apps the tree offers, sorted. */
export function optionalApps(treeRoot: string = TREE_ROOT): string[] {
  const dir = path.join(treeRoot, OPTIONAL_ENTRIES);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** `name=value` lines by name, with their line numbers; malformed and repeated lines go to `errors`. */
function parseLines(text: string, errors: string[]): Map<string, { value: string; line: number }> {
  if (text.includes('\r')) {
    errors.push('the file has Windows line endings; save it with Unix (LF) line endings');
  }
  const raw = new Map<string, { value: string; line: number }>();
  text.replace(/\r/g, '').split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '' || content.trimStart().startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(content);
    if (!match) {
      errors.push(`line ${line}: '${content.trim()}' is not name=value; write it as name=value without spaces around =, or start the line with #`);
      return;
    }
    const [, key, value] = match;
    const previous = raw.get(key);
    if (previous) {
      errors.push(`${key}: set twice (lines ${previous.line} and ${line}); keep one`);
      return;
    }
    raw.set(key, { value, line });
  });
  return raw;
}

/** Validates the text of a `.flux.env`; every problem is one message naming the key and the fix. */
export function validateEnv(text: string, options: ValidateOptions): Validation {
  const errors: string[] = [];
  const warnings: string[] = [];
  const raw = parseLines(text, errors);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) raw.set(key, { value, line: 0 });
  }

  for (const key of raw.keys()) {
    if (key in DERIVED_VARIABLES) {
      warnings.push(`${key}: bootstrap computes it from the other settings; this line is ignored, remove it`);
    } else if (!(key in CLUSTER_VARIABLES)) {
      const guess = closest(key, CLUSTER_VARIABLE_NAMES);
      warnings.push(`${key}: not a cluster variable, ignored${guess ? `; did you mean ${guess}?` : ''}`);
    }
  }

  const set = (name: ClusterVariableName): string | undefined => {
    const value = raw.get(name)?.value;
    return value === undefined || value === '' ? undefined : value;
  };
  const appList = set('enabled_apps') ?? '';
  // An ill-formed list gets its own format message below; it enables no app.
  const apps = CLUSTER_VARIABLES.enabled_apps.schema.safeParse(appList).success ? appList.split(',').filter((a) => a !== '') : [];
  const conditions: Record<Requirement, string | undefined> = {
    [Requirement.REQUIRED]: 'required but not set',
    [Requirement.OPTIONAL]: undefined,
    [Requirement.MAIL]: set('outgoing_mail_enabled') === 'true' ? 'required because outgoing_mail_enabled=true' : undefined,
    [Requirement.BACKUP]: apps.includes(BACKUP_APP) ? `required because enabled_apps includes ${BACKUP_APP}` : undefined,
  };

  const values: Partial<Record<ClusterVariableName, string>> = {};
  for (const name of CLUSTER_VARIABLE_NAMES) {
    const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name];
    const value = set(name);
    if (value === undefined) {
      const why = conditions[spec.requirement];
      if (why) errors.push(`${name}: ${why}; add ${name}=${spec.example} (${spec.description})`);
      continue;
    }
    const problem = substitutionProblem(value) ?? formatProblem(spec, value);
    if (problem) {
      errors.push(`${name}: ${problem}`);
      continue;
    }
    values[name] = value;
  }

  for (const app of apps) {
    if (!options.apps.includes(app)) {
      errors.push(`enabled_apps: '${app}' is not an optional app; valid apps: ${options.apps.join(', ') || 'none (synthesize the tree first)'}`);
    }
  }
  errors.push(...crossFieldProblems(values));
  return { values, errors, warnings };
}

/** Why a value would break Flux substitution or the YAML it lands in, if it would. */
function substitutionProblem(value: string): string | undefined {
  if (/^(".*"|'.*')$/.test(value)) return 'remove the quotes around the value; values are taken literally';
  if (/[\n\r]/.test(value)) return 'must not contain a line break';
  if (/["$\\]/.test(value)) return 'must not contain ", $ or \\ (they break Flux substitution); remove them';
  if (value.trim() !== value) return 'remove the spaces before or after the value';
  return undefined;
}

function formatProblem(spec: ClusterVariableSpec, value: string): string | undefined {
  const result = spec.schema.safeParse(value);
  if (result.success) return undefined;
  const shown = spec.sensitive ? 'the value' : `'${value}'`;
  return `${shown} ${result.error.issues[0].message}`;
}

function crossFieldProblems(values: Partial<Record<ClusterVariableName, string>>): string[] {
  const problems: string[] = [];
  const { outgoing_mail_from_address: address, outgoing_mail_from_local_part: local, outgoing_mail_domain: domain } = values;
  if (values.outgoing_mail_enabled === 'true' && address && local && domain && address !== `${local}@${domain}`) {
    problems.push(`outgoing_mail_from_address: '${address}' must be outgoing_mail_from_local_part@outgoing_mail_domain (${local}@${domain}); make the three agree`);
  }
  for (const window of ['flux', 'k3s'] as const) {
    const start = values[`${window}_window_start_hour`] ?? CLUSTER_VARIABLES[`${window}_window_start_hour`].default;
    const end = values[`${window}_window_end_hour`] ?? CLUSTER_VARIABLES[`${window}_window_end_hour`].default;
    if (start !== undefined && Number(start) === Number(end)) {
      problems.push(`${window}_window_end_hour: must differ from ${window}_window_start_hour (both ${start}), or the window is empty`);
    }
  }
  return problems;
}

/** The most similar known name, if it is a plausible typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = levenshtein(word.toLowerCase(), name);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function levenshtein(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/**
 * The `stackspin-cluster-variables` Secret. `redact` (dry runs) shows plain values with the
 * sensitive ones hidden; otherwise values are base64 `data`, which server-side apply keeps exact.
 */
export function secretManifest(values: Validation['values'], redact: boolean): string {
  const derived = deriveVariables(values);
  const all: [string, string, boolean][] = [
    ...CLUSTER_VARIABLE_NAMES.filter((n) => values[n] !== undefined).map((n): [string, string, boolean] => [n, values[n] as string, CLUSTER_VARIABLES[n].sensitive === true]),
    ...(Object.keys(derived) as DerivedVariableName[]).map((n): [string, string, boolean] => [n, derived[n], DERIVED_VARIABLES[n].sensitive]),
  ];
  const entries = all.map(([n, value, sensitive]) => {
    if (!redact) return [n, Buffer.from(value, 'utf8').toString('base64')];
    return [n, sensitive ? '<sensitive, not shown>' : value];
  });
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CLUSTER_VARIABLES_SECRET, namespace: FLUX_NAMESPACE },
    type: 'Opaque',
    [redact ? 'stringData' : 'data']: Object.fromEntries(entries),
  });
}

/**
 * One manifest substituted with the cluster variables as kustomize-controller would (strict: a
 * variable without value or default is an error, as with `flux envsubst --strict`).
 */
export function render(template: string, values: Validation['values'], file: string): string {
  const { text, missing, malformed } = envsubst(template, new Map(Object.entries(values) as [string, string][]));
  if (missing.length > 0 || malformed.length > 0) {
    throw new Error(`${file}: \${${[...missing, ...malformed].join('}, ${')}} has no value in .flux.env and no default; set it`);
  }
  return text;
}

/** Section headings of `.flux.env.example`, by key prefix. */
const SECTIONS: readonly (readonly [RegExp, string])[] = [
  [/^(ip_address|domain|admin_email)$/, 'Cluster information'],
  [/^outgoing_mail_/, 'Outgoing e-mail (SMTP); the keys below are required when outgoing_mail_enabled=true'],
  [/^backup_s3_/, `Backups with Velero; required when enabled_apps includes ${BACKUP_APP}`],
  [/^ingress_/, 'Ingress'],
  [/window|time_zone/, 'Maintenance windows (hours in maintenance_time_zone)'],
  [/^stackspin_repo_/, 'Repository the cluster follows (bootstrap.sh --repo-url and --branch override these)'],
  [/^enabled_apps$/, 'Optional apps'],
];

/** `.flux.env.example`: every cluster variable, documented, required ones set to their example. */
export function exampleFile(): string {
  const lines = [
    '# Cluster variables of a Stackspin cluster. Copy this file to .flux.env and edit it.',
    '# One name=value per line; no quotes, no $, no " and no \\ in values (they break substitution).',
    '# Lines starting with # are comments; a commented-out variable keeps its default.',
    '# Check it with: npx ts-node --transpile-only scripts/flux-env.ts validate .flux.env',
  ];
  let section: string | undefined;
  for (const name of CLUSTER_VARIABLE_NAMES) {
    const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name];
    const heading = SECTIONS.find(([pattern]) => pattern.test(name))?.[1] ?? 'Other';
    if (heading !== section) {
      lines.push('', `## ${heading}`);
      section = heading;
    }
    const notes = [spec.requirement, spec.default === undefined ? undefined : `default: ${spec.default === '' ? '(empty)' : spec.default}`];
    lines.push(`# ${spec.description} (${notes.filter((n) => n !== undefined).join('; ')})`);
    lines.push(`${spec.requirement === Requirement.REQUIRED ? '' : '#'}${name}=${spec.example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The result of one command: what goes to stdout and stderr, and the exit code. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const USAGE = `usage: flux-env.ts validate <file> [--repo-url URL] [--branch NAME]
       flux-env.ts secret <file> [--repo-url URL] [--branch NAME] [--redact] [--quiet]
       flux-env.ts render <file> [--repo-url URL] [--branch NAME] [--quiet] <manifest>...
       flux-env.ts get <file> <key> [--repo-url URL] [--branch NAME] [--quiet]
       flux-env.ts example
`;

/** Runs one command; `treeRoot` is where the optional app entries are read. */
export function fluxEnvCommand(argv: readonly string[], treeRoot: string = TREE_ROOT): CommandResult {
  const [command, file, ...rest] = argv;
  if (command === 'example' && file === undefined) return { stdout: exampleFile(), stderr: '', code: 0 };
  if (!['validate', 'secret', 'render', 'get'].includes(command) || file === undefined) return { stdout: '', stderr: USAGE, code: 2 };

  const overrides: Partial<Record<ClusterVariableName, string>> = {};
  const positional: string[] = [];
  let redact = false;
  let quiet = false;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--repo-url' || flag === '--branch') {
      if (rest[i + 1] === undefined) return { stdout: '', stderr: `${flag} needs a value\n${USAGE}`, code: 2 };
      overrides[flag === '--repo-url' ? 'stackspin_repo_url' : 'stackspin_repo_branch'] = rest[++i];
    } else if (flag === '--redact' && command === 'secret') {
      redact = true;
    } else if (flag === '--quiet') {
      quiet = true;
    } else if (!flag.startsWith('-') && (command === 'render' || command === 'get')) {
      positional.push(flag);
    } else {
      return { stdout: '', stderr: `unknown argument '${flag}'\n${USAGE}`, code: 2 };
    }
  }
  if (!fs.existsSync(file)) {
    return { stdout: '', stderr: `${file}: not found; copy .flux.env.example to ${file} and fill it in\n`, code: 1 };
  }

  const result = validateEnv(fs.readFileSync(file, 'utf8'), { apps: optionalApps(treeRoot), overrides });
  const report = [...(quiet ? [] : result.warnings).map((w) => `${file}: warning: ${w}`), ...result.errors.map((e) => `${file}: ${e}`)];
  if (result.errors.length > 0) {
    report.push(`${file}: ${result.errors.length} problem(s); nothing was applied`);
    return { stdout: '', stderr: `${report.join('\n')}\n`, code: 1 };
  }
  const stderr = report.length > 0 ? `${report.join('\n')}\n` : '';

  switch (command) {
    case 'validate':
      return { stdout: `${file}: ok (${Object.keys(result.values).length} cluster variables)\n`, stderr, code: 0 };
    case 'secret':
      return { stdout: secretManifest(result.values, redact), stderr, code: 0 };
    case 'get': {
      const key = positional[0] as ClusterVariableName;
      if (positional.length !== 1 || !(key in CLUSTER_VARIABLES) || CLUSTER_VARIABLES[key].sensitive) {
        return { stdout: '', stderr: `get needs one non-sensitive cluster variable name\n${USAGE}`, code: 2 };
      }
      return { stdout: `${result.values[key] ?? CLUSTER_VARIABLES[key].default ?? ''}\n`, stderr, code: 0 };
    }
    default: {
      if (positional.length === 0) return { stdout: '', stderr: `render needs at least one manifest\n${USAGE}`, code: 2 };
      try {
        const docs = positional.map((p) => render(fs.readFileSync(p, 'utf8'), result.values, p));
        return { stdout: docs.map((d) => `---\n${d}`).join(''), stderr, code: 0 };
      } catch (e) {
        return { stdout: '', stderr: `${stderr}${(e as Error).message}\n`, code: 1 };
      }
    }
  }
}

if (require.main === module) {
  const { stdout, stderr, code } = fluxEnvCommand(process.argv.slice(2));
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exitCode = code;
}
