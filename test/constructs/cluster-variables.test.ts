import { CLUSTER_VARIABLE_NAMES, CLUSTER_VARIABLES, deriveVariables, isTypedReference, variableReference, vars } from '../../constructs/cluster-variables';

describe('cluster variables', () => {
  test('GIVEN a required variable WHEN referenced THEN it renders ${name}, without a default', () => {
    expect(vars.domain).toBe('${domain}');
    expect(variableReference('admin_email')).toBe('${admin_email}');
  });

  test('GIVEN an optional variable WHEN referenced THEN it renders ${name:=default}, so strict substitution accepts a missing key', () => {
    expect(vars.outgoing_mail_enabled).toBe('${outgoing_mail_enabled:=false}');
    expect(vars.maintenance_time_zone).toBe('${maintenance_time_zone:=Etc/UTC}');
    expect(vars.enabled_apps).toBe('${enabled_apps:=}');
  });

  test('GIVEN every variable WHEN referenced through vars THEN it equals variableReference', () => {
    for (const name of CLUSTER_VARIABLE_NAMES) expect(vars[name]).toBe(variableReference(name));
  });

  test('GIVEN every variable WHEN its example and default are checked THEN its own schema accepts them', () => {
    for (const name of CLUSTER_VARIABLE_NAMES) {
      const spec = CLUSTER_VARIABLES[name];
      expect({ name, ok: spec.schema.safeParse(spec.example).success }).toEqual({ name, ok: true });
      if (spec.default !== undefined && spec.default !== '') expect({ name, ok: spec.schema.safeParse(spec.default).success }).toEqual({ name, ok: true });
    }
  });

  test.each([
    ['465', 'false', 'smtps://'],
    ['587', 'true', 'smtp://'],
    ['25', 'true', 'smtp://'],
  ])('GIVEN SMTP port %s WHEN bootstrap derives the variables THEN STARTTLS is %s and the URL scheme %s', (port, starttls, scheme) => {
    const derived = deriveVariables({ outgoing_mail_smtp_port: port, outgoing_mail_smtp_host: 'smtp.example.org' });
    expect(derived.outgoing_mail_smtp_starttls).toBe(starttls);
    expect(derived.outgoing_mail_smtp_url.startsWith(scheme)).toBe(true);
  });

  test('GIVEN the derived STARTTLS flag WHEN referenced alone THEN it stays a plain boolean for YAML, with the default of clusters bootstrapped before it', () => {
    expect(vars.outgoing_mail_smtp_starttls).toBe('${outgoing_mail_smtp_starttls:=true}');
    expect(isTypedReference(vars.outgoing_mail_smtp_starttls)).toBe(true);
    expect(isTypedReference(vars.outgoing_mail_smtp_url)).toBe(false);
    expect(isTypedReference(vars.letsencrypt_issuer)).toBe(false);
  });
});
