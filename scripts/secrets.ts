/**
 * Creates the generated secrets the components declare (`stackspin-<component>-variables` in
 * flux-system): missing Secrets and missing keys only, values from a CSPRNG, existing values never
 * read back out nor overwritten. Values are never printed.
 *
 *   secrets.ts ensure [--core] [--app NAME]... [--dry-run]
 */
import { execFileSync } from 'child_process';
import { randomBytes, randomInt } from 'crypto';
import bcrypt from 'bcryptjs';
import { App } from 'cdk8s';
import { Component } from '../constructs/component';
import { GeneratedKey, GeneratedSecret, Generator } from '../constructs/generated-secret';
import { buildApp } from '../main';

/** The user name of every generated htpasswd line. */
export const HTPASSWD_USER = 'admin';
/** bcrypt cost: the Apache and Traefik default; checked once per request behind basic auth. */
const BCRYPT_COST = 10;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A generated secret and the component that owns it. */
export interface DeclaredSecret {
  readonly name: string;
  readonly namespace: string;
  /** The owning component's name (an app name for optional components). */
  readonly owner: string;
  /** Whether the owner is an optional app (enabled per cluster) rather than core. */
  readonly optional: boolean;
  readonly keys: Readonly<Record<string, GeneratedKey>>;
}

/** The parts of a Secret as `kubectl get -o json` returns it that the merge reads. */
export interface ExistingSecret {
  readonly metadata: { readonly name: string; readonly resourceVersion?: string };
  readonly data?: Readonly<Record<string, string>>;
}

/** What to write so a Secret has every declared key: only the missing keys, with plain values. */
export interface SecretPatch {
  readonly name: string;
  readonly namespace: string;
  /** The Secret does not exist yet. */
  readonly create: boolean;
  /** The version the patch was computed from, so a concurrent change makes the patch fail. */
  readonly resourceVersion?: string;
  readonly added: Readonly<Record<string, string>>;
}

/** How values are made; injected so tests are deterministic. */
export interface ValueSource {
  random(generator: Generator.PASSWORD | Generator.HEX_KEY): string;
  htpasswd(password: string): string;
}

export const CSPRNG: ValueSource = {
  random(generator) {
    if (generator === Generator.HEX_KEY) return randomBytes(32).toString('hex');
    return Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
  },
  htpasswd(password) {
    return `${HTPASSWD_USER}:${bcrypt.hashSync(password, BCRYPT_COST)}`;
  },
};

/** Every generated secret of a built platform, with its owner. */
export function declaredSecrets(app: App): DeclaredSecret[] {
  return GeneratedSecret.all(app).map((secret) => {
    if (!(secret.node.scope instanceof Component)) throw new Error(`generated secret ${secret.name} is not declared by a component`);
    const owner = secret.node.scope as Component<unknown>;
    return { name: secret.name, namespace: secret.namespace, owner: owner.definition.name, optional: owner.optional, keys: secret.keys };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The pure merge: the keys `declared` has and `existing` lacks, generated. Existing keys are
 * never in the patch. An htpasswd key hashes its `from` password, existing or new.
 */
export function missingKeys(declared: DeclaredSecret, existing: ExistingSecret | undefined, values: ValueSource): SecretPatch {
  const present = existing?.data ?? {};
  const added: Record<string, string> = {};
  const entries = Object.entries(declared.keys).filter(([key]) => present[key] === undefined);
  for (const [key, spec] of entries) {
    if (spec.generator !== Generator.HTPASSWD) added[key] = values.random(spec.generator);
  }
  for (const [key, spec] of entries) {
    if (spec.generator !== Generator.HTPASSWD) continue;
    const from = spec.from as string;
    const password = added[from] ?? Buffer.from(present[from], 'base64').toString('utf8');
    added[key] = values.htpasswd(password);
  }
  for (const [key, spec] of Object.entries(declared.keys)) {
    if (spec.generator === Generator.HTPASSWD && present[key] !== undefined && added[spec.from as string] !== undefined) {
      throw new Error(`${declared.name}: key ${spec.from} is missing but ${key}, its hash, exists; delete ${key} from the Secret too so both are generated together`);
    }
  }
  return {
    name: declared.name,
    namespace: declared.namespace,
    create: existing === undefined,
    resourceVersion: existing?.metadata.resourceVersion,
    added,
  };
}

/** The cluster operations the command needs. */
export interface SecretStore {
  get(name: string, namespace: string): ExistingSecret | undefined;
  create(manifest: object): void;
  patch(name: string, namespace: string, patch: object): void;
}

const encode = (added: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(added).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));

/** Brings each declared secret up to its keys; returns one line per secret, without values. */
export function ensureSecrets(declared: readonly DeclaredSecret[], store: SecretStore, values: ValueSource = CSPRNG): string[] {
  return declared.map((secret) => {
    const patch = missingKeys(secret, store.get(secret.name, secret.namespace), values);
    const keys = Object.keys(patch.added);
    if (patch.create) {
      store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: patch.name, namespace: patch.namespace, labels: { 'app.kubernetes.io/managed-by': 'stackspin-secrets' } },
        type: 'Opaque',
        data: encode(patch.added),
      });
      return `${patch.name}: created with ${keys.join(', ')}`;
    }
    if (keys.length === 0) return `${patch.name}: complete, unchanged`;
    store.patch(patch.name, patch.namespace, { metadata: { resourceVersion: patch.resourceVersion }, data: encode(patch.added) });
    return `${patch.name}: added ${keys.join(', ')}`;
  });
}

