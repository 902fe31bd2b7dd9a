import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ADMIN_METADATA, ADMIN_SCRIPT, ADMIN_SECRET } from '../../apps/single-sign-on/admin-identity';
import { ISSUER_URL } from '../../apps/single-sign-on/endpoints';
import { IDENTITY_SCHEMA } from '../../apps/single-sign-on/identity-schema';
import { ADMIN_PASSWORD_KEY, SINGLE_SIGN_ON_BACKUP_SET, singleSignOn } from '../../apps/single-sign-on';
import { deriveVariables, QUOTE_VARIABLE, SECRET_VARIABLE_NAMES } from '../../constructs/cluster-variables';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { Platform } from '../../constructs/platform';
import { buildApp } from '../../main';
import { pinnedChart, PinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { SAMPLE_VARIABLES } from '../infrastructure/release-values';
import { componentFiles, fullTree } from '../tree';
import { parseYaml } from '../yaml';

const DIR = 'core/single-sign-on';
const app = buildApp();
const platform = app.node.findAll().find((c): c is Platform => c instanceof Platform)!;
const generated = GeneratedSecret.all(app).find((s) => s.name === 'stackspin-single-sign-on-variables')!;

/** Sample generated values: each key's own name, so a leak is easy to spot. */
const GENERATED = Object.fromEntries(Object.keys(generated.keys).map((k) => [k, `GENERATED-VALUE-${k}`]));
const MAIL = {
  outgoing_mail_smtp_user: 'mailer@example.org',
  outgoing_mail_smtp_host: 'smtp.example.org',
  outgoing_mail_smtp_password: 'smtp secret/password',
};
const VARIABLES = { ...SAMPLE_VARIABLES, ...MAIL, ...deriveVariables(MAIL) };

const files = (): Record<string, string> => componentFiles('single-sign-on');
const manifest = (file: string): any => parseYaml(fluxSubstitute(fullTree().get(`${DIR}/${file}`)!, { ...VARIABLES, ...GENERATED }));
const manifests = (kind: string): any[] => Object.keys(files())
  .filter((f) => f.startsWith(`${DIR}/`) && !f.endsWith('/kustomization.yaml'))
  .map((f) => manifest(f.slice(DIR.length + 1)))
  .filter((m) => m.kind === kind);
/** A release's values (ConfigMap) after substitution, as Helm receives them. */
const values = (release: string): any => parseYaml(manifest(`configmap-${release}-values.yaml`).data['values.yaml']);
/** A release's secret values after substitution, or {} when it has none. */
const secretValues = (release: string): any => {
  const text = fullTree().get(`${DIR}/secret-${release}-secret-values.yaml`);
  return text === undefined ? {} : parseYaml(manifest(`secret-${release}-secret-values.yaml`).stringData['values.yaml']);
};
const merged = (release: string): any => deepMerge(values(release), secretValues(release));

function deepMerge(a: any, b: any): any {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b ?? a;
  const out: any = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

/** Every `{ name, key }` a `secretKeyRef` anywhere in `value` names. */
function secretKeyRefs(value: unknown): { name: string; key: string }[] {
  if (Array.isArray(value)) return value.flatMap(secretKeyRefs);
  if (typeof value !== 'object' || value === null) return [];
  const own = (value as any).secretKeyRef ? [(value as any).secretKeyRef] : [];
  return [...own, ...Object.values(value).flatMap(secretKeyRefs)];
}

const RELEASES: readonly [string, string, readonly string[]][] = [
  // release, chart fixture, paths passed through to the application or Kubernetes as they are
  ['single-sign-on-postgres', 'postgres', ['initdb.scripts', 'podLabels', 'persistence.labels', 'resources']],
  ['kratos', 'kratos', ['kratos.config', 'kratos.identitySchemas', 'deployment.extraEnv', 'deployment.resources', 'job.extraEnv', 'job.resources']],
  ['hydra', 'hydra', ['hydra.config', 'deployment.extraEnv', 'deployment.resources', 'job.extraEnv', 'job.resources', 'hydra-maester']],
  ['login', 'kratos-selfservice-ui-node', ['deployment.resources', 'config.secrets']],
];

describe('single sign-on', () => {
  test('GIVEN the platform WHEN synthesized THEN the component files match the snapshot', () => {
    expect(files()).toMatchSnapshot();
  });

  test('GIVEN the component WHEN synthesized THEN one Kustomization single-sign-on applies four releases named after what they run', () => {
    expect(Object.keys(files()).filter((f) => f.startsWith('cluster/'))).toEqual(['cluster/core/kustomization-single-sign-on.yaml']);
    expect(manifests('HelmRelease').map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort())
      .toEqual(['stackspin/hydra', 'stackspin/kratos', 'stackspin/login', 'stackspin/single-sign-on-postgres']);
  });

  test('GIVEN the releases WHEN their dependsOn is read THEN the database comes first and the login pages last', () => {
    const deps = Object.fromEntries(manifests('HelmRelease').map((r) => [r.metadata.name, (r.spec.dependsOn ?? []).map((d: any) => d.name)]));
    expect(deps).toEqual({
      'single-sign-on-postgres': [],
      kratos: ['single-sign-on-postgres'],
      hydra: ['single-sign-on-postgres'],
      login: ['kratos', 'hydra'],
    });
  });

  test('GIVEN every file of the tree WHEN searched THEN the SMTP password and every generated value appear only in Secrets', () => {
    const secretRefs = ['outgoing_mail_smtp_password', ...Object.keys(generated.keys)].map((k) => `\${${k}`);
    for (const [file, text] of fullTree()) {
      const leaked = secretRefs.filter((ref) => text.includes(ref));
      if (leaked.length === 0) continue;
      expect({ file, leaked, kind: parseYaml(text).kind }).toEqual({ file, leaked, kind: 'Secret' });
    }
    const substituted = Object.entries(files()).map(([f]) => [f, fluxSubstitute(fullTree().get(f)!, { ...VARIABLES, ...GENERATED })]);
    const configMaps = substituted.filter(([, text]) => parseYaml(text).kind !== 'Secret').map(([, text]) => text).join('\n');
    expect(configMaps).not.toContain('smtp-secret-password');
    expect(configMaps).not.toContain('GENERATED-VALUE-');
  });

  test('GIVEN the values WHEN a secretKeyRef is read THEN it names a key of a Secret the component writes', () => {
    const secrets = manifests('Secret');
    const refs = [...RELEASES.flatMap(([release]) => secretKeyRefs(merged(release))), ...secretKeyRefs(manifests('Job'))];
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      const secret = secrets.find((s) => s.metadata.name === ref.name);
      expect({ ref, present: secret?.stringData?.[ref.key] !== undefined }).toEqual({ ref, present: true });
    }
  });

  test('GIVEN the Secrets WHEN substituted THEN every generated key is used and each comes from the generated secret', () => {
    const used = new Set<string>();
    for (const file of Object.keys(files())) {
      for (const match of fullTree().get(file)!.matchAll(/\$\{([a-z0-9_]+)\}/g)) if (generated.keys[match[1]]) used.add(match[1]);
    }
    expect([...used].sort()).toEqual(Object.keys(generated.keys).sort());
  });

  test('GIVEN the hosts WHEN read THEN Hydra is sso.<domain>, Kratos and the pages share login.<domain>, with TLS', () => {
    const hydra = values('hydra');
    expect(hydra.hydra.config.urls.self.issuer).toBe('https://sso.stackspin.example.org');
    expect(hydra.ingress.public.hosts[0].host).toBe('sso.stackspin.example.org');
    expect(hydra.ingress.public.tls).toEqual([{ secretName: 'hydra-public.tls', hosts: ['sso.stackspin.example.org'] }]);
    expect(hydra.ingress.public.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-production' });
    expect(hydra.hydra.config.urls.login).toBe('https://login.stackspin.example.org/login');
    expect(hydra.hydra.config.urls.consent).toBe('https://login.stackspin.example.org/consent');

    const kratos = values('kratos');
    expect(kratos.kratos.config.serve.public.base_url).toBe('https://login.stackspin.example.org/');
    expect(kratos.ingress.public.hosts).toEqual([{ host: 'login.stackspin.example.org', paths: [{ path: '/self-service', pathType: 'Prefix' }] }]);
    expect(kratos.kratos.config.selfservice.flows.recovery.ui_url).toBe('https://login.stackspin.example.org/recovery');

    const login = values('login');
    expect(login.ingress.hosts[0].host).toBe('login.stackspin.example.org');
    expect(login.ingress.tls[0].secretName).toBe(kratos.ingress.public.tls[0].secretName);
    expect(login.hydraAdminUrl).toBe(kratos.kratos.config.oauth2_provider.url);
  });

  test('GIVEN the outputs WHEN apps read them THEN the issuer is Hydra\'s and the endpoints hang off it', () => {
    const outputs = platform.use(singleSignOn).outputs;
    expect(outputs.issuerUrl).toBe('https://sso.${domain}');
    expect(outputs.issuerUrl).toBe(ISSUER_URL);
    expect(outputs.tokenUrl).toBe('https://sso.${domain}/oauth2/token');
    expect(outputs.loginUrl).toBe('https://login.${domain}');
  });

  test('GIVEN the database WHEN read THEN its release, pods and volume claim carry the backupSet label', () => {
    const release = manifests('HelmRelease').find((r) => r.metadata.name === 'single-sign-on-postgres');
    expect(release.spec.commonMetadata.labels).toEqual({ [BACKUP_SET_LABEL]: SINGLE_SIGN_ON_BACKUP_SET });
    const statefulSetPatch = release.spec.postRenderers[0].kustomize.patches.find((p: any) => p.target.kind === 'StatefulSet');
    expect(JSON.parse(statefulSetPatch.patch).spec.template.metadata.labels).toEqual({ [BACKUP_SET_LABEL]: SINGLE_SIGN_ON_BACKUP_SET });
    const db = values('single-sign-on-postgres');
    expect(db.persistence.labels).toEqual({ [BACKUP_SET_LABEL]: 'single-sign-on' });
    expect(db.image).toEqual({ imagePullPolicy: 'IfNotPresent' });
  });

  test('GIVEN the hydra-maester subchart values WHEN compared with its chart THEN every key is declared there', () => {
    expect(undeclaredKeys(values('hydra')['hydra-maester'], pinnedChart('hydra', 'hydra-maester'), ['deployment.resources'])).toEqual([]);
    expect(pinnedChart('hydra').defaults.maester).toEqual({ enabled: true });
  });

  test('GIVEN Hydra WHEN read THEN hydra-maester is enabled and watches every namespace', () => {
    const hydra = values('hydra');
    expect(hydra.maester).toEqual({ enabled: true });
    expect(hydra['hydra-maester'].singleNamespaceMode).toBe(false);
    expect(hydra['hydra-maester'].enabledNamespaces).toEqual(['stackspin-apps']);
  });

  test('GIVEN Kratos WHEN substituted THEN mail goes through the cluster SMTP settings, the URL with its password only in a Secret', () => {
    const env = values('kratos').deployment.extraEnv;
    expect(env.find((e: any) => e.name === 'COURIER_SMTP_CONNECTION_URI').valueFrom.secretKeyRef).toEqual({ name: 'single-sign-on-smtp', key: 'connection-uri' });
    expect(manifest('secret-single-sign-on-smtp.yaml').stringData).toEqual({ 'connection-uri': 'smtp://mailer%40example.org:smtp%20secret%2Fpassword@smtp.example.org:587/' });
    expect(values('kratos').kratos.config.courier.smtp.connection_uri).toBeUndefined();
  });

  test('GIVEN Kratos and Hydra WHEN read THEN their DSNs carry no password and PGPASSWORD comes from the database Secret', () => {
    for (const [release, key] of [['kratos', 'kratos'], ['hydra', 'hydra']]) {
      const v = values(release);
      expect(v[key].config.dsn).toMatch(/^postgres:\/\/single_sign_on@single-sign-on-postgres\.stackspin\.svc\.cluster\.local:5432\/\w+\?/);
      for (const env of [v.deployment.extraEnv, v.job.extraEnv]) {
        expect(env.filter((e: any) => e.name === 'PGPASSWORD')).toEqual([{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'single-sign-on-database', key: 'password' } } }]);
      }
    }
  });

  test('GIVEN the identity schema WHEN read THEN the e-mail is the login and receives recovery and verification codes', () => {
    const email = IDENTITY_SCHEMA.properties.traits.properties.email['ory.sh/kratos'];
    expect(email).toEqual({ credentials: { password: { identifier: true } }, recovery: { via: 'email' }, verification: { via: 'email' } });
    const flows = values('kratos').kratos.config.selfservice.flows;
    expect({ recovery: flows.recovery.enabled, verification: flows.verification.enabled }).toEqual({ recovery: true, verification: true });
  });

  test('GIVEN the generated secret WHEN declared THEN it holds the admin password key admin-credentials prints, and a 32-character cipher key', () => {
    expect(generated.name).toBe('stackspin-single-sign-on-variables');
    expect(generated.keys[ADMIN_PASSWORD_KEY]).toEqual({ generator: Generator.PASSWORD });
    expect(ADMIN_PASSWORD_KEY).toBe('single_sign_on_admin_password');
    expect(generated.keys.single_sign_on_kratos_cipher_secret).toEqual({ generator: Generator.PASSWORD });
  });

  test('GIVEN the admin Job WHEN read THEN it logs in as admin_email with the generated password and is re-created on change', () => {
    const [job] = manifests('Job');
    const container = job.spec.template.spec.containers[0];
    expect(job.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
    expect(container.env.find((e: any) => e.name === 'ADMIN_EMAIL').value).toBe('admin@example.org');
    expect(container.env.find((e: any) => e.name === 'ADMIN_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: ADMIN_SECRET, key: 'password' });
    expect(manifest(`secret-${ADMIN_SECRET}.yaml`).stringData).toEqual({ password: `GENERATED-VALUE-${ADMIN_PASSWORD_KEY}` });
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });

  describe('the admin Job\'s script, as Flux substitutes it, against a stub of Kratos\'s admin API', () => {
    const stubDir = path.join(__dirname, '..', 'scripts', 'stubs');
    const run = (state: string): string => {
      const [job] = manifests('Job');
      const container = job.spec.template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? 'S3cret-password']));
      return execFileSync('sh', ['-c', container.command[2]], { env: { ...env, PATH: `${stubDir}/pod-bin:${process.env.PATH}`, STUB_STATE: state }, encoding: 'utf8' });
    };
    const state = (identities?: unknown[]): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sso-admin-'));
      fs.writeFileSync(path.join(dir, 'calls'), '');
      if (identities) fs.writeFileSync(path.join(dir, 'kratos-identities.json'), JSON.stringify(identities));
      return dir;
    };
    const identities = (dir: string): any[] => JSON.parse(fs.readFileSync(path.join(dir, 'kratos-identities.json'), 'utf8'));
    const existing = (metadata?: unknown): unknown => ({ id: '0b6a56b0-2f5e-4c1a-9d43-6a3f1e8c2b10', traits: { email: 'admin@example.org' }, ...(metadata === undefined ? {} : { metadata_admin: metadata }) });

    test('GIVEN a fresh Kratos WHEN the Job runs THEN it creates the administrator flagged admin, with the password', () => {
      const dir = state();
      expect(run(dir)).toContain('Created the administrator admin@example.org, flagged admin');
      expect(identities(dir)).toEqual([expect.objectContaining({ traits: { email: 'admin@example.org', name: 'Administrator' }, metadata_admin: JSON.parse(ADMIN_METADATA) })]);
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toContain('"credentials":{"password":{"config":{"password":"S3cret-password"}}}');
    });

    test('GIVEN an administrator created before the flag existed WHEN the Job runs again THEN it flags them admin, and nothing else changes', () => {
      const dir = state([existing()]);
      expect(run(dir)).toContain('The administrator admin@example.org exists; flagged admin');
      expect(identities(dir)).toEqual([{ ...(existing() as object), metadata_admin: { admin: true } }]);
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).not.toMatch(/^curl POST/m);
    });

    test.each([[{ admin: true }], [{ admin: false }]])('GIVEN an administrator with admin metadata %j WHEN the Job runs again THEN it is left as it is (a revoked flag stays revoked)', (metadata) => {
      const dir = state([existing(metadata)]);
      expect(run(dir)).toContain('The administrator admin@example.org exists; nothing to do');
      expect(identities(dir)).toEqual([existing(metadata)]);
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).not.toMatch(/^curl (POST|PATCH)/m);
    });
  });

  test('GIVEN the admin script WHEN checked by shellcheck as POSIX sh THEN it has no findings', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sso-')), 'admin.sh');
    fs.writeFileSync(file, `#!/bin/sh\n${ADMIN_SCRIPT}`);
    expect(() => execFileSync('shellcheck', ['-s', 'sh', file], { encoding: 'utf8' })).not.toThrow();
  });

  describe.each(RELEASES.map(([release, chart, freeForm]) => [release, chart, freeForm]))('release %s (chart %s)', (release, chart, freeForm) => {
    const fixture = (): PinnedChart => pinnedChart(chart as string);

    test('GIVEN its values and secret values WHEN compared with the chart THEN every key is declared there', () => {
      expect(undeclaredKeys(merged(release as string), fixture(), freeForm as string[])).toEqual([]);
    });

    test('GIVEN its substituted values WHEN validated against the chart schema (where it has one) THEN there is no error', () => {
      if (fixture().schema === undefined) return;
      expect(schemaErrors(deepMerge(fixture().defaults, merged(release as string)), fixture())).toEqual([]);
    });
  });

  test('GIVEN the cluster variables the component uses WHEN listed THEN each exists', () => {
    const used = new Set<string>();
    for (const text of Object.values(files())) for (const m of text.matchAll(/(?<!\$)\$\{([a-z_]+)(:=[^}]*)?\}/g)) used.add(m[1]);
    for (const name of used) {
      expect({ name, known: [QUOTE_VARIABLE, ...SECRET_VARIABLE_NAMES].includes(name) || generated.keys[name] !== undefined }).toEqual({ name, known: true });
    }
  });
});
