import { certManager } from '../../infrastructure/cert-manager';
import { ClusterIssuers } from '../../infrastructure/cert-manager/issuers';
import { letsencryptIssuers } from '../../infrastructure/cert-manager/letsencrypt';
import { INGRESS_CLASS_NAME, traefik } from '../../infrastructure/traefik';
import { componentFiles, fullTree, ofKind } from '../tree';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { fluxSubstitute } from './flux-substitute';
import { releaseValues, SAMPLE_VARIABLES } from './release-values';
import { parseYaml } from '../yaml';

const fixture = pinnedChart('cert-manager');
const values = (): any => releaseValues('infrastructure', 'cert-manager');
const kustomization = (name: string): any => ofKind('Kustomization').find((o) => o.file === `cluster/core/kustomization-${name}.yaml`)!.manifest;

/** A ClusterIssuer as the cluster receives it, after Flux substituted the sample variables. */
function issuer(name: string): any {
  const file = `infrastructure/letsencrypt-issuers/clusterissuer-${name}.yaml`;
  return parseYaml(fluxSubstitute(fullTree().get(file)!, SAMPLE_VARIABLES));
}

describe('cert-manager', () => {
  test('GIVEN the platform WHEN synthesized THEN the cert-manager files match the snapshot', () => {
    expect(componentFiles('cert-manager')).toMatchSnapshot();
  });

  test('GIVEN the values WHEN validated against the chart schema THEN they pass', () => {
    expect(schemaErrors(values(), fixture)).toEqual([]);
    expect(undeclaredKeys(values(), fixture)).toEqual([]);
  });

  test('GIVEN a values key with a typo WHEN validated against the chart schema THEN it is refused', () => {
    expect(schemaErrors({ ...values(), crds: { enable: true } }, fixture)).not.toEqual([]);
  });

  test('GIVEN the values WHEN read THEN the chart installs its CRDs and keeps them on uninstall', () => {
    expect(values().crds).toEqual({ enabled: true, keep: true });
  });

  test('GIVEN every cert-manager pod WHEN its values are read THEN it has requests and limits', () => {
    const v = values();
    for (const [pod, resources] of Object.entries({ controller: v.resources, cainjector: v.cainjector.resources, webhook: v.webhook.resources, startupapicheck: v.startupapicheck.resources })) {
      expect({ pod, requests: Object.keys(resources.requests), limits: Object.keys(resources.limits) })
        .toEqual({ pod, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
    }
  });

  test('GIVEN the HelmRelease WHEN read THEN it runs in namespace cert-manager as the documents expect', () => {
    const release = ofKind('HelmRelease').find((o) => o.manifest.metadata.name === 'cert-manager')!;
    expect(release.manifest.metadata.namespace).toBe('cert-manager');
    expect(certManager.namespace).toBe('cert-manager');
  });
});

describe('letsencrypt-issuers', () => {
  test('GIVEN the platform WHEN synthesized THEN the letsencrypt-issuers files match the snapshot', () => {
    expect(componentFiles('letsencrypt-issuers')).toMatchSnapshot();
  });

  test('GIVEN the tree WHEN its ClusterIssuers are listed THEN they are exactly production and staging', () => {
    expect(ofKind('ClusterIssuer').map((o) => o.manifest.metadata.name).sort()).toEqual(['letsencrypt-production', 'letsencrypt-staging']);
    expect(Object.values(ClusterIssuers).sort()).toEqual(['letsencrypt-production', 'letsencrypt-staging']);
  });

  test.each([
    [ClusterIssuers.PRODUCTION, 'https://acme-v02.api.letsencrypt.org/directory'],
    [ClusterIssuers.STAGING, 'https://acme-staging-v02.api.letsencrypt.org/directory'],
  ])('GIVEN ClusterIssuer %s WHEN substituted THEN it uses %s, the admin e-mail and HTTP-01 through Traefik', (name, server) => {
    expect(issuer(name).spec).toEqual({
      acme: {
        server,
        email: SAMPLE_VARIABLES.admin_email,
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName: INGRESS_CLASS_NAME } } }],
      },
    });
  });

  test('GIVEN the issuers Kustomization WHEN read THEN it waits for cert-manager (CRDs, webhook) and traefik', () => {
    const deps = kustomization('letsencrypt-issuers').spec.dependsOn.map((d: any) => d.name);
    expect(deps).toEqual(expect.arrayContaining([certManager.name, traefik.name]));
    expect(letsencryptIssuers.dependsOn).toEqual([certManager, traefik]);
  });

  test('GIVEN the issuers Kustomization WHEN read THEN it substitutes the cluster variables (admin_email)', () => {
    expect(kustomization('letsencrypt-issuers').spec.postBuild.substituteFrom).toEqual([{ kind: 'Secret', name: 'stackspin-cluster-variables' }]);
  });
});
