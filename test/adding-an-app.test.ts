import { parse } from 'yaml';
import { ChartEntry } from '../catalogue';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { Generator } from '../constructs/generated-secret';
import { OAuth2Client } from '../constructs/oauth2-client';
import { renderTree } from '../constructs/tree-writer';
import { ingress } from '../infrastructure/traefik';
import { buildApp, discoverComponents } from '../main';
import { singleSignOn } from '../apps/single-sign-on';

/** The README's "Adding an app" example, as written there: one definition and one chart entry. */
const myappChart: ChartEntry = { repository: 'https://charts.example.org/', chart: 'myapp', version: '1.2.3', upstream: 'example for the README' };

const myapp = defineComponent({
  name: 'myapp',
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [singleSignOn],
  build(component) {
    const secret = component.generatedSecret({ myapp_oauth_client_secret: { generator: Generator.PASSWORD } });
    new OAuth2Client(component, 'oidc', {
      name: 'myapp', namespace: component.namespace, secret, secretKey: 'myapp_oauth_client_secret',
      redirectUris: [`https://myapp.${vars.domain}/oidc/callback`],
    });
    component.helmApp({
      name: 'myapp',
      chart: myappChart,
      values: { ingress: { enabled: true, className: ingress.className, annotations: ingress.annotations, host: `myapp.${vars.domain}` } },
      secretValues: { oidc: { clientSecret: secret.ref('myapp_oauth_client_secret') } },
    });
  },
});

describe('adding an app', () => {
  const tree = renderTree(buildApp([...discoverComponents(), myapp]));
  const read = (file: string): any => parse(tree.get(file) ?? '');

  test('GIVEN one new definition WHEN the platform is synthesized THEN it gets its entry, Kustomization and directory', () => {
    expect(read('cluster/optional/myapp/kustomization.yaml').resources).toEqual(['kustomization-myapp.yaml']);
    const k = read('cluster/optional/myapp/kustomization-myapp.yaml');
    expect(k.spec.path).toBe('./dist/flux2/apps/myapp');
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'namespaces', 'single-sign-on', 'sources']);
    expect(k.spec.postBuild.substituteFrom.map((s: any) => s.name)).toEqual(['stackspin-cluster-variables', 'stackspin-myapp-variables']);
  });

  test('GIVEN the new app\'s generated secret WHEN synthesized THEN the tree declares it and the cluster generates it', () => {
    expect(read('infrastructure/generated-secrets/configmap-stackspin-myapp-variables-keys.yaml').data).toEqual({ myapp_oauth_client_secret: 'password' });
    expect(read('infrastructure/generated-secrets/role-generate-secrets.yaml').rules[0].resourceNames).toContain('stackspin-myapp-variables');
  });

  test('GIVEN the new app WHEN synthesized THEN its HelmRelease, values, overrides and chart source follow the platform pattern', () => {
    const release = read('apps/myapp/helmrelease-myapp.yaml');
    expect(release.metadata.namespace).toBe('stackspin-apps');
    expect(release.spec.chart.spec).toMatchObject({ chart: 'myapp', version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'example' } });
    expect(release.spec.valuesFrom.map((v: any) => v.name)).toEqual(['myapp-values', 'myapp-secret-values', 'stackspin-myapp-override', 'stackspin-myapp-override']);
    expect(release.spec.commonMetadata.labels).toEqual({ 'stackspin.net/backupSet': 'myapp' });
    expect(read('infrastructure/sources/helmrepository-example.yaml').spec.url).toBe('https://charts.example.org/');
    expect(read('apps/myapp/oauth2client-myapp.yaml').spec.redirectUris).toEqual(['https://myapp.${domain}/oidc/callback']);
  });
});
