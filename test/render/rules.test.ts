import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { LETSENCRYPT_PREFIX } from '../../infrastructure/cert-manager/issuers';
import {
  backupLabelProblems, capacity, clusterObjects, ClusterObject, imageProblems, ingressProblems, referenceProblems,
  renderFailures, RenderProblem, schemaProblems, storageProblems, treeSchemaProblems,
} from '../../scripts/render/rules';
import { RenderResult } from '../../scripts/render/render';
import { renderPlatform } from './platform';

/** Rules over what the charts make of the tree: every release, every rendered object. */

const lines = (problems: readonly RenderProblem[]): string[] => problems.map((p) => `${p.object}: ${p.message}`);
let result: RenderResult;
let objects: ClusterObject[];

beforeAll(async () => {
  result = await renderPlatform();
  objects = clusterObjects(result);
});

describe('the platform rendered with every app', () => {
  test('GIVEN every HelmRelease WHEN rendered with real Helm and the pinned chart THEN it renders and its values pass the chart schema', () => {
    expect(result.releases.length).toBeGreaterThan(15);
    expect(lines(renderFailures(result))).toEqual([]);
  });

  test('GIVEN every tree object WHEN substituted as the cluster does and validated THEN it matches its schema', () => {
    expect(lines(treeSchemaProblems(result))).toEqual([]);
  });

  test('GIVEN every rendered object WHEN validated THEN it matches its Kubernetes or CRD schema', () => {
    expect(lines(schemaProblems(result))).toEqual([]);
  });

  test('GIVEN every container of the tree and the charts WHEN read THEN its image is pinned and none is Bitnami', () => {
    expect(lines(imageProblems(objects))).toEqual([]);
  });

  test('GIVEN every pod template and claim of an app WHEN read THEN it carries the app\'s backupSet label, and nothing else carries it', () => {
    expect(lines(backupLabelProblems(objects, result.plan.input.apps))).toEqual([]);
  });

  test('GIVEN every workload WHEN its Secrets, ConfigMaps and ServiceAccount are looked up THEN each exists before its pods start', () => {
    expect(lines(referenceProblems(result, objects))).toEqual([]);
  });

  test('GIVEN every claim WHEN its StorageClass is looked up THEN Flux installs the class first', () => {
    expect(lines(storageProblems(result, objects))).toEqual([]);
  });

  test('GIVEN every Ingress WHEN read THEN it is Traefik\'s, under the domain, with a certificate from the cluster\'s issuer', () => {
    expect(lines(ingressProblems(objects, CLUSTER_VARIABLES.domain.example, `${LETSENCRYPT_PREFIX}${CLUSTER_VARIABLES.letsencrypt_issuer.example}`))).toEqual([]);
  });

  test('GIVEN every workload of the tree and the charts WHEN their requests are summed THEN they fit the documented node', () => {
    const { total, problems } = capacity(objects);
    expect(total.cpu).toBeGreaterThan(1);
    expect(lines(problems)).toEqual([]);
  });
});
