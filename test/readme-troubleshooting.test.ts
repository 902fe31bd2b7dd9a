import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { alloyConfig, EVENTS_APP_LABEL, EVENTS_JOB_LABEL } from '../apps/monitoring/alloy-config';
import { DECLARES_SECRET_LABEL } from '../constructs/generated-secret';
import { CLUSTER_VARIABLES_SECRET } from '../constructs/cluster-variables';
import { CLUSTER_ISSUER_ANNOTATION } from '../infrastructure/traefik';
import { podTemplate } from '../scripts/render/resources';
import { clusterObjects } from '../scripts/render/rules';
import { checkQuery, checkScript, ClusterModel, CommandProblem, ModelObject } from './readme-commands';
import { renderPlatform } from './render/platform';

/**
 * README "Troubleshooting": every namespace, object, container and label its commands and log
 * queries name exists in the cluster the tree makes (synthesized and rendered with every app),
 * with what bootstrap adds outside the tree (Flux's controllers, the cluster variables).
 */

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The section, from its heading to the next one of the same level. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section ${heading}`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Fenced code blocks of a language. */
function blocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** Inline code outside fenced blocks that is a command or query; the documents' own old names excepted. */
function inlineCommands(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/(documents' )?`([^`]+)`/g)]
    .filter((m) => m[1] === undefined && /^(kubectl|flux|logcli) |^\{/.test(m[2]))
    .map((m) => m[2]);
}

/** Flux's controllers, which bootstrap installs with `flux install` (pods labelled `app: <name>`, container `manager`). */
const FLUX_CONTROLLERS = ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'];

/** Kinds the API serves without a CRD, by the names kubectl takes. */
const BUILT_IN: Readonly<Record<string, readonly string[]>> = {
  Pod: ['pod', 'pods', 'po'],
  Deployment: ['deployment', 'deployments', 'deploy'],
  StatefulSet: ['statefulset', 'statefulsets', 'sts'],
  Job: ['job', 'jobs'],
  CronJob: ['cronjob', 'cronjobs', 'cj'],
  Secret: ['secret', 'secrets'],
  ConfigMap: ['configmap', 'configmaps', 'cm'],
  Service: ['service', 'services', 'svc'],
  Ingress: ['ingress', 'ingresses', 'ing'],
  PersistentVolumeClaim: ['persistentvolumeclaim', 'persistentvolumeclaims', 'pvc'],
  PersistentVolume: ['persistentvolume', 'persistentvolumes', 'pv'],
  Namespace: ['namespace', 'namespaces', 'ns'],
};

let model: ClusterModel;

beforeAll(async () => {
  const result = await renderPlatform();
  const cluster = clusterObjects(result);
  const objects: ModelObject[] = cluster.map((o) => {
    const template = podTemplate(o.manifest);
    const spec = template?.spec ?? {};
    return {
      kind: o.manifest.kind,
      namespace: o.manifest.metadata?.namespace,
      name: o.manifest.metadata?.name,
      labels: o.manifest.metadata?.labels ?? {},
      containers: [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: any) => c.name),
      podLabels: template?.metadata?.labels,
      claimLabels: (o.manifest.spec?.volumeClaimTemplates ?? []).map((c: any) => c.metadata?.labels ?? {}),
      replicas: o.manifest.kind === 'StatefulSet' ? o.manifest.spec?.replicas ?? 1 : undefined,
    };
  });
  // cert-manager names an Ingress's Certificate after its TLS Secret.
  for (const o of cluster.filter((c) => c.manifest.kind === 'Ingress' && c.manifest.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION])) {
    for (const tls of o.manifest.spec?.tls ?? []) {
      objects.push({ kind: 'Certificate', namespace: o.manifest.metadata.namespace, name: tls.secretName, labels: {}, containers: [] });
    }
  }
  // The in-cluster generator creates the Secrets the tree declares; bootstrap, the cluster variables.
  for (const o of cluster.filter((c) => c.manifest.metadata?.labels?.[DECLARES_SECRET_LABEL])) {
    objects.push({ kind: 'Secret', namespace: o.manifest.metadata.namespace, name: o.manifest.metadata.labels[DECLARES_SECRET_LABEL], labels: {}, containers: [] });
  }
  objects.push({ kind: 'Secret', namespace: 'flux-system', name: CLUSTER_VARIABLES_SECRET, labels: {}, containers: [] });
  for (const name of FLUX_CONTROLLERS) {
    objects.push({ kind: 'Deployment', namespace: 'flux-system', name, labels: { app: name }, containers: ['manager'], podLabels: { app: name } });
  }

  const kinds = new Map<string, string>();
  for (const [kind, names] of Object.entries(BUILT_IN)) for (const name of names) kinds.set(name, kind);
  const vendored = fs.readdirSync(path.join(__dirname, '..', 'imports', 'crds')).filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', 'imports', 'crds', f), 'utf8')).map((d) => d.toJS()));
  for (const crd of [...vendored, ...result.crds].filter((c) => c?.kind === 'CustomResourceDefinition')) {
    const n = crd.spec.names;
    for (const name of [n.kind, n.plural, n.singular, ...(n.shortNames ?? []), `${n.plural}.${crd.spec.group}`]) if (name) kinds.set(name.toLowerCase(), n.kind);
  }

  const namespaces = new Set<string>(['default', 'kube-system', 'flux-system']);
  for (const o of objects) if (o.namespace) namespaces.add(o.namespace);
  for (const o of objects.filter((x) => x.kind === 'Namespace')) namespaces.add(o.name);

  // Log streams, as Alloy's pipeline labels them: pods by their labels and containers, and events.
  const pods = objects.filter((o) => o.podLabels !== undefined && o.containers.length > 0);
  const appOf = (labels: Readonly<Record<string, string>>, container: string): string => labels['app.kubernetes.io/name'] || labels.app || container;
  const config = alloyConfig('http://loki/push');
  const labelNames = [...config.matchAll(/target_label\s*=\s*"([a-z_]+)"/g)].map((m) => m[1]);
  const streams = new Map<string, Set<string>>([
    ['namespace', new Set(pods.map((p) => p.namespace!))],
    ['pod', new Set(pods.map((p) => p.name))],
    ['container', new Set(pods.flatMap((p) => p.containers))],
    ['container_name', new Set(pods.flatMap((p) => p.containers))],
    ['app', new Set([...pods.flatMap((p) => p.containers.map((c) => appOf(p.podLabels!, c))), EVENTS_APP_LABEL])],
    ['job', new Set([EVENTS_JOB_LABEL])],
    ['instance', new Set(['loki.source.kubernetes_events.events'])],
  ]);
  // Only labels the pipeline really sets.
  for (const name of [...streams.keys()]) if (!labelNames.includes(name) && !['job', 'instance'].includes(name)) streams.delete(name);
  model = { namespaces, objects, kinds, streams };
});

