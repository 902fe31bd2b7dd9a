import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, Scalar } from '../../constructs/cluster-variables';
import { optionalEntry } from '../../constructs/platform';
import {
  exampleFile, fluxEnvCommand, OPTIONAL_ENTRIES, optionalApps, readEnvFile, render, secretManifest, TREE_ROOT, validateEnv,
} from '../../scripts/flux-env';
import { parseYaml } from '../yaml';

const APPS = ['nextcloud', 'velero', 'wekan'];
const BASE = 'ip_address=1.2.3.4\ndomain=stackspin.example.org\nadmin_email=admin@example.org\n';
const MAIL = [
  'outgoing_mail_enabled=true', 'outgoing_mail_from_address=admin@example.org', 'outgoing_mail_from_local_part=admin',
  'outgoing_mail_domain=example.org', 'outgoing_mail_smtp_host=smtp.example.org', 'outgoing_mail_smtp_port=587',
  'outgoing_mail_smtp_user=admin@example.org', 'outgoing_mail_smtp_password=CHANGEME',
].join('\n');

/** The warnings BASE gets: its three values are the placeholders of .flux.env.example. */
const EXAMPLE_WARNINGS = [
  "ip_address: still the example of .flux.env.example (1.2.3.4); set this cluster's own value",
  "domain: still the example of .flux.env.example (stackspin.example.org); set this cluster's own value",
  "admin_email: still the example of .flux.env.example (admin@example.org); set this cluster's own value",
];

/** The errors of BASE with one line replaced or added. */
function errorsOf(text: string): readonly string[] {
  return validateEnv(text, { apps: APPS }).errors;
}
const withLine = (line: string): string => `${BASE}${line}\n`;
const replacing = (key: string, line: string): string => BASE.replace(new RegExp(`^${key}=.*$`, 'm'), line);

