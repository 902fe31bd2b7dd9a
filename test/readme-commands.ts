/**
 * Checks operator commands (kubectl, flux, logcli and LogQL queries) against a cluster model:
 * every namespace, object, container and label they name must exist. It reads commands the way
 * README.md writes them: one per line, placeholders as `<name>` or `$name` (checked for their
 * kind only), pipelines and `&&` split into commands.
 */

/** One object of the cluster, as the commands can reach it. */
export interface ModelObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container names of its pods (workloads). */
  readonly containers: readonly string[];
  /** Labels of its pods (workloads) and volume claim templates. */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly claimLabels?: readonly Readonly<Record<string, string>>[];
  /** Replicas of a StatefulSet, whose pods are `<name>-<ordinal>`. */
  readonly replicas?: number;
}

export interface ClusterModel {
  readonly namespaces: ReadonlySet<string>;
  readonly objects: readonly ModelObject[];
  /** Kinds the API serves (built-in and CRDs), by every name kubectl accepts for them. */
  readonly kinds: ReadonlyMap<string, string>;
  /** Log stream label names, and the values each takes. */
  readonly streams: ReadonlyMap<string, ReadonlySet<string>>;
}

const isPlaceholder = (token: string): boolean => /[<$]/.test(token) || /^[A-Z_]+$/.test(token);

/** Splits a command line into words, honouring single and double quotes (no expansion). */
export function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started || current) out.push(current);
  return out;
}

/** The commands of a script line: split at `|`, `&&`, `;` outside quotes, comments dropped. */
export function commands(line: string): string[][] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      break;
    } else if (ch === '|' || ch === ';' || (ch === '&' && line[i + 1] === '&')) {
      parts.push(current);
      current = '';
      if (ch === '&' || (ch === '|' && line[i + 1] === '|')) i++;
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(words).filter((w) => w.length > 0);
}

/** Options of kubectl and flux that take a value, so it is not read as an object. */
const VALUE_OPTIONS = new Set(['-o', '--output', '-c', '--container', '-p', '--patch', '--type', '--for', '--timeout', '-f', '--filename',
  '--status-selector', '--since', '--limit', '--from-backup', '--kustomization']);

interface Parsed {
  readonly namespace?: string;
  readonly allNamespaces: boolean;
  readonly selector?: string;
  readonly container?: string;
  readonly from?: string;
  readonly positionals: readonly string[];
}

function parseOptions(args: readonly string[]): Parsed {
  let namespace: string | undefined;
  let allNamespaces = false;
  let selector: string | undefined;
  let container: string | undefined;
  let from: string | undefined;
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => inline ?? args[++i];
    if (arg === '--') { positionals.push(...args.slice(i + 1)); break; }
    if (flag === '-n' || flag === '--namespace') namespace = value();
    else if (flag === '-A' || flag === '--all-namespaces') allNamespaces = true;
    else if (flag === '-l' || flag === '--selector') selector = value();
    else if (flag === '-c' || flag === '--container') container = value();
    else if (flag === '--from') from = value();
    else if (VALUE_OPTIONS.has(flag)) value();
    else if (!arg.startsWith('-')) positionals.push(arg);
  }
  return { namespace, allNamespaces, selector, container, from, positionals };
}

export interface CommandProblem {
  readonly command: string;
  readonly problem: string;
}

/** Checks every command of a script (one per line, `\` continuations joined). */
export function checkScript(script: string, model: ClusterModel): CommandProblem[] {
  const problems: CommandProblem[] = [];
  for (const line of script.replace(/\\\n\s*/g, ' ').split('\n')) {
    for (const command of commands(line)) {
      const text = command.join(' ');
      const report = (problem: string): void => { problems.push({ command: text, problem }); };
      if (command[0] === 'kubectl') checkKubectl(command.slice(1), model, report);
      else if (command[0] === 'flux') checkFlux(command.slice(1), model, report);
      else if (command[0] === 'logcli') for (const q of command.slice(2).filter((w) => w.startsWith('{'))) problems.push(...checkQuery(q, model).map((p) => ({ command: text, problem: p })));
    }
  }
  return problems;
}

function objectsOf(model: ClusterModel, kind: string, namespace: string | undefined): ModelObject[] {
  return model.objects.filter((o) => o.kind === kind && (namespace === undefined || o.namespace === namespace));
}

function checkNamespace(namespace: string | undefined, model: ClusterModel, report: (p: string) => void): void {
  if (namespace !== undefined && !isPlaceholder(namespace) && !model.namespaces.has(namespace)) report(`namespace ${namespace} does not exist`);
}

/** Whether some object of `kinds` in the namespace carries the labels of a selector. */
function selects(selector: string, kinds: readonly string[], namespace: string | undefined, model: ClusterModel): boolean {
  const wanted = selector.split(',').map((s) => s.split('='));
  return model.objects.filter((o) => namespace === undefined || o.namespace === namespace).some((o) => {
    const sets = [
      ...(kinds.length === 0 || kinds.includes(o.kind) ? [o.labels] : []),
      ...(kinds.length === 0 || kinds.includes('Pod') ? [o.podLabels ?? {}] : []),
      ...(kinds.length === 0 || kinds.includes('PersistentVolumeClaim') ? o.claimLabels ?? [] : []),
    ];
    return sets.some((labels) => wanted.every(([k, v]) => labels[k] !== undefined && (v === undefined || isPlaceholder(v) || labels[k] === v)));
  });
}

