import { edit, fixture, problems } from './fixture';

const NAMESPACE = 'infrastructure/namespaces/namespace-stackspin-apps.yaml';
const annotate = (value: string, extra: Record<string, string> = {}) => (m: any): void => {
  m.metadata.annotations = { note: value, ...extra };
};

describe('validate: substitution variables', () => {
  test('GIVEN an undeclared ${var} in a substituted directory WHEN validated THEN file, object, field and fix are named', async () => {
    const f = fixture();
    edit(f, NAMESPACE, annotate('host ${nope}'));
    expect(await problems(f)).toEqual([
      `${NAMESPACE}: Namespace stackspin-apps: metadata.annotations.note: \${nope} is not a cluster variable or a key of a secret Kustomization namespaces substitutes from (stackspin-cluster-variables) and has no := default; Flux would fail the whole Kustomization. Declare it, or escape a literal as $\${nope}`,
    ]);
  });

  test('GIVEN a generated-secret key used where its secret is not substituted WHEN validated THEN it is refused', async () => {
    const f = fixture();
    edit(f, NAMESPACE, annotate('${demo_password}'));
    expect(await problems(f)).toEqual([expect.stringContaining(`${NAMESPACE}: Namespace stackspin-apps: metadata.annotations.note: \${demo_password} is not`)]);
  });

  test('GIVEN a cluster variable, a := default, an escaped literal and a generated key where substituted WHEN validated THEN all pass', async () => {
    const f = fixture();
    edit(f, NAMESPACE, annotate('${domain} ${anything:=x} $${HOME}'));
    edit(f, 'apps/demo/configmap-demo-values.yaml', (m) => { m.data.extra = '${demo_password}'; });
    expect(await problems(f)).toEqual([]);
  });

  test('GIVEN an object that opts out of substitution WHEN validated THEN its ${...} are not checked', async () => {
    const f = fixture();
    edit(f, NAMESPACE, annotate('${nope}', { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' }));
    expect(await problems(f)).toEqual([]);
  });
});
