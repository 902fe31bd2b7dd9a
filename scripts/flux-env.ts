/**
 * The operator's `.flux.env`: validation against the cluster variables the constructs declare,
 * the `stackspin-cluster-variables` Secret the scripts apply, rendering of the tree files bootstrap
 * applies itself, and `.flux.env.example`.
 *
 *   flux-env.ts validate <file> [--repo-url URL] [--branch NAME]
 *   flux-env.ts secret <file> [--repo-url URL] [--branch NAME] [--redact]
 *   flux-env.ts render <file> [--repo-url URL] [--branch NAME] <manifest>...
 *   flux-env.ts get <file> <key> [--repo-url URL] [--branch NAME]   (non-sensitive keys only)
 *   flux-env.ts check-app <app>           (the app's settings in the cluster's Secret; velero's S3 keys)
 *   flux-env.ts check-email <address>     (prints it in lower case, or refuses it: the rule of admin_email)
 *   flux-env.ts example                   (the content of .flux.env.example)
 *
 * `--quiet` leaves out warnings (for the calls after a first `validate`).
 * Every problem is one line naming the key and the fix, never a sensitive value; any error exits
 * 1 (2 for a refused command line, scripts/lib/args.ts) with nothing on stdout.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, CLUSTER_VARIABLES_SECRET, ClusterVariableName, ClusterVariableSpec, DERIVED_VARIABLES,
  DerivedVariableName, deriveVariables, emailProblem, Requirement,
} from '../constructs/cluster-variables';
import { FLUX_NAMESPACE } from '../constructs/flux-namespace';
import { ArgSpec, parseArgs, UsageError } from './lib/args';
import { withDerived, withQuote } from './plan/cluster-input';
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

/** A line's name when it has one before `=` (`export NAME = value`), for messages that must not show values. */
const LINE_NAME = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/**
 * `name=value` lines by name, with their line numbers; malformed and repeated lines go to
 * `errors`. No message shows a line's value: a malformed line may be a secret.
 */
function parseLines(text: string, errors: string[]): Map<string, { value: string; line: number }> {
  if (text.startsWith('\uFEFF')) {
    errors.push('line 1 starts with an invisible byte order mark (BOM); save the file as UTF-8 without BOM');
    text = text.slice(1);
  }
  if (text.includes('\r')) {
    errors.push('the file has Windows line endings; save it with Unix (LF) line endings');
  }
  const raw = new Map<string, { value: string; line: number }>();
  text.replace(/\r/g, '').split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '' || content.trimStart().startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(content);
    if (!match) {
      const name = LINE_NAME.exec(content)?.[1];
      errors.push(name
        ? `line ${line}: ${name}: not name=value; write it as ${name}=value (no spaces around = or before the name, no export), or start the line with #`
        : `line ${line}: not name=value (the line is not shown: it may hold a secret); write it as name=value, or start the line with # to make it a comment`);
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

/**
 * The text of an env file, or one line saying why it cannot be read and what to do (a missing
 * file, a directory, no permission): never a stack trace. `what` names where the path came from.
 */
export function readEnvFile(file: string, what: string = file): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${what}: not found; copy .flux.env.example to ${file} and fill it in`);
  }
  if (stat.isDirectory()) throw new Error(`${what}: is a directory, not an env file; give the path of your .flux.env`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${what}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check its permissions`, { cause: e });
  }
  return decodeUtf8(bytes, what);
}

/**
 * The file's text; refuses bytes that are not UTF-8 (a Latin-1 file): decoded anyway they would
 * become U+FFFD, and the cluster a different password. Names the line, never its content.
 */
