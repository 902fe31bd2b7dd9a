import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { validateEnv } from '../../scripts/flux-env';
import { acceptedHours, isPlanTime, isValidCron } from './maintenance';

const HOURS = ['flux_window_start_hour', 'flux_window_end_hour', 'k3s_window_start_hour', 'k3s_window_end_hour'] as const;
const required = 'ip_address=1.2.3.4\ndomain=stackspin.example.org\nadmin_email=admin@example.org\n';
const errorsFor = (line: string): readonly string[] => validateEnv(`${required}${line}\n`, { apps: [] }).errors;

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
});
