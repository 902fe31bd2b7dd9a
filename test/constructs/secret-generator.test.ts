import * as fs from 'fs';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { imageRef } from '../../catalogue';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { GeneratedKey, GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { Platform } from '../../constructs/platform';
import {
  GENERATED_SECRETS, SECRET_GENERATOR_SCRIPT_FILE, SECRET_GENERATOR_TTL, SecretGenerator, SecretGeneratorProps,
} from '../../constructs/secret-generator';

type Keys = Record<string, GeneratedKey>;
const PASSWORD = { generator: Generator.PASSWORD };
const HEX = { generator: Generator.HEX_KEY };

/** A SecretGenerator over secrets of the given keys, in a fresh app. */
function generator(secrets: Record<string, Keys>, props: Partial<SecretGeneratorProps> = {}): SecretGenerator {
  const scope = new Chart(Testing.app(), 'scope');
  const declared = Object.entries(secrets).map(([name, keys]) => new GeneratedSecret(scope, name, { name, keys }));
  return new SecretGenerator(scope, 'generator', { secrets: declared, ...props });
}

/** The manifests a generator renders, by kind. */
function rendered(g: SecretGenerator, kind: string): any[] {
  return g.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson()).filter((m) => m.kind === kind);
}

const BASE = { 'stackspin-a-variables': { a_password: PASSWORD, a_key: HEX }, 'stackspin-b-variables': { b_password: PASSWORD } };

describe('SecretGenerator', () => {
  test('GIVEN the same declarations in another order WHEN synthesized THEN the Job name is the same', () => {
    const reordered = { 'stackspin-b-variables': { b_password: PASSWORD }, 'stackspin-a-variables': { a_key: HEX, a_password: PASSWORD } };
    expect(generator(reordered).jobName).toBe(generator(BASE).jobName);
    expect(generator(BASE).jobName).toMatch(/^generate-secrets-[0-9a-f]{10}$/);
  });

  test.each([
    ['a new key', { ...BASE, 'stackspin-b-variables': { b_password: PASSWORD, b_key: HEX } }, {}],
    ['a new secret', { ...BASE, 'stackspin-c-variables': { c_password: PASSWORD } }, {}],
    ['another generator for a key', { ...BASE, 'stackspin-b-variables': { b_password: HEX } }, {}],
    ['another image', BASE, { image: 'ghcr.io/fluxcd/flux-cli:v9.9.9' }],
    ['another script', BASE, { script: `${fs.readFileSync(SECRET_GENERATOR_SCRIPT_FILE, 'utf8')}\n# changed\n` }],
  ])('GIVEN %s WHEN synthesized THEN the Job gets a new name, so Flux runs it again', (_what, secrets, props) => {
    expect(generator(secrets, props).jobName).not.toBe(generator(BASE).jobName);
  });

  test('GIVEN the declarations WHEN synthesized THEN the Job runs secret-generator.sh in the catalogue\'s flux-cli image, every declared key mounted as <secret>/<key>', () => {
    const [job] = rendered(generator(BASE), 'Job');
    const [container] = job.spec.template.spec.containers;
    expect(container.image).toBe(imageRef('fluxCli'));
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.command[2]).toBe(fs.readFileSync(SECRET_GENERATOR_SCRIPT_FILE, 'utf8'));
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'NAMESPACE', value: 'flux-system' }, { name: 'DECLARATIONS', value: '/declarations' }]));
    const projected = job.spec.template.spec.volumes.find((v: any) => v.name === 'declarations').projected.sources;
    expect(projected.flatMap((s: any) => s.configMap.items.map((i: any) => `${s.configMap.name}: ${i.key} -> ${i.path}`))).toEqual([
      'stackspin-a-variables-keys: a_key -> stackspin-a-variables/a_key',
      'stackspin-a-variables-keys: a_password -> stackspin-a-variables/a_password',
      'stackspin-b-variables-keys: b_password -> stackspin-b-variables/b_password',
    ]);
    expect(job.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' });
  });

  test('GIVEN the Job WHEN read THEN it runs non-root on a read-only root filesystem with no capabilities, bounded in time and resources', () => {
    const [job] = rendered(generator(BASE), 'Job');
    const pod = job.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.activeDeadlineSeconds).toBeLessThan(10 * 60);
    // Flux counts a Job deleted by its TTL as healthy: keep it far above the Kustomization's 10m timeout.
    expect(job.spec.ttlSecondsAfterFinished).toBe(SECRET_GENERATOR_TTL.toSeconds());
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThanOrEqual(3600);
  });

  test('GIVEN the declarations WHEN synthesized THEN each Secret is declared and created empty, only when absent, never pruned, and only it may be read and patched', () => {
    const g = generator(BASE);
    expect(rendered(g, 'ConfigMap').map((c) => [c.metadata.name, c.metadata.labels, c.data])).toEqual([
      ['stackspin-a-variables-keys', { 'stackspin.net/declares-secret': 'stackspin-a-variables' }, { a_key: 'hex-key', a_password: 'password' }],
      ['stackspin-b-variables-keys', { 'stackspin.net/declares-secret': 'stackspin-b-variables' }, { b_password: 'password' }],
    ]);
    for (const shell of rendered(g, 'Secret')) {
      expect(shell).toEqual({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: shell.metadata.name, namespace: 'flux-system', annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
        type: 'Opaque',
      });
    }
    expect(rendered(g, 'Role')[0].rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['stackspin-a-variables', 'stackspin-b-variables'], verbs: ['get', 'patch'] }]);
  });

  test('GIVEN no secret, or one secret twice WHEN constructed THEN it is refused (a Role without names would grant every Secret)', () => {
    expect(() => generator({})).toThrow('SecretGenerator: secrets is empty; create it only when a component declares a generated secret');
    const scope = new Chart(Testing.app(), 'scope');
    const twice = [new GeneratedSecret(scope, 'x', { name: 'stackspin-x-variables', keys: {} }), new GeneratedSecret(scope, 'y', { name: 'stackspin-x-variables', keys: {} })];
    expect(() => new SecretGenerator(scope, 'g', { secrets: twice })).toThrow('SecretGenerator: generated secret stackspin-x-variables is declared twice; declare each once');
  });

  test('GIVEN a platform WHEN a component declares a generated secret THEN its Kustomization depends on the generator; without one there is no generator', () => {
    const plain = new Platform(Testing.app(), 'stackspin');
    const none = plain.use(defineComponent({ name: 'plain', layer: Layer.CORE, namespace: Namespaces.CORE, build: () => undefined }));
    plain.finish();
    expect(none.kustomization.dependencies.map((d) => d.name)).toEqual(['sources', 'namespaces']);
    expect(plain.node.findAll().some((c) => c instanceof SecretGenerator)).toBe(false);

    const platform = new Platform(Testing.app(), 'stackspin');
    const app = platform.use(defineComponent({ name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS, build: (self) => self.generatedSecret({ demo_password: PASSWORD }) }));
    platform.finish();
    expect(app.kustomization.dependencies.map((d) => d.name)).toEqual(['sources', 'namespaces', GENERATED_SECRETS]);
    expect(platform.secretGenerator.substitute).toBe(false);
    const [secretGenerator] = platform.node.findAll().filter((c): c is SecretGenerator => c instanceof SecretGenerator);
    expect(secretGenerator.secretNames).toEqual(['stackspin-demo-variables']);
  });
});