const described = (problems: readonly CommandProblem[]): string[] => problems.map((p) => `${p.command}: ${p.problem}`);

describe('README "Troubleshooting"', () => {
  const text = section('Troubleshooting');

  test('GIVEN the section WHEN read THEN it has commands and queries for each of the documents\' topics', () => {
    for (const heading of ['Flux, Kustomizations and HelmReleases', 'Pods and jobs', 'HTTPS certificates', 'Logs', 'Monitoring', 'Apps', 'Backups and restoring an app\'s data', 'The server']) {
      expect({ heading, present: text.includes(`\n### ${heading}\n`) }).toEqual({ heading, present: true });
    }
    expect(blocks(text, 'sh').join('\n').split('\n').filter((l) => /^(kubectl|flux|logcli) /.test(l)).length).toBeGreaterThan(40);
    expect(blocks(text, 'logql').join('\n').trim().split('\n')).toHaveLength(12);
  });

  test('GIVEN every kubectl, flux and logcli command of its code blocks and text WHEN checked against the rendered cluster THEN every namespace, object, container and label exists', () => {
    const scripts = [...blocks(text, 'sh'), ...inlineCommands(text).filter((c) => !c.startsWith('{'))];
    expect(described(scripts.flatMap((s) => checkScript(s, model)))).toEqual([]);
  });

  test('GIVEN every LogQL query of the section WHEN its stream selector is checked THEN Alloy sets each label, and some stream has each value', () => {
    const queries = [...blocks(text, 'logql').join('\n').split('\n').filter((l) => l.trim() !== ''), ...inlineCommands(text).filter((c) => c.startsWith('{'))];
    expect(queries.flatMap((q) => checkQuery(q, model))).toEqual([]);
    // The documents' own queries, as they are written there.
    for (const query of ['{container_name="hydra"} != "level=info"', '{container_name=~"(hydra|zulip)"}', '{app="eventrouter"} |~ "warning"', '{app="helm-controller"}', '{app="source-controller"}', '{app="cert-manager"} |= "chat"']) {
      expect({ query, problems: checkQuery(query, model) }).toEqual({ query, problems: [] });
    }
  });

  test('GIVEN the certificate names it lists WHEN compared with the Ingresses that ask cert-manager THEN they are exactly those certificates', () => {
    const bullet = /- Certificates are named after their Secrets:([\s\S]*?)\n- /.exec(text)![1];
    const listed = [...bullet.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((n) => !model.namespaces.has(n) && !n.includes('$'));
    expect(listed.sort()).toEqual(model.objects.filter((o) => o.kind === 'Certificate').map((o) => o.name).sort());
  });
});

describe('the command checker', () => {
  test('GIVEN commands that name what the cluster lacks WHEN checked THEN each is named, so the README test can fail', () => {
    const script = [
      'kubectl -n stackspin describe helmrelease nginx',
      'kubectl -n oas get pods',
      'kubectl exec -n stackspin-apps zulip-0 -c rocketchat -- true',
      'kubectl -n stackspin port-forward pod/loki-1 3100',
      'flux reconcile kustomization core',
      'flux reconcile helmrelease nextcloud',
      'kubectl -n stackspin logs -l app.kubernetes.io/name=cert-manager',
      'kubectl get widgets -A',
      'logcli query \'{app="eventrouter-old"}\'',
    ].join('\n');
    expect(described(checkScript(script, model))).toEqual([
      'kubectl -n stackspin describe helmrelease nginx: HelmRelease stackspin/nginx does not exist',
      'kubectl -n oas get pods: namespace oas does not exist',
      'kubectl exec -n stackspin-apps zulip-0 -c rocketchat -- true: Pod zulip-0 has no container rocketchat',
      'kubectl -n stackspin port-forward pod/loki-1 3100: Pod stackspin/loki-1 does not exist',
      'flux reconcile kustomization core: Kustomization flux-system/core does not exist',
      'flux reconcile helmrelease nextcloud: HelmRelease flux-system/nextcloud does not exist',
      'kubectl -n stackspin logs -l app.kubernetes.io/name=cert-manager: nothing in stackspin carries app.kubernetes.io/name=cert-manager',
      'kubectl get widgets -A: the API serves no kind widgets',
      'logcli query {app="eventrouter-old"}: {app="eventrouter-old"}: no stream has app="eventrouter-old"',
    ]);
    expect(checkQuery('{container="x"} |= "y"', model)).toEqual(['{container="x"} |= "y": no stream has container="x"']);
    expect(checkQuery('{color="red"}', model)).toEqual(['{color="red"}: no stream has a label color']);
  });
});
