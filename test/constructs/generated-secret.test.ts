import { Testing } from 'cdk8s';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';

const secret = (keys: Record<string, { generator: Generator; from?: string }>): GeneratedSecret =>
  new GeneratedSecret(Testing.app(), 'S', { name: 'stackspin-demo-variables', keys });

describe('GeneratedSecret', () => {
  test.each(['DemoPassword', 'demo-password', '1demo', '_demo'])('GIVEN key %s WHEN constructed THEN snake_case is asked for', (key) => {
    expect(() => secret({ [key]: { generator: Generator.PASSWORD } }))
      .toThrow(`GeneratedSecret stackspin-demo-variables: key '${key}' must be snake_case like nextcloud_admin_password (it is a substitution variable)`);
  });

  test('GIVEN an htpasswd key hashing a missing key WHEN constructed THEN the from is named', () => {
    expect(() => secret({ demo_htpasswd: { generator: Generator.HTPASSWD, from: 'demo_pass' } }))
      .toThrow("GeneratedSecret stackspin-demo-variables: key 'demo_htpasswd' hashes 'from: demo_pass', which is not a key of this secret; add it or fix 'from'");
  });

  test('GIVEN declared keys WHEN a key is referenced THEN it renders ${key}, and an unknown key is refused with the known ones', () => {
    const s = secret({ demo_password: { generator: Generator.PASSWORD }, demo_htpasswd: { generator: Generator.HTPASSWD, from: 'demo_password' } });
    expect(s.ref('demo_password')).toBe('${demo_password}');
    expect(() => s.ref('demo_pasword')).toThrow("GeneratedSecret stackspin-demo-variables has no key 'demo_pasword'; declare it in keys (demo_password, demo_htpasswd)");
  });

  test('GIVEN secrets in a tree WHEN listed with all() THEN every one is found, in flux-system', () => {
    const app = Testing.app();
    new GeneratedSecret(app, 'A', { name: 'stackspin-a-variables', keys: {} });
    new GeneratedSecret(app, 'B', { name: 'stackspin-b-variables', keys: {} });
    expect(GeneratedSecret.all(app).map((s) => `${s.namespace}/${s.name}`)).toEqual(['flux-system/stackspin-a-variables', 'flux-system/stackspin-b-variables']);
  });
});
