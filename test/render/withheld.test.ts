import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recorder } from '../../scripts/lib/command';
import { planCommand } from '../../scripts/plan';
import { renderCommand } from '../../scripts/render';

/**
 * An operator's secrets, read from `--env`, reach no cache: plan and render with marker values in
 * the SMTP password and S3 keys, then no file under node_modules/.cache or .cache/render holds a
 * marker, plain, base64 or percent-encoded; render's own output is the owner's alone.
 */
describe('operator secrets and the caches', () => {
  const ROOT = path.join(__dirname, '..', '..');
  const marker = `Mk${randomBytes(6).toString('hex')}`;
  const secrets = { outgoing_mail_smtp_password: `${marker}smtp`, backup_s3_access_key: `${marker}access`, backup_s3_secret_key: `${marker}secret` };
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'withheld-'));
    fs.writeFileSync(path.join(dir, 'flux.env'), [
      'ip_address=1.2.3.4', 'domain=stackspin.example.org', 'admin_email=admin@example.org',
      'outgoing_mail_enabled=true', 'outgoing_mail_from_address=admin@example.org', 'outgoing_mail_from_local_part=admin',
      'outgoing_mail_domain=example.org', 'outgoing_mail_smtp_host=smtp.example.org', 'outgoing_mail_smtp_port=587',
      'outgoing_mail_smtp_user=admin@example.org', `outgoing_mail_smtp_password=${secrets.outgoing_mail_smtp_password}`,
      'backup_s3_url=https://s3.example.org', 'backup_s3_region=us-east-1', 'backup_s3_bucket=stackspin-backup',
      `backup_s3_access_key=${secrets.backup_s3_access_key}`, `backup_s3_secret_key=${secrets.backup_s3_secret_key}`,
      'enabled_apps=nextcloud,velero', '',
    ].join('\n'), { mode: 0o600 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const forms = (value: string): string[] => [value, Buffer.from(value).toString('base64').replace(/=+$/, '')];
  const holding = (where: string): string[] => Object.values(secrets).flatMap(forms)
    .flatMap((form) => spawnSync('grep', ['-rlF', form, where], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== ''));

  test('GIVEN an env file with secrets WHEN plan and render read it THEN the releases hold them, and no cache does', async () => {
    const out = path.join(dir, 'out');
    expect(await planCommand(['--env', path.join(dir, 'flux.env')], recorder())).toBe(0);
    const rendered = recorder();
    expect(await renderCommand(['--env', path.join(dir, 'flux.env'), '--release', 'nextcloud,velero', '--out', out], rendered)).toBe(0);
    expect(holding(out).length).toBeGreaterThan(0);
    expect(holding(path.join(ROOT, 'node_modules', '.cache'))).toEqual([]);
    expect(holding(path.join(ROOT, '.cache', 'render'))).toEqual([]);
    for (const file of holding(out)) expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });
});
