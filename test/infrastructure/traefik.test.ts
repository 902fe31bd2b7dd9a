import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { fluxSubstitute } from './flux-substitute';
import { ClusterIssuers, LETSENCRYPT_PREFIX } from '../../infrastructure/cert-manager/issuers';
import { ingress, INGRESS_CLASS_NAME, IP_ALLOW_LIST_MIDDLEWARE } from '../../infrastructure/traefik';
import { componentFiles, ofKind } from '../tree';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { renderTpl } from './helm-tpl';
import { releaseValues, SAMPLE_VARIABLES } from './release-values';
import { parseYaml } from '../yaml';

const fixture = pinnedChart('traefik');
const values = (variables = SAMPLE_VARIABLES): any => releaseValues('infrastructure', 'traefik', variables);

/** The Middleware Helm renders from the release's extraObjects with the given variables. */
function allowListMiddleware(variables: Readonly<Record<string, string>>): any {
  const extra: unknown[] = values(variables).extraObjects;
  const rendered = extra.map((o) => parseYaml(renderTpl(o as string)));
  const middleware = rendered.filter((o) => o.kind === 'Middleware' && o.metadata.name === IP_ALLOW_LIST_MIDDLEWARE);
  expect(middleware).toHaveLength(1);
  return middleware[0];
}

describe('traefik', () => {
  test('GIVEN the platform WHEN synthesized THEN the traefik files match the snapshot', () => {
    expect(componentFiles('traefik')).toMatchSnapshot();
  });

  test('GIVEN the values after substitution WHEN validated against the chart schema THEN they pass', () => {
    expect(schemaErrors(values(), fixture)).toEqual([]);
    expect(schemaErrors(values({ ...SAMPLE_VARIABLES, ingress_allowed_source_ranges: '1.2.3.0/24,10.0.0.1/32' }), fixture)).toEqual([]);
  });

  test('GIVEN a values key with a typo WHEN validated against the chart schema THEN it is refused', () => {
    expect(schemaErrors({ ...values(), ingresClass: {} }, fixture)).not.toEqual([]);
  });

  test('GIVEN the values WHEN their keys are looked up in the chart THEN each is declared there', () => {
    expect(undeclaredKeys(values(), fixture, ['service.spec'])).toEqual([]);
    expect(undeclaredKeys({ ports: { web: { http: { middleware: [] } } } }, fixture)).toEqual(['ports.web.http.middleware']);
  });

  test('GIVEN the values WHEN read THEN traefik is the default IngressClass and HTTP redirects to HTTPS', () => {
    const v = values();
    expect(v.ingressClass).toEqual({ enabled: true, isDefaultClass: true, name: INGRESS_CLASS_NAME });
    expect(v.ports.web.http.redirections.entryPoint).toEqual({ to: 'websecure', scheme: 'https', permanent: true });
  });

  test('GIVEN the values WHEN read THEN the Service is a LoadBalancer keeping client addresses', () => {
    expect(values().service.spec).toEqual({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });

  test('GIVEN both public entrypoints WHEN read THEN each applies the allow-list Middleware of namespace stackspin', () => {
    const v = values();
    for (const entrypoint of ['web', 'websecure']) {
      expect({ entrypoint, middlewares: v.ports[entrypoint].http.middlewares })
        .toEqual({ entrypoint, middlewares: [`stackspin-${IP_ALLOW_LIST_MIDDLEWARE}@kubernetescrd`] });
    }
  });

  test('GIVEN an operator allow-list WHEN Flux and Helm render the Middleware THEN it holds exactly those ranges', () => {
    const middleware = allowListMiddleware({ ...SAMPLE_VARIABLES, ingress_allowed_source_ranges: '1.2.3.0/24,10.0.0.1/32' });
    expect(middleware).toEqual({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: IP_ALLOW_LIST_MIDDLEWARE, namespace: 'stackspin' },
      spec: { ipAllowList: { sourceRange: ['1.2.3.0/24', '10.0.0.1/32'] } },
    });
  });

  test('GIVEN no allow-list in .flux.env WHEN rendered THEN the declared default admits every IPv4 and IPv6 address', () => {
    expect(CLUSTER_VARIABLES.ingress_allowed_source_ranges.default).toBe('0.0.0.0/0,::/0');
    expect(allowListMiddleware(SAMPLE_VARIABLES).spec.ipAllowList.sourceRange).toEqual(['0.0.0.0/0', '::/0']);
  });

  test('GIVEN an allow-list with spaces and IPv6 ranges WHEN rendered THEN each range is one trimmed string', () => {
    const middleware = allowListMiddleware({ ...SAMPLE_VARIABLES, ingress_allowed_source_ranges: '2001:db8::/32, 192.168.1.7/32' });
    expect(middleware.spec.ipAllowList.sourceRange).toEqual(['2001:db8::/32', '192.168.1.7/32']);
  });

  test('GIVEN the allow-list template WHEN rendered after substitution THEN the ranges are quoted (Go YAML refuses a bare ::/0 in a flow list)', () => {
    const extra: string = values().extraObjects[0];
    expect(renderTpl(extra)).toContain('sourceRange: ["0.0.0.0/0","::/0"]');
  });

  test('GIVEN the ingress helper WHEN read THEN it names the IngressClass and the ClusterIssuer letsencrypt_issuer selects, production by default', () => {
    expect(ingress).toEqual({ className: 'traefik', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-${letsencrypt_issuer:=production}' } });
    const issuer = (variables: Record<string, string>): string => fluxSubstitute(ingress.annotations['cert-manager.io/cluster-issuer'], variables);
    expect(issuer({})).toBe(ClusterIssuers.PRODUCTION);
    expect(issuer({ letsencrypt_issuer: 'staging' })).toBe(ClusterIssuers.STAGING);
  });

  test('GIVEN every value letsencrypt_issuer accepts WHEN it completes the issuer name THEN that ClusterIssuer exists, and nothing else is accepted', () => {
    const schema = CLUSTER_VARIABLES.letsencrypt_issuer.schema;
    for (const choice of ['production', 'staging']) {
      expect(schema.safeParse(choice).success).toBe(true);
      expect(Object.values(ClusterIssuers)).toContain(`${LETSENCRYPT_PREFIX}${choice}`);
    }
    for (const bad of ['Production', 'letsencrypt-staging', 'prod', '']) expect(schema.safeParse(bad).success).toBe(false);
  });

  test('GIVEN the HelmRelease WHEN read THEN it runs in stackspin and installs the chart CRDs (Middleware among them)', () => {
    const release = ofKind('HelmRelease').find((o) => o.manifest.metadata.name === 'traefik')!;
    expect(release.manifest.metadata.namespace).toBe('stackspin');
    expect(release.manifest.spec.install.crds).toBe('CreateReplace');
  });
});
