import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { backupTemplate, NIGHTLY_SCHEDULE, NIGHTLY_SCHEDULE_NAME, SCHEDULE_NAME_LABEL, velero, VELERO_NAMESPACE } from '../../apps/velero';
import {
  NIGHTLY_BACKUP_MINUTE, NIGHTLY_BACKUP_RETRIES, NIGHTLY_BACKUP_RULES, NIGHTLY_BACKUP_STARTING_DEADLINE, NightlyBackup,
} from '../../apps/velero/nightly-backup';
import { imageRef } from '../../catalogue';
import { BACKUP_SET_LABEL } from '../../constructs/backup-label';
import { CLUSTER_VARIABLES, vars } from '../../constructs/cluster-variables';
import { isValidCron, podOf, SAMPLES, scriptOf, substitute } from '../maintenance/maintenance';
import { objects, treeOf } from '../tree';
import { releaseInputs } from './release-inputs';
import { pinnedChart } from '../charts';

/**
 * The nightly backup runs from a CronJob in the cluster's time zone (Velero's image has no time-zone
 * database, so a `CRON_TZ=` Schedule fails validation) and copies the paused Schedule's template.
 */

const DIR = 'apps/velero';
const tree = treeOf(velero);
const find = (kind: string): any => {
  const found = objects(tree).filter((o) => o.file.startsWith(`${DIR}/`) && o.manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in ${DIR}, found ${found.length}`);
  return found[0];
};
const cronJob = find('CronJob');

/**
 * Runs the job's script (after Flux's substitution) with bash and a fake kubectl that prints
 * `template` for the Schedule and keeps what `create` reads.
 */
function runScript(template: string | undefined): { code: number; out: string; calls: string[]; created: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightly-backup-'));
  fs.writeFileSync(path.join(dir, 'template'), template ?? '');
  fs.writeFileSync(path.join(dir, 'kubectl'), [
    '#!/usr/bin/env bash',
    `echo "$*" >> "${dir}/calls"`,
    'case " $* " in',
    `  *" get "*) ${template === undefined ? 'echo "Error from server (NotFound)" >&2; exit 1' : `cat "${dir}/template"`} ;;`,
    `  *" create "*) cat > "${dir}/created"; echo created ;;`,
    '  *) exit 3 ;;',
    'esac',
  ].join('\n'), { mode: 0o755 });
  const script = scriptOf(substitute(tree.get(cronJob.file)!, {}));
  const result = spawnSync('bash', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
  const read = (f: string): string => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
  const out = { code: result.status ?? -1, out: `${result.stdout}${result.stderr}`, calls: read('calls').trim().split('\n'), created: read('created') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

describe('velero nightly backup', () => {
  test('GIVEN the CronJob WHEN read THEN it runs at half past the hour the Flux window closes, in maintenance_time_zone, never overlapping', () => {
    expect(cronJob.manifest.metadata).toEqual({ name: NIGHTLY_SCHEDULE_NAME, namespace: VELERO_NAMESPACE, labels: { [BACKUP_SET_LABEL]: 'velero' } });
    expect(cronJob.manifest.spec).toMatchObject({
      schedule: `${NIGHTLY_BACKUP_MINUTE} ${vars.flux_window_end_hour} * * *`,
      timeZone: vars.maintenance_time_zone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: NIGHTLY_BACKUP_STARTING_DEADLINE.toSeconds(),
    });
    // The Flux window's suspend job runs at minute 0 of that hour; k3s's window ends before Flux's.
    expect(NIGHTLY_BACKUP_MINUTE).toBeGreaterThan(0);
    expect(Number(CLUSTER_VARIABLES.flux_window_end_hour.default)).toBeGreaterThanOrEqual(Number(CLUSTER_VARIABLES.k3s_window_end_hour.default));
    expect(NIGHTLY_BACKUP_STARTING_DEADLINE.toSeconds()).toBeLessThan(24 * 3600);
    expect(cronJob.manifest.spec.jobTemplate.spec.backoffLimit).toBe(NIGHTLY_BACKUP_RETRIES);
  });

  test.each(SAMPLES)('GIVEN cluster variables ($name) WHEN Flux substitutes the CronJob THEN its schedule is valid cron at minute 30 and its time zone an IANA name', ({ values }) => {
    const job = substitute(tree.get(cronJob.file)!, values);
    expect(isValidCron(job.spec.schedule)).toBe(true);
    expect(job.spec.schedule).toBe(`30 ${values.flux_window_end_hour ?? CLUSTER_VARIABLES.flux_window_end_hour.default} * * *`);
    expect(job.spec.timeZone).toBe(values.maintenance_time_zone ?? CLUSTER_VARIABLES.maintenance_time_zone.default);
    expect(() => new Intl.DateTimeFormat('en', { timeZone: job.spec.timeZone })).not.toThrow();
  });

  test('GIVEN the Velero Schedule WHEN its values are read THEN it is paused, with a plain UTC cron Velero can validate, and holds the backup template', () => {
    const schedule = releaseInputs(DIR, 'velero', pinnedChart('velero').defaults, {}).merged.schedules[NIGHTLY_SCHEDULE];
    expect(schedule).toMatchObject({ disabled: false, paused: true, template: backupTemplate() });
    expect(schedule.schedule).not.toMatch(/TZ=/);
    expect(isValidCron(schedule.schedule)).toBe(true);
  });

  test('GIVEN the job\'s pod WHEN read THEN it runs the pinned flux-cli image as non-root on a read-only root filesystem, labelled with velero\'s set', () => {
    const pod = podOf(cronJob.manifest);
    const [c] = pod.containers;
    expect({ image: c.image, user: pod.securityContext.runAsUser, nonRoot: c.securityContext.runAsNonRoot, readOnly: c.securityContext.readOnlyRootFilesystem, drop: c.securityContext.capabilities.drop })
      .toEqual({ image: imageRef('fluxCli'), user: 65534, nonRoot: true, readOnly: true, drop: ['ALL'] });
    expect(cronJob.manifest.spec.jobTemplate.spec.template.metadata.labels).toEqual({ [BACKUP_SET_LABEL]: 'velero' });
    expect(pod.serviceAccountName).toBe(NIGHTLY_SCHEDULE_NAME);
  });

  test('GIVEN the job\'s account WHEN its bindings are followed THEN it may only get the one Schedule and create Backups, through a Role in velero', () => {
    const all = objects(tree);
    const binds = (o: any): boolean => (o.manifest.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === NIGHTLY_SCHEDULE_NAME);
    expect(all.filter((o) => o.manifest.kind === 'ClusterRoleBinding' && binds(o))).toEqual([]);
    const bindings = all.filter((o) => o.manifest.kind === 'RoleBinding' && binds(o));
    expect(bindings.map((b) => [b.manifest.metadata.namespace, b.manifest.roleRef.kind, b.manifest.roleRef.name])).toEqual([[VELERO_NAMESPACE, 'Role', NIGHTLY_SCHEDULE_NAME]]);
    expect(find('Role').manifest.rules).toEqual([
      { apiGroups: ['velero.io'], resources: ['schedules'], resourceNames: [NIGHTLY_SCHEDULE_NAME], verbs: ['get'] },
      { apiGroups: ['velero.io'], resources: ['backups'], verbs: ['create'] },
    ]);
    expect(NIGHTLY_BACKUP_RULES('x')[0].resourceNames).toEqual(['x']);
  });

  test('GIVEN the Schedule\'s template WHEN the job\'s script runs THEN it creates one Backup named <schedule>-<UTC time> with that template as its spec and the schedule\'s label', () => {
    const template = JSON.stringify({ ...backupTemplate(), metadata: {} });
    const result = runScript(template);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([
      `--namespace ${VELERO_NAMESPACE} get schedules.velero.io/${NIGHTLY_SCHEDULE_NAME} --output jsonpath={.spec.template}`,
      `--namespace ${VELERO_NAMESPACE} create --filename - --field-manager ${NIGHTLY_SCHEDULE_NAME}`,
    ]);
    const backup = JSON.parse(result.created);
    expect(backup).toEqual({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: expect.stringMatching(new RegExp(`^${NIGHTLY_SCHEDULE_NAME}-\\d{14}$`)), namespace: VELERO_NAMESPACE, labels: { [SCHEDULE_NAME_LABEL]: NIGHTLY_SCHEDULE_NAME } },
      spec: JSON.parse(template),
    });
    const stamp = backup.metadata.name.slice(-14);
    expect(Math.abs(Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:${stamp.slice(12)}Z`) - Date.now())).toBeLessThan(60_000);
  });

  test('GIVEN a Schedule without a template, or none at all WHEN the job\'s script runs THEN it fails, saying why, and creates nothing', () => {
    const empty = runScript('');
    expect(empty.code).toBe(1);
    expect(empty.out).toContain(`schedules.velero.io/${NIGHTLY_SCHEDULE_NAME} has no template`);
    expect(empty.created).toBe('');
    const missing = runScript(undefined);
    expect(missing.code).not.toBe(0);
    expect(missing.created).toBe('');
  });

  test('GIVEN the job\'s script WHEN checked with shellcheck as POSIX sh THEN it is clean', () => {
    const script = scriptOf(substitute(tree.get(cronJob.file)!, {}));
    // busybox ash has pipefail (SC3040); shellcheck has no busybox dialect.
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--exclude=SC3040', '-'], { input: script, encoding: 'utf8' })).not.toThrow();
  });

  test('GIVEN a NightlyBackup with a schedule name that is no object name WHEN built THEN it is refused naming the prop', () => {
    expect(() => new NightlyBackup(new Chart(new App(), 'c'), 'n', { namespace: 'velero', schedule: 'Nightly Backup', hour: '4', timeZone: 'Etc/UTC' }))
      .toThrow(/NightlyBackup schedule: 'Nightly Backup' is not a valid object name/);
  });
});
