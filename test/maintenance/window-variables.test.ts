import * as fs from 'fs';
import * as path from 'path';
import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { validateEnv } from '../../scripts/flux-env';
import { acceptedHours, isPlanTime, isValidCron } from './maintenance';

const HOURS = ['flux_window_start_hour', 'flux_window_end_hour', 'k3s_window_start_hour', 'k3s_window_end_hour'] as const;
const required = 'ip_address=1.2.3.4\ndomain=stackspin.example.org\nadmin_email=admin@example.org\n';
const errorsFor = (line: string): readonly string[] => validateEnv(`${required}${line}\n`, { apps: [] }).errors;
// This cluster's own values, not the example's placeholders, which are warnings of their own.
const own = 'ip_address=203.0.113.7\ndomain=stackspin.example.net\nadmin_email=it@example.net\n';
const warningsFor = (lines: string): readonly string[] => validateEnv(`${own}${lines}\n`, { apps: [] }).warnings;

describe('maintenance-window cluster variables', () => {
  test('GIVEN the window variables WHEN read THEN they default to the documented windows and the UTC time zone', () => {
    expect(HOURS.map((h) => CLUSTER_VARIABLES[h].default)).toEqual(['2', '4', '1', '2']);
    expect(CLUSTER_VARIABLES.maintenance_time_zone.default).toBe('Etc/UTC');
  });

  test('GIVEN every hour the schema accepts WHEN used THEN it is valid in cron and in the Plan window', () => {
    for (const hour of acceptedHours()) {
      expect({ hour, cron: isValidCron(`0 ${hour} * * *`), plan: isPlanTime(`${hour}:00`) }).toEqual({ hour, cron: true, plan: true });
    }
  });

  test.each(['24', '-1', '2.5', '2am', '02:00', '*', '1,2', ''])('GIVEN flux_window_start_hour=%s in .flux.env WHEN validated THEN it is refused naming the variable and the fix', (value) => {
    const errors = errorsFor(`flux_window_start_hour=${value}`);
    if (value === '') {
      expect(errors).toEqual([]);
    } else {
      expect(errors).toContainEqual(`flux_window_start_hour: '${value}' must be a whole hour from 0 to 23, e.g. 2 for 02:00`);
    }
  });

  test.each([
    ['Mars/Olympus', 'must be an IANA time zone like Europe/Amsterdam or Etc/UTC'],
    ['Local', 'must be an IANA time zone like Europe/Amsterdam or Etc/UTC'],
    ['europe/amsterdam', 'must be spelled as in the tz database; write Europe/Amsterdam'],
    ['etc/utc', 'must be an IANA time zone like Europe/Amsterdam or Etc/UTC, with capitals as in the tz database'],
  ])('GIVEN maintenance_time_zone=%s in .flux.env WHEN validated THEN it is refused with: %s', (value, message) => {
    expect(errorsFor(`maintenance_time_zone=${value}`)).toContainEqual(`maintenance_time_zone: '${value}' ${message}`);
  });

  test.each(['Etc/UTC', 'UTC', 'Europe/Amsterdam', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])('GIVEN maintenance_time_zone=%s WHEN validated THEN it is accepted', (value) => {
    expect(errorsFor(`maintenance_time_zone=${value}`)).toEqual([]);
  });

  test('GIVEN the documented windows WHEN validated THEN nothing is in the way of anything', () => {
    expect(warningsFor('')).toEqual([]);
  });

  test('GIVEN a k3s window over the nightly backup WHEN validated THEN a warning names both, and the file is accepted', () => {
    const result = validateEnv(`${own}k3s_window_start_hour=4\nk3s_window_end_hour=5\n`, { apps: [] });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(['k3s_window_start_hour: the k3s window (4:00-5:00) covers the nightly backup at 4:30 (half past flux_window_end_hour), which would run while k3s restarts the node; move the k3s window']);
  });

  test('GIVEN a k3s window inside the Flux window, across midnight WHEN validated THEN a warning says they overlap', () => {
    expect(warningsFor('flux_window_start_hour=23\nflux_window_end_hour=3\nk3s_window_start_hour=1\nk3s_window_end_hour=2')).toEqual([
      'k3s_window_start_hour: the k3s window (1:00-2:00) overlaps the Flux window (23:00-3:00), so apps may upgrade while k3s restarts the node; move one of them',
    ]);
  });

  test('GIVEN the tree WHEN Velero\'s nightly schedule is read THEN it runs at half past flux_window_end_hour, as the warning says', () => {
    const schedule = fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'flux2', 'apps', 'velero', 'cronjob-velero-nightly.yaml'), 'utf8');
    expect(schedule).toContain('  schedule: ${quote}30 ${flux_window_end_hour:=4} * * *${quote}\n');
  });
});