describe('flux-env validation', () => {
  test('GIVEN the three required keys WHEN validated THEN there is no problem and exactly those values are kept, each warned about as still the example', () => {
    const result = validateEnv(BASE, { apps: APPS });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(EXAMPLE_WARNINGS);
    expect(validateEnv('ip_address=203.0.113.7\ndomain=stackspin.example.net\nadmin_email=it@example.net\n', { apps: APPS }).warnings).toEqual([]);
    expect(result.values).toEqual({ ip_address: '1.2.3.4', domain: 'stackspin.example.org', admin_email: 'admin@example.org' });
  });

  test('GIVEN a required key is missing WHEN validated THEN the message names it, an example and what it is', () => {
    expect(errorsOf(BASE.replace(/^ip_address=.*\n/m, ''))).toEqual([
      "ip_address: required but not set; add ip_address=1.2.3.4 (The server's public IP address: bootstrap installs k3s with it as the node's external address and in the API server's certificate)",
    ]);
  });

  test('GIVEN a required key with an empty value WHEN validated THEN it counts as missing', () => {
    expect(errorsOf(replacing('domain', 'domain='))).toEqual([
      'domain: required but not set; add domain=stackspin.example.org (The FQDN of your cluster; apps live on subdomains of it)',
    ]);
  });

  test('GIVEN outgoing mail enabled without SMTP settings WHEN validated THEN each mail key is required', () => {
    const errors = errorsOf(withLine('outgoing_mail_enabled=true'));
    expect(errors).toHaveLength(7);
    expect(errors).toContain('outgoing_mail_smtp_host: required because outgoing_mail_enabled=true; add outgoing_mail_smtp_host=smtp.example.org (SMTP server host name)');
  });

  test('GIVEN outgoing mail disabled WHEN validated THEN no mail key is required', () => {
    expect(errorsOf(withLine('outgoing_mail_enabled=false'))).toEqual([]);
  });

  test('GIVEN velero enabled without backup settings WHEN validated THEN each backup key is required', () => {
    const errors = errorsOf(withLine('enabled_apps=velero'));
    expect(errors).toHaveLength(5);
    expect(errors).toContain('backup_s3_bucket: required because enabled_apps includes velero; add backup_s3_bucket=stackspin-backup (S3 bucket that receives the backups)');
  });

  test('GIVEN a bad IP address WHEN validated THEN the message shows the value and the format', () => {
    expect(errorsOf(replacing('ip_address', 'ip_address=1.2.3.999'))).toEqual(["ip_address: '1.2.3.999' must be an IPv4 or IPv6 address like 1.2.3.4"]);
  });

  test('GIVEN an upper-case domain WHEN validated THEN the message asks for a lower-case domain name', () => {
    expect(errorsOf(replacing('domain', 'domain=Stackspin.Example.org'))).toEqual(["domain: 'Stackspin.Example.org' must be a lower-case domain name like stackspin.example.org"]);
  });

  test('GIVEN an e-mail without domain WHEN validated THEN the message asks for an e-mail address', () => {
    expect(errorsOf(replacing('admin_email', 'admin_email=admin'))).toEqual(["admin_email: 'admin' must be an e-mail address like admin@example.org"]);
  });

  test('GIVEN a port above 65535 WHEN validated THEN the message gives the range', () => {
    expect(errorsOf(`${BASE}${MAIL.replace('smtp_port=587', 'smtp_port=70000')}\n`)).toEqual(["outgoing_mail_smtp_port: '70000' must be a port from 1 to 65535"]);
  });

  test('GIVEN the SMTP port 0465 WHEN validated THEN it is refused: YAML 1.1, PHP and Python would read octal 309', () => {
    expect(errorsOf(`${BASE}${MAIL.replace('smtp_port=587', 'smtp_port=0465')}\n`)).toEqual(["outgoing_mail_smtp_port: '0465' must be written without a leading zero, like 465 (a leading zero reads as octal)"]);
  });

  test('GIVEN every numeric cluster variable WHEN its example is written with a leading zero THEN it is refused the same way, and 0 alone stays a number', () => {
    const numeric = CLUSTER_VARIABLE_NAMES.filter((name) => CLUSTER_VARIABLES[name].scalar === Scalar.INTEGER);
    expect(numeric.length).toBeGreaterThanOrEqual(5);
    for (const name of numeric) {
      const spec = CLUSTER_VARIABLES[name];
      const result = validateEnv(`${BASE}${MAIL}\n${name}=0${spec.example}\n`.replace(new RegExp(`^${name}=[^0].*\n`, 'm'), ''), { apps: APPS });
      expect({ name, errors: result.errors }).toEqual({ name, errors: [expect.stringMatching(new RegExp(`^${name}: '0${spec.example}' must be written without a leading zero, like `))] });
    }
    expect(errorsOf(withLine('k3s_window_start_hour=0'))).toEqual([]);
  });

  test.each([
    ['feature..x', 'must not contain ..'],
    ['-main', 'must not start with -'],
    ['main.lock', 'must not have a part that ends with .lock'],
    ['feature/', 'must not start or end with /, nor hold //'],
    ['a//b', 'must not start or end with /, nor hold //'],
    ['.hidden', 'must not have a part that starts with . (like .x or a/.x)'],
    ['release.', 'must not end with .'],
  ])('GIVEN stackspin_repo_branch=%s WHEN validated THEN it is refused: it %s', (branch, rule) => {
    expect(errorsOf(withLine(`stackspin_repo_branch=${branch}`))).toEqual([`stackspin_repo_branch: '${branch}' is not a branch name git accepts: it ${rule}`]);
  });

  test('GIVEN branch names WHEN validated THEN exactly those git check-ref-format --branch accepts pass, as far as the allowed characters go', () => {
    const names = ['main', 'feature/x', 'release-1.2', 'a_b', 'v2.9.4', 'feature..x', '-main', 'main.lock', 'a.lock/b', 'feature/', '/x', 'a//b',
      '.hidden', 'a/.b', 'release.', 'x-', 'a/b/c', '...', 'lock', '_x', 'x.y.z', 'a.lockx'];
    for (const name of names) {
      const git = spawnSync('git', ['check-ref-format', '--branch', name], { encoding: 'utf8' }).status === 0;
      const ours = errorsOf(withLine(`stackspin_repo_branch=${name}`)).length === 0;
      expect({ name, accepted: ours }).toEqual({ name, accepted: git });
    }
  });

  test('GIVEN a .flux.env saved as Latin-1 WHEN read THEN it is refused naming the line, not its value, and the fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latin1-'));
    const file = path.join(dir, 'flux.env');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${BASE}${MAIL.replace(/smtp_password=.*/, 'smtp_password=p')}`), Buffer.from([0xe4]), Buffer.from('ss\n')]));
    try {
      expect(() => readEnvFile(file)).toThrow(`${file}: line ${BASE.split('\n').length - 1 + MAIL.split('\n').length} is not UTF-8 text (a file saved as Latin-1 or Windows-1252?); save the file as UTF-8 and check that line's value`);
      fs.writeFileSync(file, `\ufeff${BASE}`);
      expect(readEnvFile(file).startsWith('\ufeff')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN admin_email with a backtick WHEN validated THEN it is refused: it would end the literal of Grafana\'s admin rule', () => {
    expect(errorsOf(replacing('admin_email', 'admin_email=a`b@example.org'))).toEqual(["admin_email: 'a`b@example.org' must not contain a backtick (`), which breaks Grafana's admin rule; remove it"]);
  });

  test.each([
    ['Ada@Example.org', 0, 'ada@example.org\n', ''],
    ['zoë@exämple.org', 1, '', "e-mail address 'zoë@exämple.org' is not valid; give one like ada@example.org (ASCII letters, one @, a domain with a dot)\n"],
    ['a;id@example.org', 1, '', "e-mail address 'a;id@example.org' is not valid; give one like ada@example.org (ASCII letters, one @, a domain with a dot)\n"],
    ['a`b@example.org', 1, '', "e-mail address 'a`b@example.org' must not contain a backtick (`), which breaks Grafana's admin rule; remove it\n"],
  ])('GIVEN the user address %s WHEN checked for create-user.sh THEN it follows the rule of admin_email', (address, code, stdout, stderr) => {
    expect(fluxEnvCommand(['check-email', address])).toEqual({ code, stdout, stderr });
    expect(errorsOf(replacing('admin_email', `admin_email=${address.toLowerCase()}`)).length).toBe(code);
  });

  test.each([
    ['stäckspin.example.org', "is not ASCII; write its ASCII (punycode) form, xn--stckspin-1za.example.org"],
    ['stackspin.example.org\u200b', 'holds an invisible character (U+200B) at character 22; type the domain again'],
    ['stackspin\u00a0example.org', 'holds an invisible character (U+00A0) at character 10; type the domain again'],
  ])('GIVEN domain=%j WHEN validated THEN the message names the character and the fix', (domain, message) => {
    expect(errorsOf(replacing('domain', `domain=${domain}`))).toEqual([`domain: '${domain}' ${message}`]);
  });

  test('GIVEN hour 24 WHEN validated THEN the message gives the range', () => {
    expect(errorsOf(withLine('flux_window_start_hour=24'))).toEqual(["flux_window_start_hour: '24' must be a whole hour from 0 to 23, e.g. 2 for 02:00"]);
  });

  test('GIVEN an unknown time zone WHEN validated THEN the message asks for an IANA time zone', () => {
    expect(errorsOf(withLine('maintenance_time_zone=Mars/Olympus'))).toEqual(["maintenance_time_zone: 'Mars/Olympus' must be an IANA time zone like Europe/Amsterdam or Etc/UTC"]);
  });

  test('GIVEN a quoted value WHEN validated THEN the message says to remove the quotes', () => {
    expect(errorsOf(replacing('domain', 'domain="stackspin.example.org"'))).toEqual(['domain: remove the quotes around the value; values are taken literally']);
    expect(errorsOf(replacing('domain', "domain='stackspin.example.org'"))).toEqual(['domain: remove the quotes around the value; values are taken literally']);
  });

  test('GIVEN a $ in a password WHEN validated THEN the message says it breaks substitution, without showing the value', () => {
    const errors = errorsOf(`${BASE}${MAIL.replace('smtp_password=CHANGEME', 'smtp_password=pa$$word')}\n`);
    expect(errors).toEqual(['outgoing_mail_smtp_password: must not contain ", $ or \\ (they break Flux substitution); remove them']);
    expect(errors.join()).not.toContain('pa$$word');
  });

  test('GIVEN a line break in a value WHEN validated THEN the message names the key', () => {
    const result = validateEnv(BASE, { apps: APPS, overrides: { stackspin_repo_branch: 'main\nx' } });
    expect(result.errors).toEqual(['stackspin_repo_branch: must not contain a line break']);
  });

  test('GIVEN Windows line endings WHEN validated THEN one message says to save with Unix line endings', () => {
    expect(errorsOf(BASE.replace(/\n/g, '\r\n'))).toEqual(['the file has Windows line endings; save it with Unix (LF) line endings']);
  });

  test('GIVEN a trailing space WHEN validated THEN the message says to remove it', () => {
    expect(errorsOf(replacing('domain', 'domain=stackspin.example.org '))).toEqual(['domain: remove the spaces before or after the value']);
  });

  test('GIVEN an unknown key WHEN validated THEN it is a warning with the likely name, and is not kept', () => {
    const result = validateEnv(withLine('admin_emial=x@example.org'), { apps: APPS });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(['admin_emial: not a cluster variable, ignored; did you mean admin_email?', ...EXAMPLE_WARNINGS]);
    expect(Object.keys(result.values)).not.toContain('admin_emial');
  });

  test('GIVEN a key set twice WHEN validated THEN the message gives both lines', () => {
    expect(errorsOf(withLine('domain=other.example.org'))).toEqual(['domain: set twice (lines 2 and 4); keep one']);
  });

  test('GIVEN a line that is not name=value WHEN validated THEN the message gives the line number, the key and the form, never the value', () => {
    const errors = errorsOf(`${BASE}outgoing_mail_smtp_password = SuperSecret123\n`);
    expect(errors).toEqual([
      'line 4: outgoing_mail_smtp_password: not name=value; write it as outgoing_mail_smtp_password=value (no spaces around = or before the name, no export), or start the line with #',
    ]);
    expect(errors.join()).not.toContain('SuperSecret123');
  });

  test.each([
    ['a bare value', 'SuperSecret123'],
    ['a value with spaces', 'my secret pass phrase'],
    ['a broken name', '1password=SuperSecret123'],
  ])('GIVEN a line with %s and no parseable name WHEN validated THEN only its number is given', (_what, line) => {
    const errors = errorsOf(withLine(line));
    expect(errors).toEqual(['line 4: not name=value (the line is not shown: it may hold a secret); write it as name=value, or start the line with # to make it a comment']);
    expect(errors.join()).not.toContain('Secret');
  });

  test('GIVEN a byte order mark before line 1 WHEN validated THEN it has its own message and line 1 is read normally', () => {
    expect(errorsOf(`\uFEFF${BASE}`)).toEqual(['line 1 starts with an invisible byte order mark (BOM); save the file as UTF-8 without BOM']);
  });

  test.each([':', '2001:db8:::1:::', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'fe80::1%eth0', 'example.org'])('GIVEN ip_address=%s WHEN validated THEN it is not an address', (ip) => {
    expect(errorsOf(replacing('ip_address', `ip_address=${ip}`))).toEqual([`ip_address: '${ip}' must be an IPv4 or IPv6 address like 1.2.3.4`]);
  });

  test.each([
    ['0.0.0.0', 'an unspecified address (0.0.0.0/8, ::)'],
    ['::', 'an unspecified address (0.0.0.0/8, ::)'],
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['169.254.1.1', 'a link-local address'],
    ['224.0.0.1', 'a multicast or reserved address'],
    ['255.255.255.255', 'a multicast or reserved address'],
  ])('GIVEN ip_address=%s WHEN validated THEN it is refused as %s', (ip, what) => {
    expect(errorsOf(replacing('ip_address', `ip_address=${ip}`))).toEqual([`ip_address: '${ip}' is ${what}, which the cluster cannot be reached at; give the server's public IP address`]);
  });

  test.each(['203.0.113.7', '10.0.0.5', '2001:db8::1', '2a01:4f8:c17:1::1'])('GIVEN ip_address=%s WHEN validated THEN it is accepted', (ip) => {
    expect(errorsOf(replacing('ip_address', `ip_address=${ip}`))).toEqual([]);
  });

  test.each(['a@..com', 'a@.example.org', 'a@example..org', 'a@-example.org', 'a@example-.org', 'a@example', 'a..b@example.org', '.a@example.org', 'a@b@example.org', 'a b@example.org', '@example.org', 'a@example.o'])(
    'GIVEN admin_email=%s WHEN validated THEN it is not an e-mail address', (email) => {
      expect(errorsOf(replacing('admin_email', `admin_email=${email}`))).toEqual([`admin_email: '${email}' must be an e-mail address like admin@example.org`]);
    });

  test.each(['admin@example.org', 'first.last+tag@mail.example.co.uk', "o'brien@example.org", 'Admin@Example.org'])('GIVEN admin_email=%s WHEN validated THEN it is accepted', (email) => {
    expect(errorsOf(replacing('admin_email', `admin_email=${email}`))).toEqual([]);
  });

  test.each([['0.0.0.0/0,::/0', true], ['10.0.0.0/8, 2001:db8::/32', true], ['2001:db8:::1:::/64', false], [':/0', false], ['10.0.0.0/33', false]])(
    'GIVEN ingress_allowed_source_ranges=%s WHEN validated THEN valid is %s', (ranges, valid) => {
      expect(errorsOf(withLine(`ingress_allowed_source_ranges=${ranges}`)).length === 0).toBe(valid);
    });

  test('GIVEN an app the tree does not offer WHEN validated THEN the message lists the valid apps', () => {
    expect(errorsOf(withLine('enabled_apps=wekan,matrix'))).toEqual(["enabled_apps: 'matrix' is not an optional app; valid apps: nextcloud, velero, wekan"]);
  });

  test('GIVEN a from address that is not local part @ domain WHEN validated THEN the message asks to make them agree', () => {
    expect(errorsOf(`${BASE}${MAIL.replace('from_local_part=admin', 'from_local_part=info')}\n`)).toEqual([
      "outgoing_mail_from_address: 'admin@example.org' must be outgoing_mail_from_local_part@outgoing_mail_domain (info@example.org); make the three agree",
    ]);
  });

  test('GIVEN a window that starts when it ends WHEN validated THEN the message says it is empty', () => {
    expect(errorsOf(withLine('k3s_window_end_hour=1'))).toEqual(['k3s_window_end_hour: must differ from k3s_window_start_hour (both 1), or the window is empty']);
  });

  test('GIVEN --repo-url WHEN validated THEN it wins over the file and is checked like it', () => {
    const ok = validateEnv(withLine('stackspin_repo_url=https://a.example.org/x.git'), { apps: APPS, overrides: { stackspin_repo_url: 'https://b.example.org/y.git' } });
    expect(ok.values.stackspin_repo_url).toBe('https://b.example.org/y.git');
    const bad = validateEnv(BASE, { apps: APPS, overrides: { stackspin_repo_url: 'git@example.org:x.git' } });
    expect(bad.errors).toEqual(["stackspin_repo_url: 'git@example.org:x.git' must be an http(s) URL"]);
  });
});

