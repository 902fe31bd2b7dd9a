import bcrypt from 'bcryptjs';
import { Generator } from '../../constructs/generated-secret';
import { buildApp } from '../../main';
import { wekan } from '../../apps/wekan';
import {
  CSPRNG, declaredSecrets, DeclaredSecret, ensureSecrets, ExistingSecret, missingKeys, secretsCommand, SecretStore, selectSecrets, ValueSource,
} from '../../scripts/secrets';

const DECLARED: DeclaredSecret = {
  name: 'stackspin-demo-variables',
  namespace: 'flux-system',
  owner: 'demo',
  optional: true,
  keys: {
    demo_password: { generator: Generator.PASSWORD },
    demo_key: { generator: Generator.HEX_KEY },
    demo_htpasswd: { generator: Generator.HTPASSWD, from: 'demo_password' },
  },
};

/** Deterministic values: a counter per generator, and a readable "hash". */
function counting(): ValueSource {
  let n = 0;
  return {
    random: (generator) => `${generator}-${++n}`,
    htpasswd: (password) => `admin:hash(${password})`,
  };
}

const b64 = (v: string): string => Buffer.from(v, 'utf8').toString('base64');
const existing = (data: Record<string, string>): ExistingSecret => ({
  metadata: { name: DECLARED.name, resourceVersion: '7' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

/** An in-memory cluster that records writes. */
class MemoryStore implements SecretStore {
  public readonly secrets = new Map<string, { resourceVersion: number; data: Record<string, string> }>();
  public readonly writes: string[] = [];
  get(name: string): ExistingSecret | undefined {
    const s = this.secrets.get(name);
    return s && { metadata: { name, resourceVersion: String(s.resourceVersion) }, data: { ...s.data } };
  }
  create(manifest: any): void {
    this.writes.push(`create ${manifest.metadata.name}`);
    this.secrets.set(manifest.metadata.name, { resourceVersion: 1, data: manifest.data });
  }
  patch(name: string, _namespace: string, patch: any): void {
    const s = this.secrets.get(name)!;
    if (patch.metadata.resourceVersion !== String(s.resourceVersion)) throw new Error('conflict');
    this.writes.push(`patch ${name} ${Object.keys(patch.data).join(',')}`);
    this.secrets.set(name, { resourceVersion: s.resourceVersion + 1, data: { ...s.data, ...patch.data } });
  }
}

describe('missingKeys (the merge)', () => {
  test('GIVEN no Secret WHEN merged THEN it is created with every key, the htpasswd hashing the new password', () => {
    const patch = missingKeys(DECLARED, undefined, counting());
    expect(patch).toEqual({
      name: DECLARED.name, namespace: 'flux-system', create: true, resourceVersion: undefined,
      added: { demo_password: 'password-1', demo_key: 'hex-key-2', demo_htpasswd: 'admin:hash(password-1)' },
    });
  });

  test('GIVEN a complete Secret WHEN merged THEN nothing is added', () => {
    const patch = missingKeys(DECLARED, existing({ demo_password: 'p', demo_key: 'k', demo_htpasswd: 'h' }), counting());
    expect(patch).toMatchObject({ create: false, resourceVersion: '7', added: {} });
  });

  test('GIVEN a Secret lacking one new key WHEN merged THEN only that key is added', () => {
    const patch = missingKeys(DECLARED, existing({ demo_password: 'p', demo_htpasswd: 'h' }), counting());
    expect(patch.added).toEqual({ demo_key: 'hex-key-1' });
  });

  test('GIVEN a Secret lacking only the htpasswd WHEN merged THEN it hashes the existing password', () => {
    const patch = missingKeys(DECLARED, existing({ demo_password: 'kept', demo_key: 'k' }), counting());
    expect(patch.added).toEqual({ demo_htpasswd: 'admin:hash(kept)' });
  });

  test('GIVEN an htpasswd whose password is missing WHEN merged THEN it refuses rather than break basic auth', () => {
    expect(() => missingKeys(DECLARED, existing({ demo_key: 'k', demo_htpasswd: 'h' }), counting()))
      .toThrow('stackspin-demo-variables: key demo_password is missing but demo_htpasswd, its hash, exists; delete demo_htpasswd from the Secret too so both are generated together');
  });
});

describe('ensureSecrets', () => {
  test('GIVEN an empty cluster WHEN run twice THEN the first run creates the Secret and the second writes nothing', () => {
    const store = new MemoryStore();
    expect(ensureSecrets([DECLARED], store, counting())).toEqual(['stackspin-demo-variables: created with demo_password, demo_key, demo_htpasswd']);
    const first = store.secrets.get(DECLARED.name)!.data;
    expect(ensureSecrets([DECLARED], store, counting())).toEqual(['stackspin-demo-variables: complete, unchanged']);
    expect(store.writes).toEqual(['create stackspin-demo-variables']);
    expect(store.secrets.get(DECLARED.name)!.data).toEqual(first);
  });

  test('GIVEN a Secret that lacks a key declared since WHEN run THEN only that key is patched, on the version read', () => {
    const store = new MemoryStore();
    store.secrets.set(DECLARED.name, { resourceVersion: 3, data: { demo_password: b64('p'), demo_htpasswd: b64('h') } });
    expect(ensureSecrets([DECLARED], store, counting())).toEqual(['stackspin-demo-variables: added demo_key']);
    expect(store.writes).toEqual(['patch stackspin-demo-variables demo_key']);
    expect(store.secrets.get(DECLARED.name)!.data).toEqual({ demo_password: b64('p'), demo_htpasswd: b64('h'), demo_key: b64('hex-key-1') });
  });

  test('GIVEN generated values WHEN reported THEN no value appears in the output', () => {
    const lines = ensureSecrets([DECLARED], new MemoryStore(), counting()).join('\n');
    expect(lines).not.toMatch(/password-1|hex-key-2|hash\(/);
  });
});

describe('CSPRNG values', () => {
  test('GIVEN the generators WHEN values are made THEN passwords are 32 alphanumerics, keys 64 hex, and never repeat', () => {
    const a = CSPRNG.random(Generator.PASSWORD);
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(CSPRNG.random(Generator.PASSWORD)).not.toBe(a);
    expect(CSPRNG.random(Generator.HEX_KEY)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('GIVEN a password WHEN hashed for basic auth THEN the line is admin:<bcrypt> and verifies', () => {
    const [user, hash] = CSPRNG.htpasswd('s3cret').split(':');
    expect(user).toBe('admin');
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
    expect(bcrypt.compareSync('s3cret', hash)).toBe(true);
  });
});

describe('declared secrets and selection', () => {
  const all = declaredSecrets(buildApp([wekan]));

  test('GIVEN the platform WHEN secrets are collected THEN each names its owning component and whether it is optional', () => {
    expect(all.find((s) => s.name === 'stackspin-wekan-variables')).toMatchObject({ owner: 'wekan', optional: true, namespace: 'flux-system' });
  });

  test('GIVEN core and app secrets WHEN selected THEN --core takes core only and --app the named app only', () => {
    const core: DeclaredSecret = { ...DECLARED, name: 'stackspin-core-variables', owner: 'core', optional: false };
    const both = [core, DECLARED];
    expect(selectSecrets(both, true, [], ['demo']).map((s) => s.owner)).toEqual(['core']);
    expect(selectSecrets(both, false, ['demo'], ['demo']).map((s) => s.owner)).toEqual(['demo']);
    expect(() => selectSecrets(both, false, ['nope'], ['demo', 'wekan'])).toThrow('unknown app nope; valid apps: demo, wekan');
  });

  test('GIVEN the command WHEN given a dry run or bad arguments THEN it lists keys without touching the store, or prints the usage', () => {
    const store = new MemoryStore();
    const dry = secretsCommand(['ensure', '--app', 'wekan', '--dry-run'], store, () => buildApp([wekan]));
    expect(dry.stdout).toBe('would create missing keys of stackspin-wekan-variables in flux-system (wekan_oauth_client_secret)\n');
    expect(store.writes).toEqual([]);
    expect(secretsCommand(['ensure'], store, () => buildApp([wekan])).code).toBe(2);
    expect(secretsCommand(['ensure', '--app', 'nope'], store, () => buildApp([wekan]))).toMatchObject({ code: 1, stderr: 'unknown app nope; valid apps: wekan\n' });
  });
});
