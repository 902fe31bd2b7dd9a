import { isSubstitutionReference, ReferenceSecret } from '../../constructs/reference-secret';
import { manifest, scope } from './harness';

describe('ReferenceSecret', () => {
  test('GIVEN references and a plain key WHEN rendered THEN the Secret holds them as stringData, plain first', () => {
    const { chart } = scope();
    const secret = new ReferenceSecret(chart, 'S', { name: 'app-oidc', namespace: 'ns', plain: { CLIENT_ID: 'app' }, references: { CLIENT_SECRET: '${app_oauth_client_secret}' } });
    expect(manifest(secret)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-oidc', namespace: 'ns' },
      type: 'Opaque',
      stringData: { CLIENT_ID: 'app', CLIENT_SECRET: '${app_oauth_client_secret}' },
    });
  });

  test('GIVEN a literal password among the references WHEN constructed THEN it is refused without echoing it', () => {
    const { chart } = scope();
    const build = (): unknown => new ReferenceSecret(chart, 'S', { name: 'x', namespace: 'ns', references: { password: 'hunter2' } });
    expect(build).toThrow("ReferenceSecret x: references.password is not a substitution reference; use secret.ref('key') or a vars.* value, and put non-secret values in plain (the value is not shown: it may be a secret)");
    expect(build).not.toThrow(/hunter2/);
  });

  test('GIVEN a composed value WHEN rendered THEN its text is committed with the reference in it, and its key is literal', () => {
    const { chart } = scope();
    const secret = new ReferenceSecret(chart, 'S', { name: 'sasl', namespace: 'ns', plain: { conf: 'mech_list: plain\n' }, composed: { db: 'user:${app_password}\n' } });
    expect(manifest(secret).stringData).toEqual({ conf: 'mech_list: plain\n', db: 'user:${app_password}\n' });
    expect(secret.literalKeys).toEqual(['conf', 'db']);
  });

  test('GIVEN a composed value without a reference WHEN constructed THEN it is refused: that is plain text', () => {
    const { chart } = scope();
    expect(() => new ReferenceSecret(chart, 'S', { name: 'x', namespace: 'ns', composed: { db: 'user:literal' } }))
      .toThrow('ReferenceSecret x: composed.db holds no substitution reference; put literal values in plain');
  });

  test.each([
    ['${key}', true], ['${smtp_password:=unset}', true], ['x${key}', false], ['${key}${other}', false], ['$${key}', false], ['${Key}', false],
  ])('GIVEN %s WHEN checked THEN isSubstitutionReference is %s', (value, expected) => {
    expect(isSubstitutionReference(value)).toBe(expected);
  });
});