describe('flux-env outputs', () => {
  const values = validateEnv(`${BASE}${MAIL}\n`, { apps: APPS }).values;

  test('GIVEN valid values WHEN the Secret is made THEN it is stackspin-cluster-variables in flux-system with base64 data', () => {
    const secret = parseYaml(secretManifest(values, false));
    expect(secret.metadata).toEqual({ name: 'stackspin-cluster-variables', namespace: 'flux-system' });
    expect(Buffer.from(secret.data.domain, 'base64').toString()).toBe('stackspin.example.org');
    expect(Buffer.from(secret.data.outgoing_mail_smtp_password, 'base64').toString()).toBe('CHANGEME');
    expect(secret.stringData).toBeUndefined();
  });

  test('GIVEN a dry run WHEN the Secret is made THEN plain values are shown but sensitive ones are hidden', () => {
    const secret = parseYaml(secretManifest(values, true));
    expect(secret.stringData.domain).toBe('stackspin.example.org');
    expect(secret.stringData.outgoing_mail_smtp_password).toBe('<sensitive, not shown>');
    expect(secret.stringData.outgoing_mail_smtp_url).toBe('<sensitive, not shown>');
  });

  test.each([
    ['587', 'p@ss/w:rd?#%', 'smtp://admin%40example.org:p%40ss%2Fw%3Ard%3F%23%25@smtp.example.org:587/'],
    ['465', 'plain', 'smtps://admin%40example.org:plain@smtp.example.org:465/'],
  ])('GIVEN port %s and password %s WHEN the Secret is made THEN it holds the SMTP URL, scheme by port, credentials percent-encoded', (port, password, url) => {
    const text = `${BASE}${MAIL}\n`.replace('smtp_port=587', `smtp_port=${port}`).replace('smtp_password=CHANGEME', `smtp_password=${password}`);
    const mail = validateEnv(text, { apps: APPS });
    expect(mail.errors).toEqual([]);
    const secret = parseYaml(secretManifest(mail.values, false));
    expect(Buffer.from(secret.data.outgoing_mail_smtp_url, 'base64').toString()).toBe(url);
  });

  test('GIVEN the derived SMTP URL set by hand WHEN validated THEN a warning says bootstrap computes it and the line is ignored', () => {
    const result = validateEnv(`${BASE}outgoing_mail_smtp_url=smtp://x\n`, { apps: APPS });
    expect(result.warnings).toEqual(['outgoing_mail_smtp_url: bootstrap computes it from the other settings; this line is ignored, remove it', ...EXAMPLE_WARNINGS]);
    expect(result.values).not.toHaveProperty('outgoing_mail_smtp_url');
  });

  test('GIVEN a manifest with references WHEN rendered THEN values, defaults and escapes are handled as Flux does', () => {
    const text = 'a: ${domain}\nb: ${stackspin_repo_branch:=main}\nc: $${literal}\n';
    expect(render(text, values, 'x.yaml')).toBe('a: stackspin.example.org\nb: main\nc: ${literal}\n');
  });

  test('GIVEN a reference without value or default WHEN rendered THEN the error names the file and variable', () => {
    expect(() => render('a: ${backup_s3_bucket}\n', values, 'x.yaml')).toThrow('x.yaml: ${backup_s3_bucket} has no value in .flux.env and no default; set it');
  });

  test('GIVEN the committed tree WHEN bootstrap renders its two files THEN both render with only the required keys', () => {
    const minimal = validateEnv(BASE, { apps: APPS }).values;
    const git = render(fs.readFileSync(path.join(TREE_ROOT, 'infrastructure/sources/gitrepository-stackspin.yaml'), 'utf8'), minimal, 'git');
    const root = render(fs.readFileSync(path.join(TREE_ROOT, 'cluster/core/kustomization-stackspin.yaml'), 'utf8'), minimal, 'root');
    expect(parseYaml(git)).toMatchObject({ kind: 'GitRepository', metadata: { name: 'stackspin', namespace: 'flux-system' } });
    expect(parseYaml(root)).toMatchObject({ kind: 'Kustomization', metadata: { name: 'stackspin' }, spec: { path: './dist/flux2/cluster/core' } });
  });
});