function decodeUtf8(bytes: Buffer, what: string): string {
  // ignoreBOM keeps a byte order mark in the text, for the validator to name.
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return strict.decode(bytes);
  } catch {
    const lines = bytes.toString('latin1').split('\n');
    let offset = 0;
    const line = lines.findIndex((l) => {
      const start = offset;
      offset += l.length + 1;
      try {
        strict.decode(bytes.subarray(start, start + l.length));
        return false;
      } catch {
        return true;
      }
    });
    throw new Error(`${what}: line ${line + 1} is not UTF-8 text (a file saved as Latin-1 or Windows-1252?); save the file as UTF-8 and check that line's value`);
  }
}

/** A warning when others than the owner can read the file, which holds the SMTP password and the S3 keys. */
function permissionWarnings(file: string): string[] {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return [];
  return [`the file can be read by others than its owner (mode ${mode.toString(8).padStart(4, '0')}) and holds the SMTP password and S3 keys; chmod 600 ${file}, and keep a copy off the server`];
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
  if (errors.length === 0) warnings.push(...placeholderWarnings(values), ...windowWarnings(values));
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

/** An example value that is only a placeholder (an example.org name, the documentation address, CHANGEME). */
const PLACEHOLDER = /(^|[.@/])example\.org($|[/:])|^1\.2\.3\.4$|^CHANGEME$/;

/** Values still at their placeholder example (.flux.env.example), named; a secret's value is not shown. */
function placeholderWarnings(values: Partial<Record<ClusterVariableName, string>>): string[] {
  return CLUSTER_VARIABLE_NAMES.filter((name) => {
    const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name];
    return values[name] !== undefined && values[name] === spec.example && PLACEHOLDER.test(spec.example);
  }).map((name) => `${name}: still the example of .flux.env.example${CLUSTER_VARIABLES[name].sensitive ? '' : ` (${values[name]})`}; set this cluster's own value`);
}

/** The hours a window covers, from its start hour up to (not including) its end hour, across midnight. */
function windowHours(start: number, end: number): Set<number> {
  const hours = new Set<number>();
  for (let h = start; h !== end; h = (h + 1) % 24) hours.add(h);
  return hours;
}

/**
 * Windows that get in each other's way, as warnings: k3s restarts and cordons the node inside its
 * window, so it should neither overlap the Flux window nor cover the nightly backup, which Velero
 * runs at half past flux_window_end_hour (apps/velero/index.ts; test/maintenance/window-variables.test.ts).
 */
