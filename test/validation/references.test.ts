import { edit, fixture, problems } from './fixture';

const SOURCES = 'cluster/core/kustomization-sources.yaml';
const NAMESPACES = 'cluster/core/kustomization-namespaces.yaml';
const ROOT = 'cluster/core/kustomization-stackspin.yaml';
const RELEASE = 'apps/demo/helmrelease-demo.yaml';

describe('validate: references', () => {
  test('GIVEN a Kustomization that depends on a missing Kustomization WHEN validated THEN the reference is named', async () => {
    const f = fixture();
    edit(f, SOURCES, (m) => { m.spec.dependsOn = [{ name: 'missing' }]; });
    expect(await problems(f)).toEqual([
      `${SOURCES}: Kustomization flux-system/sources: spec.dependsOn[0]: Kustomization flux-system/missing is not in the tree; depend on a Kustomization the tree declares`,
    ]);
  });

  test('GIVEN a dependsOn cycle of three WHEN validated THEN the cycle is reported once, in order', async () => {
    const f = fixture();
    edit(f, SOURCES, (m) => { m.spec.dependsOn = [{ name: 'namespaces' }]; });
    edit(f, NAMESPACES, (m) => { m.spec.dependsOn = [{ name: 'stackspin' }]; });
    edit(f, ROOT, (m) => { m.spec.dependsOn = [{ name: 'sources' }]; });
    expect(await problems(f)).toEqual([
      `${NAMESPACES}: Kustomization flux-system/namespaces: spec.dependsOn: dependsOn cycle: namespaces -> stackspin -> sources -> namespaces; remove one of these dependsOn`,
    ]);
  });

  test('GIVEN a HelmRelease whose chart source is missing WHEN validated THEN the sourceRef is named', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.chart.spec.sourceRef.name = 'nowhere'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.chart.spec.sourceRef: HelmRepository flux-system/nowhere is not in the tree; add the repository to the sources or fix sourceRef`,
    ]);
  });

  test('GIVEN a non-optional valuesFrom whose ConfigMap is missing WHEN validated THEN it is refused; an optional one is not', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.valuesFrom[0].name = 'gone'; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.valuesFrom[0]: ConfigMap stackspin-apps/gone is not in the tree; create it in stackspin-apps or mark the reference optional`,
    ]);
  });

  test('GIVEN a HelmRelease that depends on a missing release WHEN validated THEN the reference is named', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.dependsOn = [{ name: 'postgres' }]; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.dependsOn[0]: HelmRelease stackspin-apps/postgres is not in the tree; depend on a HelmRelease the tree declares`,
    ]);
  });

  test('GIVEN a Kustomization with a missing source, path and substitution secret WHEN validated THEN each is named', async () => {
    const f = fixture();
    edit(f, NAMESPACES, (m) => {
      m.spec.sourceRef.name = 'other';
      m.spec.path = './dist/flux2/infrastructure/nothing';
      m.spec.postBuild.substituteFrom.push({ kind: 'Secret', name: 'stackspin-made-up-variables' });
    });
    expect(await problems(f)).toEqual([
      `${NAMESPACES}: Kustomization flux-system/namespaces: spec.path: ./dist/flux2/infrastructure/nothing is not a directory of the tree; point it at ./dist/flux2/<directory>`,
      `${NAMESPACES}: Kustomization flux-system/namespaces: spec.postBuild.substituteFrom[1]: Secret stackspin-made-up-variables is neither stackspin-cluster-variables nor a generated secret the constructs declare; declare it with component.generatedSecret()`,
      `${NAMESPACES}: Kustomization flux-system/namespaces: spec.sourceRef: GitRepository flux-system/other is not in the tree; add the source to the tree or fix sourceRef`,
    ]);
  });

  test('GIVEN a HelmRelease that depends on itself WHEN validated THEN it is a cycle of one', async () => {
    const f = fixture();
    edit(f, RELEASE, (m) => { m.spec.dependsOn = [{ name: 'demo', namespace: 'stackspin-apps' }]; });
    expect(await problems(f)).toEqual([
      `${RELEASE}: HelmRelease stackspin-apps/demo: spec.dependsOn: dependsOn cycle: demo -> demo; remove one of these dependsOn`,
    ]);
  });
});
