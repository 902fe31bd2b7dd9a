import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NIGHTLY_SCHEDULE_NAME, VELERO_NAMESPACE } from '../apps/velero/backup-template';
import { backupSetsCommand } from '../scripts/backup-sets';
import { objects } from './tree';

/** README "Backup and restore": the operator's documentation of the backup scripts, checked against them. */

const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('\n## Backup and restore\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

const usages = new Map<string, string>();

/** The usage text a script prints for --help (read from the script, which needs no cluster for it), once per script. */
function usage(script: string): string {
  let text = usages.get(script);
  if (text === undefined) {
    text = execFileSync('bash', [path.join(ROOT, 'scripts', script), '--help'], { encoding: 'utf8' });
    usages.set(script, text);
  }
  return text;
}

describe('README: Backup and restore', () => {
  test('GIVEN the README WHEN read THEN it has the section and its parts: what, backing up now, restoring an app and single sign-on, and what a restore cannot bring back', () => {
    expect(start).toBeGreaterThan(0);
    for (const heading of ['### Backing up now', '### Restoring one app', '### Restoring single sign-on', '### What a restore cannot bring back']) {
      expect(section).toContain(`\n${heading}\n`);
    }
    for (const fact of ['30 days', 'maintenance_time_zone', 'flux_window_end_hour', 'backup_s3_bucket', 'kubectl get backup -A', 'stackspin.net/backupSet=single-sign-on']) {
      expect(section).toContain(fact);
    }
  });

  test('GIVEN every CronJob the section runs by hand WHEN looked up in the tree THEN it exists in that namespace', () => {
    const jobs = [...section.matchAll(/-n (\S+) create job --from=cronjob\/(\S+)/g)];
    expect(jobs.map((m) => `${m[1]}/${m[2]}`)).toEqual([`${VELERO_NAMESPACE}/${NIGHTLY_SCHEDULE_NAME}`]);
    for (const [, namespace, name] of jobs) {
      expect(objects().some((o) => o.manifest.kind === 'CronJob' && o.manifest.metadata.name === name && o.manifest.metadata.namespace === namespace)).toBe(true);
    }
  });

  test('GIVEN every command line of the section WHEN its options are compared with the script\'s usage THEN the script takes each, and each app named is one it restores', () => {
    const restorable = backupSetsCommand(['list']).out.trim().split('\n');
    const lines = [...section.matchAll(/^scripts\/(backup-now|restore-app)\.sh(.*?)(\s+#.*)?$/gm)];
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const [, script, args] of lines) {
      const text = usage(`${script}.sh`);
      for (const word of args.trim().split(/\s+/).filter((w) => w !== '')) {
        if (word.startsWith('--')) expect({ script, word, known: text.includes(word) }).toEqual({ script, word, known: true });
        else if (script === 'restore-app' && !/^velero-nightly-\d{14}$/.test(word)) expect(restorable).toContain(word);
      }
    }
    expect(section).toMatch(/`scripts\/restore-app\.sh grafana`/);
    expect(restorable).toEqual(expect.arrayContaining(['grafana', 'single-sign-on']));
  });
});
