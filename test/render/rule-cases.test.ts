import { RenderResult } from '../../scripts/render/render';
import {
  backupLabelProblems, capacity, ClusterObject, imageProblems, ingressProblems, referenceProblems, storageProblems,
} from '../../scripts/render/rules';

/** Each render rule on a small hand-made cluster: it passes the good case and names the bad one. */

const LABEL = 'stackspin.net/backupSet';

/** A Deployment whose pods carry `labels`, and so does it unless `own` says otherwise. */
function deployment(name: string, pod: Record<string, unknown>, labels: Record<string, string> = {}, own: Record<string, string> = labels): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'apps', labels: own },
    spec: { template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'example.org/app:1.0' }], ...pod } } },
  };
}

function object(manifest: any, owner: string, app?: string, kustomization?: string): ClusterObject {
  return { id: `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`, manifest, owner, exists: `ready ${owner}`, app, kustomization, origin: owner };
}

/**
 * Two releases in one Kustomization: `HelmRelease apps/db`, and `HelmRelease apps/web`, which
 * depends on db when `ordered`.
 */
function cluster(ordered: boolean): RenderResult {
  const edges = [
    { from: 'start Kustomization flux-system/app', to: 'start HelmRelease apps/db', delay: 0, guaranteed: true },
    { from: 'start Kustomization flux-system/app', to: 'start HelmRelease apps/web', delay: 0, guaranteed: true },
    { from: 'start HelmRelease apps/db', to: 'ready HelmRelease apps/db', delay: 0, guaranteed: true },
    { from: 'start HelmRelease apps/web', to: 'ready HelmRelease apps/web', delay: 0, guaranteed: true },
    ...(ordered ? [{ from: 'ready HelmRelease apps/db', to: 'start HelmRelease apps/web', delay: 1, guaranteed: true }] : []),
  ];
  return {
    plan: { graph: { events: [], edges, blocked: new Map() }, input: { apps: ['app'] } },
    releases: ['db', 'web'].map((name) => ({ id: `HelmRelease apps/${name}`, chart: { name } })),
  } as unknown as RenderResult;
}

const lines = (problems: readonly { object: string; message: string }[]): string[] => problems.map((p) => `${p.object}: ${p.message}`);

