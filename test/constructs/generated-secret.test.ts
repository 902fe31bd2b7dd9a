import { Testing } from 'cdk8s';
import { exampleValue, GeneratedSecret, Generator, GENERATOR_SHAPES } from '../../constructs/generated-secret';

const secret = (keys: Record<string, { generator: Generator }>): GeneratedSecret =>
  new GeneratedSecret(Testing.app(), 'S', { name: 'stackspin-demo-variables', keys });

describe('GeneratedSecret', () => {
  test.each(['DemoPassword', 'demo-password', '1demo', '_demo'])('GIVEN key %s WHEN constructed THEN snake_case is asked for', (key) => {
    expect(() => secret({ [key]: { generator: Generator.PASSWORD } }))
      .toThrow(`GeneratedSecret stackspin-demo-variables: key '${key}' must be snake_case like nextcloud_admin_password (it is a substitution variable)`);
  });

  test('GIVEN a generator the cluster does not know WHEN constructed THEN the known ones are named', () => {
    expect(() => secret({ demo_htpasswd: { generator: 'htpasswd' as Generator } }))
      .toThrow("GeneratedSecret stackspin-demo-variables: key 'demo_htpasswd' has generator 'htpasswd'; use one of password, hex-key");
  });

  test('GIVEN declared keys WHEN a key is referenced THEN it renders ${key}, and an unknown key is refused with the known ones', () => {
    const s = secret({ demo_password: { generator: Generator.PASSWORD }, demo_key: { generator: Generator.HEX_KEY } });
    expect(s.ref('demo_password')).toBe('${demo_password}');
    expect(() => s.ref('demo_pasword')).toThrow("GeneratedSecret stackspin-demo-variables has no key 'demo_pasword'; declare it in keys (demo_password, demo_key)");
  });

  test('GIVEN declared keys WHEN declared in the tree THEN each key names its generator, sorted by key', () => {
    const s = secret({ demo_password: { generator: Generator.PASSWORD }, demo_key: { generator: Generator.HEX_KEY } });
    expect(s.declaration).toEqual({ demo_key: 'hex-key', demo_password: 'password' });
    expect(Object.keys(s.declaration)).toEqual(['demo_key', 'demo_password']);
  });

  test.each(Object.values(Generator))('GIVEN generator %s WHEN an example value is asked for THEN it has the shape of a generated one, without " or $', (generator) => {
    const value = exampleValue(generator);
    expect(value).toMatch(GENERATOR_SHAPES[generator]);
    expect(value).not.toMatch(/["$]/);
  });

  test('GIVEN secrets in a tree WHEN listed with all() THEN every one is found, in flux-system, sorted by name', () => {
    const app = Testing.app();
    new GeneratedSecret(app, 'B', { name: 'stackspin-b-variables', keys: {} });
    new GeneratedSecret(app, 'A', { name: 'stackspin-a-variables', keys: {} });
    expect(GeneratedSecret.all(app).map((s) => `${s.namespace}/${s.name}`)).toEqual(['flux-system/stackspin-a-variables', 'flux-system/stackspin-b-variables']);
  });
});
