import { ApiObject } from 'cdk8s';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { nameProblems } from '../../constructs/kubernetes-names';
import { renderTree } from '../../constructs/tree-writer';
import { buildApp, discoverComponents } from '../../main';

/** Names and labels the API server would refuse, refused at synth (constructs/kubernetes-names.ts). */
describe('Kubernetes names and labels', () => {
  const at = 'apps/demo/x.yaml (X)';
  const object = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'stackspin-apps' }, ...extra });

  test.each([
    ['ConfigMap', 'Bad_Name', 'a DNS-1123 subdomain'],
    ['ConfigMap', 'a'.repeat(254), 'a DNS-1123 subdomain'],
    ['Namespace', 'stackspin.apps', 'a DNS-1123 label'],
    ['Service', '1password', 'a DNS-1035 label'],
    ['Kustomization', 'x'.repeat(64), 'a DNS-1123 label'],
    ['HelmRelease', 'Zulip', 'a DNS-1123 label'],
    ['ClusterRole', 'a/b', 'a path segment name'],
  ])('GIVEN a %s named %s WHEN checked THEN it is refused as not %s, naming the file and object', (kind, name, rule) => {
    expect(nameProblems(object(kind, name), at)).toEqual([expect.stringMatching(new RegExp(`^apps/demo/x\\.yaml \\(X\\): metadata\\.name '${name}' is not ${rule}, which a ${kind} name must be \\(`))]);
  });

  test.each([
    ['ConfigMap', 'zulip-values.v2'],
    ['ClusterRole', 'system:controller:bootstrap-signer'],
    ['Service', 'kratos-admin'],
    ['ConfigMap', 'stackspin-${domain}'],
  ])('GIVEN a %s named %s WHEN checked THEN it is accepted', (kind, name) => {
    expect(nameProblems(object(kind, name), at)).toEqual([]);
  });

  test('GIVEN bad label keys and values, on the object, a pod template and a selector WHEN checked THEN each is named by its field', () => {
    const deployment = object('Deployment', 'web', {
      metadata: { name: 'web', namespace: 'stackspin-apps', labels: { 'app.kubernetes.io/name': 'web', 'Bad_Prefix.io/x': 'y', ok: '-trailing' } },
      spec: { selector: { matchLabels: { app: 'a b' } }, template: { metadata: { labels: { app: `${'v'.repeat(64)}`, host: '${domain}' } } } },
    });
    expect(nameProblems(deployment, at)).toEqual([
      `${at}: metadata.labels key 'Bad_Prefix.io/x' is not a label key: its prefix 'Bad_Prefix.io' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters)`,
      `${at}: metadata.labels.ok '-trailing' is refused: a label value must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      `${at}: spec.selector.matchLabels.app 'a b' is refused: a label value must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      `${at}: spec.template.metadata.labels.app '${'v'.repeat(64)}' is refused: a label value must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    ]);
  });

  test('GIVEN an app with an object named Bad_Name WHEN synthesized THEN synth refuses it naming the file, the object and the rule', () => {
    const demo = defineComponent({
      name: 'demo', layer: Layer.APP, namespace: Namespaces.APPS,
      build: (component) => { new ApiObject(component, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'stackspin-apps' } }); },
    });
    expect(() => renderTree(buildApp([...discoverComponents(), demo])))
      .toThrow(/apps\/demo\/configmap-Bad_Name\.yaml \(ConfigMap stackspin-apps\/Bad_Name\): metadata\.name 'Bad_Name' is not a DNS-1123 subdomain, which a ConfigMap name must be/);
  });
});