describe('render rules on hand-made clusters', () => {
  test('GIVEN images without tag, with latest, from Bitnami, or pinned WHEN checked THEN only the pinned one passes', () => {
    const objects = ['nginx', 'nginx:latest', 'docker.io/bitnami/redis:7.0', 'example.org/app:1.0', 'example.org/app@sha256:abc']
      .map((image, i) => object({ ...deployment(`d${i}`, { containers: [{ name: 'main', image }] }) }, 'HelmRelease apps/web'));
    expect(lines(imageProblems(objects)).map((l) => l.slice(0, l.indexOf(':', l.indexOf('container'))))).toEqual([
      'Deployment apps/d0 container main', 'Deployment apps/d1 container main', 'Deployment apps/d2 container main',
    ]);
  });

  test('GIVEN an app pod without its label, a core pod with an app\'s label, and labelled claims WHEN checked THEN both wrong ones are named', () => {
    const statefulSet = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'apps', labels: { [LABEL]: 'app' } },
      spec: { template: { metadata: { labels: { [LABEL]: 'app' } }, spec: {} }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] },
    };
    const objects = [
      object(deployment('web', {}), 'HelmRelease apps/web', 'app'),
      object(deployment('grafana', {}, { [LABEL]: 'app' }), 'HelmRelease core/grafana'),
      object(statefulSet, 'HelmRelease apps/db', 'app'),
      object(deployment('ok', {}, { [LABEL]: 'app' }), 'HelmRelease apps/web', 'app'),
    ];
    expect(lines(backupLabelProblems(objects, ['app'])).map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      'Deployment apps/web pod template', 'Deployment apps/grafana pod template', 'StatefulSet apps/db volumeClaimTemplate data',
    ]);
  });

  test('GIVEN a core backup set whose workload, claim template, mounted claim or second Kustomization is wrong WHEN checked THEN each is named, and the right ones pass', () => {
    const core = (manifest: any, kustomization = 'Kustomization flux-system/sso'): ClusterObject => object(manifest, 'HelmRelease core/sso', undefined, kustomization);
    const sso = { [LABEL]: 'sso' };
    const statefulSet = (name: string, own: Record<string, string>, claim: Record<string, string>): any => ({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'core', labels: own },
      spec: { template: { metadata: { labels: sso }, spec: {} }, volumeClaimTemplates: [{ metadata: { name: 'data', labels: claim } }] },
    });
    const claim = (name: string, labels: Record<string, string>): any => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'core', labels }, spec: {} });
    const mounting = (name: string, claimName: string): any => ({
      ...deployment(name, { volumes: [{ name: 'files', persistentVolumeClaim: { claimName } }] }, sso), metadata: { name, namespace: 'core', labels: sso },
    });
    const good = [core(statefulSet('db', sso, sso)), core(claim('kept', sso)), core(mounting('web', 'kept'))];
    expect(backupLabelProblems(good, ['app'])).toEqual([]);
    const bad = [
      core(statefulSet('unlabelled', {}, sso)),
      core(statefulSet('claimless', sso, {})),
      core(claim('plain', {})),
      core(mounting('mounts', 'plain')),
      core(claim('elsewhere', sso), 'Kustomization flux-system/monitoring'),
    ];
    expect(lines(backupLabelProblems(bad, ['app'])).map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      'StatefulSet core/unlabelled', 'StatefulSet core/claimless volumeClaimTemplate data', 'Deployment core/mounts volume files', 'backup set sso',
    ]);
  });

  test('GIVEN a pod that mounts a Secret of a release it does not wait for WHEN checked THEN the missing order is named, and dependsOn fixes it', () => {
    const secret = object({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-auth', namespace: 'apps' } }, 'HelmRelease apps/db');
    const web = object(deployment('web', { volumes: [{ name: 'auth', secret: { secretName: 'db-auth' } }] }), 'HelmRelease apps/web');
    expect(lines(referenceProblems(cluster(false), [secret, web]))).toEqual([
      'Deployment apps/web (volume auth): needs Secret apps/db-auth, which HelmRelease apps/db creates, but Flux does not order it before HelmRelease apps/web; add a dependsOn (HelmRelease apps/web)',
    ]);
    expect(referenceProblems(cluster(true), [secret, web])).toEqual([]);
  });

  test('GIVEN env and envFrom references to objects nobody creates, optional ones too WHEN checked THEN only the required ones are named', () => {
    const web = object(deployment('web', {
      serviceAccountName: 'web',
      containers: [{
        name: 'main', image: 'x:1',
        env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'gone', key: 'a' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'maybe', key: 'b', optional: true } } }],
        envFrom: [{ configMapRef: { name: 'settings' } }],
      }],
    }), 'HelmRelease apps/web');
    expect(lines(referenceProblems(cluster(true), [web])).map((l) => l.slice(0, l.indexOf(', which')))).toEqual([
      'Deployment apps/web (serviceAccountName): needs ServiceAccount apps/web',
      'Deployment apps/web (container main env A): needs Secret apps/gone',
      'Deployment apps/web (container main envFrom): needs ConfigMap apps/settings',
    ]);
  });

  test('GIVEN a claim on the default class that a release it does not wait for creates WHEN checked THEN the order is asked for', () => {
    const storageClass = object({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } }, 'HelmRelease apps/db');
    const claim = object({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'apps' }, spec: {} }, 'HelmRelease apps/web');
    const named = object({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'other', namespace: 'apps' }, spec: { storageClassName: 'fast' } }, 'HelmRelease apps/web');
    expect(lines(storageProblems(cluster(false), [storageClass, claim, named])).map((l) => l.slice(0, l.indexOf(' (')))).toEqual([
      'PersistentVolumeClaim apps/data: uses StorageClass local of HelmRelease apps/db, but Flux does not order that before HelmRelease apps/web; make its Kustomization depend on the one installing HelmRelease apps/db',
      'PersistentVolumeClaim apps/other: uses StorageClass fast, which nothing creates',
    ]);
    expect(storageProblems(cluster(true), [storageClass, claim])).toEqual([]);
  });

  test('GIVEN Ingresses of another class, another domain, no TLS and an unissued certificate WHEN checked THEN each is named', () => {
    const ingress = (name: string, spec: any, annotations: Record<string, string> = { 'cert-manager.io/cluster-issuer': 'letsencrypt-production' }): ClusterObject =>
      object({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'apps', annotations }, spec }, 'HelmRelease apps/web');
    const tls = (host: string): any => [{ hosts: [host], secretName: `${host}-tls` }];
    const objects = [
      ingress('good', { ingressClassName: 'traefik', rules: [{ host: 'a.example.org' }], tls: tls('a.example.org') }),
      ingress('nginx', { ingressClassName: 'nginx', rules: [{ host: 'b.example.org' }], tls: tls('b.example.org') }),
      ingress('foreign', { ingressClassName: 'traefik', rules: [{ host: 'c.example.com' }], tls: tls('c.example.com') }),
      ingress('plain', { ingressClassName: 'traefik', rules: [{ host: 'd.example.org' }] }),
      ingress('unissued', { ingressClassName: 'traefik', rules: [{ host: 'e.example.org' }], tls: tls('e.example.org') }, {}),
    ];
    expect(lines(ingressProblems(objects, 'example.org')).map((l) => l.slice(0, l.indexOf(' (')))).toEqual([
      'Ingress apps/nginx: has ingressClassName nginx; set traefik',
      "Ingress apps/foreign: serves host c.example.com, not one under the cluster's domain example.org",
      'Ingress apps/plain: serves d.example.org without TLS; list it under spec.tls',
      'Ingress apps/unissued: serves e.example.org with TLS Secret e.example.org-tls, for which no Ingress asks cert-manager',
    ]);
  });

  test('GIVEN the cluster\'s issuer WHEN an Ingress asks another, or one that does not exist THEN it is named, and its host counts as unissued', () => {
    const ingress = (name: string, issuer: string): ClusterObject => object({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, namespace: 'apps', annotations: { 'cert-manager.io/cluster-issuer': issuer } },
      spec: { ingressClassName: 'traefik', rules: [{ host: `${name}.example.org` }], tls: [{ hosts: [`${name}.example.org`], secretName: name }] },
    }, 'HelmRelease apps/web');
    const objects = [ingress('staging', 'letsencrypt-staging'), ingress('production', 'letsencrypt-production'), ingress('typo', 'letsencrypt-prod')];
    expect(lines(ingressProblems(objects, 'example.org', 'letsencrypt-staging')).map((l) => l.slice(0, l.indexOf(' (')))).toEqual([
      "Ingress apps/production: asks cert-manager for ClusterIssuer letsencrypt-production; the cluster's is letsencrypt-staging",
      'Ingress apps/production: serves production.example.org with TLS Secret production, for which no Ingress asks cert-manager',
      "Ingress apps/typo: asks cert-manager for ClusterIssuer letsencrypt-prod; the cluster's is letsencrypt-staging",
      'Ingress apps/typo: serves typo.example.org with TLS Secret typo, for which no Ingress asks cert-manager',
    ]);
    expect(lines(ingressProblems(objects, 'example.org')).map((l) => l.slice(0, l.indexOf(' (')))).toEqual([
      "Ingress apps/typo: asks cert-manager for ClusterIssuer letsencrypt-prod; the cluster's is letsencrypt-production or letsencrypt-staging",
      'Ingress apps/typo: serves typo.example.org with TLS Secret typo, for which no Ingress asks cert-manager',
    ]);
  });

  test('GIVEN workloads that request more than the node has WHEN summed THEN the budget is named', () => {
    const big = object(deployment('big', { containers: [{ name: 'main', image: 'x:1', resources: { requests: { cpu: '3', memory: '6Gi' } } }] }), 'HelmRelease apps/web');
    const replicated = { ...big, manifest: { ...big.manifest, spec: { ...big.manifest.spec, replicas: 2 } } };
    expect(capacity([big]).problems).toEqual([]);
    expect(capacity([replicated]).total).toEqual({ cpu: 6, memory: 12 * 2 ** 30 });
    expect(lines(capacity([replicated]).problems)).toEqual(['the node: workloads request 6000m CPU and 12288Mi memory; a 6-core, 12288Mi node keeps 5000m and 10240Mi after k3s and Flux; lower requests']);
  });
});