describe('.flux.env.example', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', '.flux.env.example'), 'utf8');

  test('GIVEN the cluster variables WHEN the example is generated THEN the committed file equals it (regenerate with flux-env.ts example > .flux.env.example)', () => {
    expect(committed).toBe(exampleFile());
  });

  test('GIVEN the example WHEN its keys are read THEN they are exactly the declared cluster variables', () => {
    const keys = [...committed.matchAll(/^#?([a-z0-9_]+)=/gm)].map((m) => m[1]);
    expect(keys).toEqual(CLUSTER_VARIABLE_NAMES);
  });

  test('GIVEN the example copied as is WHEN validated THEN it is valid, and each placeholder left in it is a warning', () => {
    expect(validateEnv(committed, { apps: APPS })).toMatchObject({ errors: [], warnings: EXAMPLE_WARNINGS });
  });

  test('GIVEN every commented key uncommented with mail and velero on WHEN validated THEN the examples are valid', () => {
    const all = committed.replace(/^#([a-z0-9_]+=)/gm, '$1').replace(/^enabled_apps=.*$/m, 'enabled_apps=velero');
    expect(validateEnv(all, { apps: APPS }).errors).toEqual([]);
  });
});

describe('flux-env command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-env-'));
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, OPTIONAL_ENTRIES, 'wekan'), { recursive: true });
  fs.mkdirSync(path.join(tree, OPTIONAL_ENTRIES, 'nextcloud'), { recursive: true });
  // Written as an operator should keep it: readable by the owner alone.
  const file = (name: string, text: string, mode = 0o600): string => {
    fs.writeFileSync(path.join(dir, name), text, { mode });
    fs.chmodSync(path.join(dir, name), mode);
    return path.join(dir, name);
  };

  test('GIVEN the optional entries WHEN listed THEN they are the app directories, sorted, at optionalEntry()', () => {
    expect(optionalApps(tree)).toEqual(['nextcloud', 'wekan']);
    expect(`${OPTIONAL_ENTRIES}/wekan`).toBe(optionalEntry('wekan'));
  });

  test('GIVEN an invalid file WHEN any command runs THEN stdout is empty, each problem is a line and it exits 1', () => {
    const env = file('bad.env', `${BASE}domain=x\n`);
    const result = fluxEnvCommand(['secret', env], tree);
    expect(result).toEqual({ stdout: '', stderr: `${env}: domain: set twice (lines 2 and 4); keep one\n${env}: 1 problem(s); nothing was applied\n`, code: 1 });
  });

  test('GIVEN a valid file WHEN get runs THEN it prints the value, or the default, and refuses sensitive keys', () => {
    const env = file('ok.env', `${BASE}enabled_apps=wekan\n`);
    expect(fluxEnvCommand(['get', env, 'enabled_apps'], tree).stdout).toBe('wekan\n');
    expect(fluxEnvCommand(['get', env, 'flux_window_start_hour'], tree).stdout).toBe('2\n');
    expect(fluxEnvCommand(['get', env, 'outgoing_mail_smtp_password'], tree).code).toBe(2);
    expect(fluxEnvCommand(['get', env, 'enabled_apps', 'flux_window_start_hour'], tree).stdout).toBe('wekan\n2\n');
    expect(fluxEnvCommand(['get', env, 'domain', 'outgoing_mail_smtp_password'], tree)).toMatchObject({ stdout: '', code: 2 });
  });

  test('GIVEN warnings WHEN --quiet is given THEN they are left out', () => {
    const env = file('warn.env', `${BASE}colour=blue\n`);
    expect(fluxEnvCommand(['validate', env], tree).stderr).toBe([`${env}: warning: colour: not a cluster variable, ignored`, ...EXAMPLE_WARNINGS.map((w) => `${env}: warning: ${w}`), ''].join('\n'));
    expect(fluxEnvCommand(['get', env, 'domain', '--quiet'], tree).stderr).toBe('');
  });

  test('GIVEN an env file others can read WHEN validated THEN a warning names its mode and the chmod, and the file is used', () => {
    const env = file('open.env', 'ip_address=203.0.113.7\ndomain=stackspin.example.net\nadmin_email=it@example.net\n', 0o644);
    expect(fluxEnvCommand(['validate', env], tree)).toEqual({
      code: 0,
      stdout: `${env}: ok (3 cluster variables)\n`,
      stderr: `${env}: warning: the file can be read by others than its owner (mode 0644) and holds the SMTP password and S3 keys; chmod 600 ${env}, and keep a copy off the server\n`,
    });
  });

  test('GIVEN a missing file or unknown argument WHEN run THEN it says what to do', () => {
    expect(fluxEnvCommand(['validate', path.join(dir, 'none.env')], tree).stderr).toContain('not found; copy .flux.env.example to');
    expect(fluxEnvCommand(['validate', file('x.env', BASE), '--force'], tree)).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--force'") });
    expect(fluxEnvCommand(['frobnicate'], tree).code).toBe(2);
  });

  test('GIVEN a directory as the env file WHEN any command runs THEN it is one line saying so, no stack', () => {
    expect(fluxEnvCommand(['validate', dir], tree)).toEqual({ stdout: '', stderr: `${dir}: is a directory, not an env file; give the path of your .flux.env\n`, code: 1 });
  });

  test('GIVEN --branch followed by another flag WHEN run THEN the flag is not taken as the branch', () => {
    const env = file('branch.env', BASE);
    expect(fluxEnvCommand(['secret', env, '--branch', '--redact'], tree)).toMatchObject({
      stdout: '', code: 2, stderr: expect.stringContaining("--branch needs a value, got the flag '--redact'; write --branch NAME (or --branch=NAME for a value that starts with -)"),
    });
    expect(parseYaml(fluxEnvCommand(['secret', env, '--branch=staging', '--redact'], tree).stdout).stringData.stackspin_repo_branch).toBe('staging');
  });

  test('GIVEN a malformed line holding a password WHEN secret --redact (the dry run) runs THEN the value is not printed', () => {
    const result = fluxEnvCommand(['secret', file('leak.env', `${BASE}outgoing_mail_smtp_password = SuperSecret123\n`), '--redact'], tree);
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).not.toContain('SuperSecret123');
  });
});

