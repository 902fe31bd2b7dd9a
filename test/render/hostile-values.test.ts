import { optionalApps, validateEnv } from '../../scripts/flux-env';
import { withDerived } from '../../scripts/plan/cluster-input';
import { RenderResult } from '../../scripts/render/render';
import { clusterObjects, renderFailures, RenderProblem, schemaProblems, treeSchemaProblems } from '../../scripts/render/rules';
import { renderPlatform, TREE } from './platform';

/**
 * Values the `.flux.env` validator accepts must reach the apps unchanged, whatever they look like
 * to YAML (a number, a boolean, null, a comment, a flow collection) or to a URL.
 */

const lines = (problems: readonly RenderProblem[]): string[] => problems.map((p) => `${p.object}: ${p.message}`);

/** Two clusters whose free-text settings are hostile but valid. */
const HOSTILE: readonly Readonly<Record<string, string>>[] = [
  {
    outgoing_mail_smtp_password: '- pa: ss #1 *[{&%@/?',
    outgoing_mail_smtp_user: '12345678',
    backup_s3_region: 'true',
    backup_s3_bucket: 'null',
    backup_s3_prefix: '-p: #x',
    backup_s3_access_key: '{a: b}',
    backup_s3_secret_key: '[x]*&%',
    stackspin_repo_branch: '2026',
  },
  {
    outgoing_mail_smtp_password: '12345678',
    outgoing_mail_smtp_user: 'user@example.org/?#',
    backup_s3_region: 'null',
    backup_s3_bucket: '0777',
    backup_s3_prefix: '*',
    backup_s3_access_key: 'true',
    backup_s3_secret_key: '&anchor @at %20',
    stackspin_repo_branch: 'true',
  },
];

function envFile(hostile: Readonly<Record<string, string>>): string {
  return [
    'ip_address=1.2.3.4',
    'domain=stackspin.example.org',
    'admin_email=admin@example.org',
    'outgoing_mail_enabled=true',
    'outgoing_mail_from_address=123@example.org',
    'outgoing_mail_from_local_part=123',
    'outgoing_mail_domain=example.org',
    'outgoing_mail_smtp_host=smtp.example.org',
    'outgoing_mail_smtp_port=465',
    'backup_s3_url=https://s3.example.org',
    'enabled_apps=velero',
    ...Object.entries(hostile).map(([name, value]) => `${name}=${value}`),
    '',
  ].join('\n');
}

/** Every string an object carries, Secret data decoded, then each of its lines; added to `found`. */
function strings(value: unknown, found: string[] = [], secretData = false): string[] {
  if (typeof value === 'string') {
    const text = secretData ? Buffer.from(value, 'base64').toString('utf8') : value;
    found.push(text);
    for (const line of text.split('\n')) found.push(line);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) strings(v, found, secretData || key === 'data');
  }
  return found;
}

describe.each(HOSTILE.map((hostile, i) => [i + 1, hostile] as const))('hostile but valid settings, set %d', (_set, hostile) => {
  let result: RenderResult;
  let everything: string[];

  beforeAll(async () => {
    const validation = validateEnv(envFile(hostile), { apps: optionalApps(TREE) });
    expect(validation.errors).toEqual([]);
    result = await renderPlatform(withDerived(new Map(Object.entries(validation.values) as [string, string][])));
    everything = [];
    for (const object of clusterObjects(result)) strings(object.manifest, everything);
  });

  test('GIVEN the settings WHEN substituted into the tree THEN every object still validates (a value never becomes a number or a boolean)', () => {
    expect(result.plan.problems.map((p) => `${p.object}: ${p.message}`)).toEqual([]);
    expect(lines(treeSchemaProblems(result))).toEqual([]);
  });

  test('GIVEN the settings WHEN the platform is rendered THEN every release renders and validates', () => {
    expect(lines(renderFailures(result))).toEqual([]);
    expect(lines(schemaProblems(result))).toEqual([]);
  });

  test('GIVEN each hostile setting WHEN the rendered cluster is searched THEN the value arrives unchanged', () => {
    for (const [name, value] of Object.entries(hostile)) {
      expect({ name, found: everything.some((s) => s === value || s.includes(value)) }).toEqual({ name, found: true });
    }
  });

  test('GIVEN the SMTP credentials WHEN apps read them from a URL THEN they decode to the settings', () => {
    const urls = everything.filter((s) => /^smtps?:\/\//.test(s));
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const text of urls) {
      const url = new URL(text);
      expect({ text, protocol: url.protocol, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), host: url.hostname })
        .toEqual({ text, protocol: 'smtps:', user: hostile.outgoing_mail_smtp_user, password: hostile.outgoing_mail_smtp_password, host: 'smtp.example.org' });
    }
  });
});