function windowWarnings(values: Partial<Record<ClusterVariableName, string>>): string[] {
  const hour = (name: ClusterVariableName): number => Number(values[name] ?? CLUSTER_VARIABLES[name].default);
  const flux = windowHours(hour('flux_window_start_hour'), hour('flux_window_end_hour'));
  const k3s = windowHours(hour('k3s_window_start_hour'), hour('k3s_window_end_hour'));
  const k3sSpan = `the k3s window (${hour('k3s_window_start_hour')}:00-${hour('k3s_window_end_hour')}:00)`;
  const warnings: string[] = [];
  const shared = [...k3s].filter((h) => flux.has(h));
  if (shared.length > 0) {
    warnings.push(`k3s_window_start_hour: ${k3sSpan} overlaps the Flux window (${hour('flux_window_start_hour')}:00-${hour('flux_window_end_hour')}:00), so apps may upgrade while k3s restarts the node; move one of them`);
  }
  const backup = hour('flux_window_end_hour');
  if (k3s.has(backup)) {
    warnings.push(`k3s_window_start_hour: ${k3sSpan} covers the nightly backup at ${backup}:30 (half past flux_window_end_hour), which would run while k3s restarts the node; move the k3s window`);
  }
  return warnings;
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
  const variables = withQuote(withDerived(new Map(Object.entries(values) as [string, string][])));
  const { text, missing, malformed } = envsubst(template, variables);
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
  [/^(letsencrypt_|ingress_)/, 'Certificates and ingress'],
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
    '# Check it with: npm run flux-env -- validate .flux.env',
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

/** Cluster variables an app needs set before it is enabled: velero's S3 settings. */
export function settingsOf(app: string): ClusterVariableName[] {
  return app === BACKUP_APP ? CLUSTER_VARIABLE_NAMES.filter((n) => CLUSTER_VARIABLES[n].requirement === Requirement.BACKUP) : [];
}

/**
 * What is wrong with an app's settings in the cluster's `stackspin-cluster-variables` Secret
 * (`data`, base64 as kubectl returns it): one message per key, naming it, never a sensitive value.
 */
export function appSettingsProblems(app: string, data: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const name of settingsOf(app)) {
    const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name];
    const value = data[name] === undefined ? '' : Buffer.from(data[name], 'base64').toString('utf8');
    const problem = value === '' ? `not set; ${app} needs it (${spec.description}, like ${name}=${spec.example})` : substitutionProblem(value) ?? formatProblem(spec, value);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

/** Reads the `data` of the cluster's `stackspin-cluster-variables` Secret; throws one line if it cannot. */
export type ClusterSecretReader = () => Readonly<Record<string, string>>;

export const kubectlSecretReader: ClusterSecretReader = () => {
  let json: string;
  try {
    json = execFileSync('kubectl', ['get', 'secret', CLUSTER_VARIABLES_SECRET, '-n', FLUX_NAMESPACE, '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const detail = String((e as { stderr?: string }).stderr ?? '').trim().split('\n')[0] || (e as Error).message;
    throw new Error(`cannot read Secret ${CLUSTER_VARIABLES_SECRET} in ${FLUX_NAMESPACE} (${detail}); set KUBECONFIG to the cluster's kubeconfig, and bootstrap it first (scripts/bootstrap.sh)`, { cause: e });
  }
  return (JSON.parse(json) as { data?: Record<string, string> }).data ?? {};
};

/** The result of one command: what goes to stdout and stderr, and the exit code. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const USAGE = `usage: flux-env.ts validate <file> [--repo-url URL] [--branch NAME] [--quiet]
       flux-env.ts secret <file> [--repo-url URL] [--branch NAME] [--redact] [--quiet]
       flux-env.ts render <file> [--repo-url URL] [--branch NAME] [--quiet] <manifest>...
       flux-env.ts get <file> <key>... [--repo-url URL] [--branch NAME] [--quiet]   (one value a line)
       flux-env.ts check-app <app>     (the app's settings in the cluster's ${CLUSTER_VARIABLES_SECRET})
       flux-env.ts check-email <address>   (the address in lower case, or why it is refused)
       flux-env.ts example
`;

const FILE_COMMANDS: Readonly<Record<string, { readonly flags: readonly string[]; readonly positionals: ArgSpec['positionals'] }>> = {
  validate: { flags: ['--quiet'], positionals: { min: 1, max: 1, name: '<file>' } },
  secret: { flags: ['--quiet', '--redact'], positionals: { min: 1, max: 1, name: '<file>' } },
  render: { flags: ['--quiet'], positionals: { min: 2, max: Infinity, name: '<file> and <manifest>...' } },
  get: { flags: ['--quiet'], positionals: { min: 2, max: Infinity, name: '<file> and <key>...' } },
};

/** Runs one command; `treeRoot` is where the optional app entries are read, `readSecret` reads the cluster. */
export function fluxEnvCommand(argv: readonly string[], treeRoot: string = TREE_ROOT, readSecret: ClusterSecretReader = kubectlSecretReader): CommandResult {
  try {
    return runFluxEnv(argv, treeRoot, readSecret);
  } catch (e) {
    return { stdout: '', stderr: `${(e as Error).message}\n`, code: e instanceof UsageError ? 2 : 1 };
  }
}

function runFluxEnv(argv: readonly string[], treeRoot: string, readSecret: ClusterSecretReader): CommandResult {
  const [command, ...rest] = argv;
  if (command === 'example') {
    const args = parseArgs(rest, { usage: USAGE });
    return { stdout: args.help ? USAGE : exampleFile(), stderr: '', code: 0 };
  }
  if (command === 'check-email') {
    const args = parseArgs(rest, { usage: USAGE, positionals: { min: 1, max: 1, name: '<address>' } });
    if (args.help) return { stdout: USAGE, stderr: '', code: 0 };
    const address = args.positionals[0].toLowerCase();
    const problem = emailProblem(address);
    if (problem === undefined) return { stdout: `${address}\n`, stderr: '', code: 0 };
    const shown = problem.startsWith('must be') ? 'is not valid; give one like ada@example.org (ASCII letters, one @, a domain with a dot)' : problem;
    return { stdout: '', stderr: `e-mail address '${address}' ${shown}\n`, code: 1 };
  }
  if (command === 'check-app') {
    const args = parseArgs(rest, { usage: USAGE, positionals: { min: 1, max: 1, name: '<app>' } });
    if (args.help) return { stdout: USAGE, stderr: '', code: 0 };
    const app = args.positionals[0];
    if (settingsOf(app).length === 0) return { stdout: '', stderr: '', code: 0 };
    const problems = appSettingsProblems(app, readSecret());
    if (problems.length === 0) return { stdout: '', stderr: '', code: 0 };
    const where = `Secret ${CLUSTER_VARIABLES_SECRET} in ${FLUX_NAMESPACE}`;
    return {
      stdout: '',
      stderr: [...problems.map((p) => `${where}: ${p}`),
        `${app} is not enabled: set these in .flux.env (see .flux.env.example), add ${app} to enabled_apps and run scripts/bootstrap.sh again, which applies them and enables ${app}`].join('\n') + '\n',
      code: 1,
    };
  }
  const shape = FILE_COMMANDS[command];
  if (shape === undefined) {
    if (command === '-h' || command === '--help') return { stdout: USAGE, stderr: '', code: 0 };
    throw new UsageError(command === undefined ? 'name a command' : `unknown command '${command}'`, USAGE);
  }
  const args = parseArgs(rest, { usage: USAGE, options: { '--repo-url': 'URL', '--branch': 'NAME' }, flags: shape.flags, positionals: shape.positionals });
  if (args.help) return { stdout: USAGE, stderr: '', code: 0 };
  const [file, ...positional] = args.positionals;
  const overrides: Partial<Record<ClusterVariableName, string>> = {
    stackspin_repo_url: args.options.get('--repo-url'),
    stackspin_repo_branch: args.options.get('--branch'),
  };
  const quiet = args.flags.has('--quiet');

  const result = validateEnv(readEnvFile(file), { apps: optionalApps(treeRoot), overrides });
  const warnings = [...result.warnings, ...permissionWarnings(file)];
  const report = [...(quiet ? [] : warnings).map((w) => `${file}: warning: ${w}`), ...result.errors.map((e) => `${file}: ${e}`)];
  if (result.errors.length > 0) {
    report.push(`${file}: ${result.errors.length} problem(s); nothing was applied`);
    return { stdout: '', stderr: `${report.join('\n')}\n`, code: 1 };
  }
  const stderr = report.length > 0 ? `${report.join('\n')}\n` : '';

  switch (command) {
    case 'validate':
      return { stdout: `${file}: ok (${Object.keys(result.values).length} cluster variables)\n`, stderr, code: 0 };
    case 'secret':
      return { stdout: secretManifest(result.values, args.flags.has('--redact')), stderr, code: 0 };
    case 'get': {
      const keys = positional as ClusterVariableName[];
      for (const key of keys) {
        if (!(key in CLUSTER_VARIABLES) || CLUSTER_VARIABLES[key].sensitive) {
          throw new UsageError(`get needs non-sensitive cluster variable names, not '${key}'`, USAGE);
        }
      }
      return { stdout: keys.map((key) => `${result.values[key] ?? CLUSTER_VARIABLES[key].default ?? ''}\n`).join(''), stderr, code: 0 };
    }
    default: {
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