/** The store behind `kubectl`; values travel on stdin, never on a command line. */
export const KUBECTL: SecretStore = {
  get(name, namespace) {
    const out = execFileSync('kubectl', ['get', 'secret', name, '-n', namespace, '-o', 'json', '--ignore-not-found'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return out.trim() === '' ? undefined : JSON.parse(out) as ExistingSecret;
  },
  create(manifest) {
    execFileSync('kubectl', ['create', '-f', '-', '-o', 'name'], { input: JSON.stringify(manifest), stdio: ['pipe', 'ignore', 'inherit'] });
  },
  patch(name, namespace, patch) {
    execFileSync('kubectl', ['patch', 'secret', name, '-n', namespace, '--type=merge', '--patch-file=/dev/stdin'], { input: JSON.stringify(patch), stdio: ['pipe', 'ignore', 'inherit'] });
  },
};

/** The secrets one invocation covers: core components' with `core`, and each named app's. */
export function selectSecrets(all: readonly DeclaredSecret[], core: boolean, apps: readonly string[], validApps: readonly string[]): DeclaredSecret[] {
  const unknown = apps.filter((a) => !validApps.includes(a));
  if (unknown.length > 0) {
    throw new Error(`unknown app ${unknown.join(', ')}; valid apps: ${validApps.join(', ')}`);
  }
  return all.filter((s) => (core && !s.optional) || (s.optional && apps.includes(s.owner)));
}

const USAGE = 'usage: secrets.ts ensure [--core] [--app NAME]... [--dry-run]\n';

/** The command; `build` gives the platform (the whole tree by default). */
export function secretsCommand(argv: readonly string[], store: SecretStore, build: () => App): { stdout: string; stderr: string; code: number } {
  const [command, ...rest] = argv;
  let core = false;
  let dryRun = false;
  const apps: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--core') core = true;
    else if (rest[i] === '--dry-run') dryRun = true;
    else if (rest[i] === '--app' && rest[i + 1] !== undefined) apps.push(rest[++i]);
    else return { stdout: '', stderr: `unknown argument '${rest[i]}'\n${USAGE}`, code: 2 };
  }
  if (command !== 'ensure' || (!core && apps.length === 0)) return { stdout: '', stderr: USAGE, code: 2 };
  try {
    const app = build();
    const validApps = app.node.findAll()
      .filter((c): c is Component<unknown> => c instanceof Component && (c as Component<unknown>).optional)
      .map((c) => c.definition.name).sort();
    const selected = selectSecrets(declaredSecrets(app), core, apps, validApps);
    const lines = dryRun
      ? selected.map((s) => `would create missing keys of ${s.name} in ${s.namespace} (${Object.keys(s.keys).join(', ')})`)
      : ensureSecrets(selected, store);
    return { stdout: lines.map((l) => `${l}\n`).join(''), stderr: '', code: 0 };
  } catch (e) {
    return { stdout: '', stderr: `${(e as Error).message}\n`, code: 1 };
  }
}

if (require.main === module) {
  const { stdout, stderr, code } = secretsCommand(process.argv.slice(2), KUBECTL, () => buildApp());
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exitCode = code;
}