describe('flux-env check-app: the settings an app needs in the cluster', () => {
  const backup = { backup_s3_url: 'https://s3.example.org', backup_s3_region: 'eu-west-1', backup_s3_bucket: 'b', backup_s3_access_key: 'AKIASECRET', backup_s3_secret_key: 'TopSecretKey' };
  const secretData = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const readerOf = (values: Record<string, string>) => () => secretData(values);

  test('GIVEN velero and a cluster with every backup setting WHEN checked THEN it passes silently', () => {
    expect(fluxEnvCommand(['check-app', 'velero'], TREE_ROOT, readerOf(backup))).toEqual({ stdout: '', stderr: '', code: 0 });
  });

  test('GIVEN velero and a cluster without backup settings WHEN checked THEN each missing key is named with the fix, and no value is shown', () => {
    const partial: Record<string, string> = { ...backup, backup_s3_region: '' };
    delete partial.backup_s3_bucket;
    delete partial.backup_s3_secret_key;
    const result = fluxEnvCommand(['check-app', 'velero'], TREE_ROOT, readerOf(partial));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Secret stackspin-cluster-variables in flux-system: backup_s3_region: not set; velero needs it (S3 region, like backup_s3_region=us-east-1)',
      'Secret stackspin-cluster-variables in flux-system: backup_s3_bucket: not set; velero needs it (S3 bucket that receives the backups, like backup_s3_bucket=stackspin-backup)',
      'Secret stackspin-cluster-variables in flux-system: backup_s3_secret_key: not set; velero needs it (S3 secret key, like backup_s3_secret_key=CHANGEME)',
      'velero is not enabled: set these in .flux.env (see .flux.env.example), add velero to enabled_apps and run scripts/bootstrap.sh again, which applies them and enables velero',
    ]);
    expect(result.stderr).not.toContain('AKIASECRET');
  });

  test('GIVEN a sensitive setting with a $ WHEN checked THEN it is refused without showing it', () => {
    const result = fluxEnvCommand(['check-app', 'velero'], TREE_ROOT, readerOf({ ...backup, backup_s3_secret_key: 'a$Secret' }));
    expect(result.stderr).toContain('backup_s3_secret_key: must not contain ", $ or \\ (they break Flux substitution); remove them');
    expect(result.stderr).not.toContain('a$Secret');
  });

  test('GIVEN an app without required settings WHEN checked THEN the cluster is not read', () => {
    const reader = jest.fn(() => ({}));
    expect(fluxEnvCommand(['check-app', 'wekan'], TREE_ROOT, reader)).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(reader).not.toHaveBeenCalled();
  });

  test('GIVEN an unreadable cluster WHEN checked THEN the reader\'s one line is the message', () => {
    const reader = () => { throw new Error('cannot read Secret stackspin-cluster-variables in flux-system (no cluster)'); };
    expect(fluxEnvCommand(['check-app', 'velero'], TREE_ROOT, reader)).toEqual({ stdout: '', stderr: 'cannot read Secret stackspin-cluster-variables in flux-system (no cluster)\n', code: 1 });
  });
});
