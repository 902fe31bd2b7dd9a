import * as fs from 'fs';
import { GO_TIME_ZONES } from '../../imports/go-tzdata';
import { goTzdataModule, TZDATA_FILE } from '../../scripts/import-tzdata';
import { validateEnv } from '../../scripts/flux-env';

/** The time zones the cluster variables accept are Go's (imports/go-tzdata.ts, npm run import:tzdata). */
describe("Go's time zone names", () => {
  test('GIVEN the Go toolchain WHEN its zoneinfo.zip is listed again THEN imports/go-tzdata.ts holds exactly its names (else run npm run import:tzdata)', () => {
    const fresh = [...goTzdataModule().matchAll(/^ {2}'([^']+)',$/gm)].map((m) => m[1]);
    expect(fresh.length).toBeGreaterThan(500);
    expect([...GO_TIME_ZONES]).toEqual(fresh);
    expect(fs.readFileSync(TZDATA_FILE, 'utf8').split('\n').slice(1)).toEqual(goTzdataModule().split('\n').slice(1));
  });

  test('GIVEN a zone Node\'s ICU knows and Go dropped WHEN validated THEN it is refused with the current name', () => {
    const errors = validateEnv('ip_address=1.2.3.4\ndomain=stackspin.example.org\nadmin_email=a@example.org\nmaintenance_time_zone=US/Pacific-New\n', { apps: [] }).errors;
    expect(errors).toEqual(["maintenance_time_zone: 'US/Pacific-New' is not in Go's time zone database, which the API server and the upgrade controller read (it dropped or never had it); write a current zone such as America/Los_Angeles"]);
    expect(GO_TIME_ZONES.has('America/Los_Angeles')).toBe(true);
  });
});