/** Whether a named object exists; pods as the workloads that create them. */
function exists(kind: string, name: string, namespace: string | undefined, model: ClusterModel): ModelObject | undefined {
  if (kind === 'Pod') {
    const ordinal = /^(.*)-(\d+)$/.exec(name);
    return objectsOf(model, 'StatefulSet', namespace).find((s) => ordinal && s.name === ordinal[1] && Number(ordinal[2]) < (s.replicas ?? 1));
  }
  return objectsOf(model, kind, namespace).find((o) => o.name === name);
}

function kindOf(name: string, model: ClusterModel, report: (p: string) => void): string | undefined {
  const kind = model.kinds.get(name.toLowerCase());
  if (kind === undefined) report(`the API serves no kind ${name}`);
  return kind;
}

function checkKubectl(args: readonly string[], model: ClusterModel, report: (p: string) => void): void {
  const parsed = parseOptions(args);
  checkNamespace(parsed.namespace, model, report);
  const namespace = parsed.allNamespaces ? undefined : parsed.namespace ?? 'default';
  const [verb, ...rest] = parsed.positionals;
  const kinds: string[] = [];
  const check = (kind: string, name: string): void => {
    if (isPlaceholder(name)) return;
    const found = exists(kind, name, namespace, model);
    if (!found) report(`${kind} ${namespace ?? '(any namespace)'}/${name} does not exist`);
    else if (parsed.container !== undefined && !found.containers.includes(parsed.container)) report(`${kind} ${name} has no container ${parsed.container}`);
  };
  if (parsed.from !== undefined) {
    const [kind, name] = parsed.from.split('/');
    const resolved = kindOf(kind, model, report);
    if (resolved) check(resolved, name);
  }
  if (verb === 'port-forward' || verb === 'exec' || verb === 'logs') {
    const target = rest[0];
    if (target !== undefined && !target.startsWith('-') && verb !== 'logs') {
      const [kind, name] = target.includes('/') ? target.split('/') : ['pod', target];
      const resolved = kindOf(kind, model, report);
      if (resolved) check(resolved, name);
    }
  } else if (['get', 'describe', 'delete', 'edit', 'patch', 'rollout', 'wait', 'create'].includes(verb)) {
    const targets = verb === 'rollout' ? rest.slice(1) : verb === 'create' ? rest.slice(0, 1) : rest;
    if (targets.length > 0) {
      if (targets[0].includes('/')) {
        for (const target of targets) {
          const [kind, name] = target.split('/');
          const resolved = kindOf(kind, model, report);
          if (resolved) { kinds.push(resolved); check(resolved, name); }
        }
      } else {
        for (const kind of targets[0].split(',')) {
          const resolved = kind === 'all' ? undefined : kindOf(kind, model, report);
          if (resolved) kinds.push(resolved);
          if (resolved && verb !== 'create') for (const name of targets.slice(1)) check(resolved, name);
        }
      }
    }
  }
  if (parsed.selector !== undefined && !selects(parsed.selector, kinds.length > 0 ? kinds : [], namespace, model)) {
    report(`nothing${kinds.length > 0 ? ` of kind ${kinds.join(', ')}` : ''} in ${namespace ?? 'any namespace'} carries ${parsed.selector}`);
  }
}

const FLUX_KINDS: Readonly<Record<string, string>> = {
  kustomization: 'Kustomization', kustomizations: 'Kustomization', ks: 'Kustomization',
  helmrelease: 'HelmRelease', helmreleases: 'HelmRelease', hr: 'HelmRelease',
};

function checkFlux(args: readonly string[], model: ClusterModel, report: (p: string) => void): void {
  const parsed = parseOptions(args);
  checkNamespace(parsed.namespace, model, report);
  const namespace = parsed.allNamespaces ? undefined : parsed.namespace ?? 'flux-system';
  const [verb, ...rest] = parsed.positionals;
  if (!['get', 'reconcile', 'suspend', 'resume'].includes(verb)) return;
  const [kindWord, ...names] = rest[0] === 'source' ? [`source-${rest[1]}`, ...rest.slice(2)] : rest;
  const kind = kindWord === 'source-git' ? 'GitRepository' : FLUX_KINDS[kindWord];
  if (kind === undefined) {
    if (kindWord !== 'all') report(`flux has no kind ${kindWord}`);
    return;
  }
  for (const name of names.filter((n) => !isPlaceholder(n))) {
    if (!exists(kind, name, namespace, model)) report(`${kind} ${namespace ?? '(any namespace)'}/${name} does not exist`);
  }
}

/** Checks the stream selector of a LogQL query: label names Alloy sets, values some stream has. */
export function checkQuery(query: string, model: ClusterModel): string[] {
  const selector = /^\s*\{([^}]*)\}/.exec(query);
  if (!selector) return [`${query}: no stream selector`];
  const problems: string[] = [];
  for (const matcher of selector[1].split(',')) {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"([^"]*)"|`([^`]*)`)\s*$/.exec(matcher);
    if (!m) { problems.push(`${query}: cannot read the matcher ${matcher}`); continue; }
    const [, label, op, quoted, raw] = m;
    const value = quoted ?? raw;
    const values = model.streams.get(label);
    if (values === undefined) { problems.push(`${query}: no stream has a label ${label}`); continue; }
    if (op === '=' && !values.has(value)) problems.push(`${query}: no stream has ${label}="${value}"`);
    if (op === '=~') {
      const alternatives = /^\((.*)\)$/.exec(value)?.[1].split('|') ?? [value];
      for (const alternative of alternatives) {
        const pattern = new RegExp(`^(?:${alternative})$`);
        if (![...values].some((v) => pattern.test(v))) problems.push(`${query}: no stream has a ${label} matching ${alternative}`);
      }
    }
  }
  return problems;
}
