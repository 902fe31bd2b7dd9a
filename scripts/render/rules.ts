import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { describe } from '../../constructs/tree-writer';
import { ClusterIssuers } from '../../infrastructure/cert-manager/issuers';
import { CLUSTER_ISSUER_ANNOTATION, INGRESS_CLASS_NAME } from '../../infrastructure/traefik';
import { causality, HappensBefore } from '../plan/checks';
import { appliedAt, readyOf } from '../plan/events';
import { BOOTSTRAP } from '../plan/model';
import { SchemaValidator } from '../validation/schemas';
import { RenderResult } from './render';
import { formatCpu, formatMemory, podTemplate, Requests, sumRequests } from './resources';

/** One object of the cluster after bootstrap, Flux and Helm: from the tree or from a chart. */
export interface ClusterObject {
  /** `Kind namespace/name`. */
  readonly id: string;
  readonly manifest: any;
  /** What puts it there: a Kustomization or a HelmRelease id, or bootstrap. */
  readonly owner: string;
  /** The event after which it exists (`start <Kustomization>`, `ready <HelmRelease>`, bootstrap). */
  readonly exists: string;
  /** The optional app it belongs to, if any. */
  readonly app?: string;
  /** The Flux Kustomization that applies it, or the HelmRelease that renders it (`Kustomization flux-system/x`); none for bootstrap's. */
  readonly kustomization?: string;
  /** Where it comes from, for messages: a tree object or `<chart source path>`. */
  readonly origin: string;
}

/** A rule broken, naming the object and the fix. */
export interface RenderProblem {
  readonly object: string;
  readonly message: string;
}

/** The single node the platform runs on (the documents: 6 cores, 12 GB), less what k3s and Flux need. */
export const NODE = { cpu: 6, memory: 12 * 2 ** 30 } as const;
export const RESERVED = { cpu: 1, memory: 2 * 2 ** 30 } as const;

/**
 * Objects Kubernetes, a controller or a release's own hook creates at run time, which workloads
 * may rely on; `chart` limits an entry to the workloads of that chart.
 */
const RUNTIME_OBJECTS: readonly { readonly kind: string; readonly name: RegExp; readonly chart?: string; readonly why: string }[] = [
  { kind: 'ServiceAccount', name: /^default$/, why: 'every namespace has it' },
  { kind: 'ConfigMap', name: /^kube-root-ca\.crt$/, why: 'the root CA publisher puts it in every namespace' },
  {
    kind: 'Secret',
    name: /-admission$/,
    chart: 'kube-prometheus-stack',
    why: 'its pre-install and pre-upgrade hook Job admission-create (kube-webhook-certgen) writes the webhook certificate before Helm installs the operator',
  },
];

/** The objects of a rendered cluster: the tree's (as Flux applied them) and every release's. */
export function clusterObjects(result: RenderResult): ClusterObject[] {
  const apps = new Set(result.plan.input.apps);
  const appOf = (kustomization: string): string | undefined => {
    const name = kustomization.slice(kustomization.lastIndexOf('/') + 1);
    return kustomization.startsWith('Kustomization ') && apps.has(name) ? name : undefined;
  };
  const tree = [...result.plan.objects.values()].map((o) => ({
    id: o.id,
    manifest: o.manifest,
    owner: o.applier,
    exists: appliedAt(o),
    app: o.applier === BOOTSTRAP ? undefined : appOf(o.applier),
    kustomization: o.applier === BOOTSTRAP ? undefined : o.applier,
    origin: `tree (${o.applier})`,
  }));
  const rendered = result.releases.flatMap((r) => r.objects.map((o) => ({
    id: describe(o.manifest),
    manifest: o.manifest,
    owner: r.id,
    exists: readyOf(r.id),
    app: appOf(r.applier),
    kustomization: r.applier,
    origin: `${r.id} (${o.source})`,
  })));
  return [...tree, ...rendered];
}

/** Releases that do not render, with Helm's reason (a template error, a values schema violation). */
export function renderFailures(result: RenderResult): RenderProblem[] {
  return result.releases.filter((r) => r.error !== undefined).map((r) => ({ object: r.id, message: `does not render: ${r.error}` }));
}

/** Every rendered object against its Kubernetes schema, or its CRD's (vendored or chart-installed). */
export function schemaProblems(result: RenderResult, validator: SchemaValidator = new SchemaValidator()): RenderProblem[] {
  validator.addCrds(result.crds);
  return result.releases.flatMap((r) => r.objects.flatMap((o) => validator.validate({ file: o.source, id: describe(o.manifest), manifest: o.manifest })
    .map((p) => ({ object: `${r.id}: ${p.object ?? describe(o.manifest)}`, message: `${p.field ? `${p.field}: ` : ''}${p.message} (${o.source})` }))));
}

/**
 * Every object the tree makes Flux apply, after the cluster's substitution, against its schema: a
 * variable value that turns a string into a number or a boolean fails the Kustomization.
 */
export function treeSchemaProblems(result: RenderResult, validator: SchemaValidator = new SchemaValidator()): RenderProblem[] {
  validator.addCrds(result.crds);
  return [...result.plan.objects.values()]
    .flatMap((o) => validator.validate({ file: o.applier, id: o.id, manifest: o.manifest })
      .map((p) => ({ object: o.id, message: `${p.field ? `${p.field}: ` : ''}${p.message} (applied by ${o.applier}, after substitution)` })));
}

function containersOf(template: any): any[] {
  return [...(template?.spec?.initContainers ?? []), ...(template?.spec?.containers ?? []), ...(template?.spec?.ephemeralContainers ?? [])];
}

/** Every container image has an exact tag or digest, not `latest`, and no Bitnami image. */
export function imageProblems(objects: readonly ClusterObject[]): RenderProblem[] {
  const problems: RenderProblem[] = [];
  for (const o of objects) {
    for (const container of containersOf(podTemplate(o.manifest))) {
      const image = String(container.image ?? '');
      const where = `${o.id} container ${container.name}`;
      const reference = image.split('@')[0];
      const tag = reference.lastIndexOf(':') > reference.lastIndexOf('/') ? reference.slice(reference.lastIndexOf(':') + 1) : undefined;
      if (/bitnami/i.test(image)) problems.push({ object: where, message: `image ${image} is a Bitnami image (frozen, no updates); use the official image (${o.origin})` });
      else if (!image.includes('@') && tag === undefined) problems.push({ object: where, message: `image '${image}' has no tag; pin one in catalogue.ts and set it in the values (${o.origin})` });
      else if (tag === 'latest') problems.push({ object: where, message: `image ${image} is not pinned; pin a tag in catalogue.ts and set it in the values (${o.origin})` });
    }
  }
  return problems;
}

/** Claims an object makes: itself (a PVC) or a StatefulSet's volumeClaimTemplates. */
function claimsOf(manifest: any): { readonly what: string; readonly claim: any }[] {
  if (manifest?.kind === 'PersistentVolumeClaim') return [{ what: '', claim: manifest }];
  if (manifest?.kind === 'StatefulSet') {
    return (manifest.spec?.volumeClaimTemplates ?? []).map((claim: any) => ({ what: ` volumeClaimTemplate ${claim.metadata?.name}`, claim }));
  }
  return [];
}

/**
 * Every pod template and claim of an app carries `stackspin.net/backupSet: <app>`, so the restore
 * runbook selects all of the app's data; and nothing outside the app carries its label, so a
 * restore of one app never touches another. For every backup set (an app's, or a core one such as
 * single sign-on's): all that carries it is applied by one Kustomization (the one a restore
 * suspends); a workload whose pods carry it carries it too (a restore deletes it with its pods,
 * or it would recreate them at once); and every claim those pods mount carries it (a restore
 * deletes and restores it with them, or the restored data lands on top of the old).
 */
export function backupLabelProblems(objects: readonly ClusterObject[], apps: readonly string[]): RenderProblem[] {
  const problems: RenderProblem[] = [];
  const setOf = (labels: Record<string, string> | undefined): string | undefined => labels?.[BACKUP_SET_LABEL];
  const check = (o: ClusterObject, what: string, labels: Record<string, string> | undefined): void => {
    const label = setOf(labels);
    if (o.app !== undefined && label !== o.app) {
      problems.push({ object: `${o.id}${what}`, message: `belongs to app ${o.app} but is labelled ${BACKUP_SET_LABEL}: ${label ?? '(none)'}; label it ${o.app} so the restore runbook finds it (${o.origin})` });
    } else if (o.app === undefined && label !== undefined && apps.includes(label)) {
      problems.push({ object: `${o.id}${what}`, message: `carries app ${label}'s ${BACKUP_SET_LABEL} label but is not part of that app; a restore of ${label} would delete it (${o.origin})` });
    }
  };
  const claims = new Map(objects.filter((o) => o.manifest.kind === 'PersistentVolumeClaim').map((o) => [`${o.manifest.metadata?.namespace}/${o.manifest.metadata?.name}`, o]));
  const appliers = new Map<string, Set<string>>();
  const carries = (o: ClusterObject, set: string | undefined): void => {
    if (set !== undefined && o.kustomization !== undefined) appliers.set(set, new Set([...(appliers.get(set) ?? []), o.kustomization]));
  };
  for (const o of objects) {
    const template = podTemplate(o.manifest);
    const podSet = setOf(template?.metadata?.labels);
    carries(o, setOf(o.manifest.metadata?.labels));
    carries(o, podSet);
    if (template !== undefined) {
      check(o, ' pod template', template.metadata?.labels);
      const own = setOf(o.manifest.metadata?.labels);
      if (podSet !== undefined && o.manifest.kind !== 'Pod' && own !== podSet) {
        problems.push({ object: o.id, message: `its pods carry ${BACKUP_SET_LABEL}: ${podSet} but it carries ${own ?? 'none'}; label it ${podSet}, or a restore deletes its pods and it recreates them at once (${o.origin})` });
      }
      for (const volume of template.spec?.volumes ?? []) {
        const claim = claims.get(`${o.manifest.metadata?.namespace}/${volume.persistentVolumeClaim?.claimName}`);
        const claimSet = setOf(claim?.manifest.metadata?.labels);
        if (podSet !== undefined && claim !== undefined && claimSet !== podSet) {
          problems.push({ object: `${o.id} volume ${volume.name}`, message: `its pods carry ${BACKUP_SET_LABEL}: ${podSet} but mount ${claim.id}, which carries ${claimSet ?? 'none'}; label the claim ${podSet}, or a restore restores the data on top of the old (${o.origin})` });
        }
      }
    }
    for (const { what, claim } of claimsOf(o.manifest)) {
      check(o, what, claim.metadata?.labels);
      carries(o, setOf(claim.metadata?.labels));
      // An app's claim templates are checked above, against the app.
      if (o.app === undefined && podSet !== undefined && what !== '' && setOf(claim.metadata?.labels) !== podSet) {
        problems.push({ object: `${o.id}${what}`, message: `its pods carry ${BACKUP_SET_LABEL}: ${podSet} but the claim template carries ${setOf(claim.metadata?.labels) ?? 'none'}; label it ${podSet} through the chart's values (${o.origin})` });
      }
    }
  }
  for (const [set, kustomizations] of appliers) {
    if (kustomizations.size > 1) {
      problems.push({ object: `backup set ${set}`, message: `is carried by what ${[...kustomizations].sort().join(' and ')} apply; a restore suspends one Kustomization, so give each one's data its own set` });
    }
  }
  return problems;
}

/** The Secrets, ConfigMaps and ServiceAccount a pod template needs to start. */
function referencesOf(template: any): { readonly kind: string; readonly name: string; readonly how: string }[] {
  const spec = template?.spec ?? {};
  const refs: { kind: string; name: string; how: string }[] = [];
  refs.push({ kind: 'ServiceAccount', name: spec.serviceAccountName ?? spec.serviceAccount ?? 'default', how: 'serviceAccountName' });
  for (const volume of spec.volumes ?? []) {
    if (volume.secret && !volume.secret.optional) refs.push({ kind: 'Secret', name: volume.secret.secretName, how: `volume ${volume.name}` });
    if (volume.configMap && !volume.configMap.optional) refs.push({ kind: 'ConfigMap', name: volume.configMap.name, how: `volume ${volume.name}` });
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret && !source.secret.optional) refs.push({ kind: 'Secret', name: source.secret.name, how: `volume ${volume.name}` });
      if (source.configMap && !source.configMap.optional) refs.push({ kind: 'ConfigMap', name: source.configMap.name, how: `volume ${volume.name}` });
    }
  }
  for (const container of containersOf(template)) {
    for (const env of container.env ?? []) {
      const secret = env.valueFrom?.secretKeyRef;
      const configMap = env.valueFrom?.configMapKeyRef;
      if (secret && !secret.optional) refs.push({ kind: 'Secret', name: secret.name, how: `container ${container.name} env ${env.name}` });
      if (configMap && !configMap.optional) refs.push({ kind: 'ConfigMap', name: configMap.name, how: `container ${container.name} env ${env.name}` });
    }
    for (const from of container.envFrom ?? []) {
      if (from.secretRef && !from.secretRef.optional) refs.push({ kind: 'Secret', name: from.secretRef.name, how: `container ${container.name} envFrom` });
      if (from.configMapRef && !from.configMapRef.optional) refs.push({ kind: 'ConfigMap', name: from.configMapRef.name, how: `container ${container.name} envFrom` });
    }
  }
  for (const pull of spec.imagePullSecrets ?? []) refs.push({ kind: 'Secret', name: pull.name, how: 'imagePullSecrets' });
  return refs;
}

/**
 * Every Secret, ConfigMap and ServiceAccount a workload references exists when its pods start:
 * rendered by the same release, applied by the tree, created by bootstrap, or made by something
 * Flux guarantees to be ready first (the release's `dependsOn`, or a Kustomization its own
 * depends on).
 */
export function referenceProblems(result: RenderResult, objects: readonly ClusterObject[]): RenderProblem[] {
  const happensBefore = causality(result.plan.graph);
  const byId = new Map<string, ClusterObject[]>();
  for (const o of objects) byId.set(o.id, [...(byId.get(o.id) ?? []), o]);
  const problems: RenderProblem[] = [];
  const chartOf = new Map(result.releases.map((r) => [r.id, r.chart.name]));
  for (const o of objects) {
    const template = podTemplate(o.manifest);
    if (template === undefined) continue;
    const namespace = o.manifest.metadata?.namespace;
    for (const ref of referencesOf(template)) {
      if (RUNTIME_OBJECTS.some((r) => r.kind === ref.kind && r.name.test(ref.name) && (r.chart === undefined || r.chart === chartOf.get(o.owner)))) continue;
      const id = describe({ kind: ref.kind, metadata: { name: ref.name, namespace } });
      const makers = byId.get(id) ?? [];
      const where = `${o.id} (${ref.how})`;
      if (makers.length === 0) {
        problems.push({ object: where, message: `needs ${id}, which nothing creates: not the tree, not bootstrap, not a release (${o.origin})` });
      } else if (!makers.some((m) => m.owner === o.owner || available(m, o, happensBefore))) {
        problems.push({ object: where, message: `needs ${id}, which ${makers.map((m) => m.owner).join(' and ')} creates, but Flux does not order it before ${o.owner}; add a dependsOn (${o.origin})` });
      }
    }
  }
  return problems;
}

/** Whether `maker` exists before `user`'s owner starts installing it. */
function available(maker: ClusterObject, user: ClusterObject, happensBefore: HappensBefore): boolean {
  return maker.owner === BOOTSTRAP || happensBefore(maker.exists, user.exists.replace(/^ready /, 'start '));
}

/** Every claim's StorageClass (named, or the default one) is there before the claim, by `dependsOn`. */
export function storageProblems(result: RenderResult, objects: readonly ClusterObject[]): RenderProblem[] {
  const happensBefore = causality(result.plan.graph);
  const classes = objects.filter((o) => o.manifest.kind === 'StorageClass');
  const defaults = classes.filter((c) => c.manifest.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
  const problems: RenderProblem[] = [];
  for (const o of objects) {
    for (const { what, claim } of claimsOf(o.manifest)) {
      const name: string | undefined = claim.spec?.storageClassName;
      const candidates = name === undefined ? defaults : classes.filter((c) => c.manifest.metadata.name === name);
      const where = `${o.id}${what}`;
      if (name === '') continue;
      if (candidates.length === 0) {
        problems.push({ object: where, message: `uses ${name === undefined ? 'the default StorageClass, and none is marked default' : `StorageClass ${name}, which nothing creates`} (${o.origin})` });
      } else if (!candidates.some((c) => happensBefore(c.exists, o.exists.replace(/^ready /, 'start ')))) {
        problems.push({ object: where, message: `uses StorageClass ${candidates[0].manifest.metadata.name} of ${candidates[0].owner}, but Flux does not order that before ${o.owner}; make its Kustomization depend on the one installing ${candidates[0].owner} (${o.origin})` });
      }
    }
  }
  return problems;
}

/**
 * Every Ingress: Traefik's class, hosts under the cluster's domain, TLS from a cert-manager
 * ClusterIssuer: the one `issuer` names when given (the cluster's `letsencrypt_issuer`), else either.
 */
export function ingressProblems(objects: readonly ClusterObject[], domain: string, issuer?: string): RenderProblem[] {
  const ingresses = objects.filter((o) => o.manifest.kind === 'Ingress');
  const issuers: readonly string[] = issuer === undefined ? Object.values(ClusterIssuers) : [issuer];
  // Which TLS Secret a certificate is requested for, per host, by an Ingress that asks cert-manager.
  const requested = new Set(ingresses.filter((i) => issuers.includes(i.manifest.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION]))
    .flatMap((i) => (i.manifest.spec?.tls ?? []).flatMap((t: any) => (t.hosts ?? []).map((h: string) => `${i.manifest.metadata.namespace}/${t.secretName}/${h}`))));
  const problems: RenderProblem[] = [];
  for (const o of ingresses) {
    const spec = o.manifest.spec ?? {};
    const at = (message: string): void => { problems.push({ object: o.id, message: `${message} (${o.origin})` }); };
    const asked = o.manifest.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION];
    if (asked !== undefined && !issuers.includes(asked)) at(`asks cert-manager for ClusterIssuer ${asked}; the cluster's is ${issuers.join(' or ')} (set it through ingress.annotations in infrastructure/traefik.ts)`);
    if (spec.ingressClassName !== INGRESS_CLASS_NAME) at(`has ingressClassName ${spec.ingressClassName ?? '(none)'}; set ${INGRESS_CLASS_NAME}`);
    const tlsHosts = new Map<string, string>((spec.tls ?? []).flatMap((t: any) => (t.hosts ?? []).map((h: string): [string, string] => [h, t.secretName])));
    for (const rule of spec.rules ?? []) {
      const host: string | undefined = rule.host;
      if (host === undefined || !(host === domain || host.endsWith(`.${domain}`))) {
        at(`serves host ${host ?? '(any)'}, not one under the cluster's domain ${domain}`);
        continue;
      }
      const secret = tlsHosts.get(host);
      if (secret === undefined) at(`serves ${host} without TLS; list it under spec.tls`);
      else if (!requested.has(`${o.manifest.metadata.namespace}/${secret}/${host}`)) {
        at(`serves ${host} with TLS Secret ${secret}, for which no Ingress asks cert-manager (${CLUSTER_ISSUER_ANNOTATION}: ${issuers.join(' or ')})`);
      }
    }
  }
  return problems;
}

/** What every workload of the cluster requests, and whether it fits the node with room for k3s and Flux. */
export function capacity(objects: readonly ClusterObject[]): { readonly total: Requests; readonly problems: RenderProblem[] } {
  const total = sumRequests(objects.map((o) => o.manifest));
  const budget = { cpu: NODE.cpu - RESERVED.cpu, memory: NODE.memory - RESERVED.memory };
  const problems: RenderProblem[] = [];
  if (total.cpu > budget.cpu || total.memory > budget.memory) {
    problems.push({
      object: 'the node',
      message: `workloads request ${formatCpu(total.cpu)} CPU and ${formatMemory(total.memory)} memory; a ${NODE.cpu}-core, ${formatMemory(NODE.memory)} node keeps ${formatCpu(budget.cpu)} and ${formatMemory(budget.memory)} after k3s and Flux; lower requests`,
    });
  }
  return { total, problems };
}

/** Every rule, for the command line; tests call each rule on its own. */
export function allProblems(result: RenderResult, domain: string, validator?: SchemaValidator): RenderProblem[] {
  const objects = clusterObjects(result);
  return [
    ...renderFailures(result),
    ...treeSchemaProblems(result, validator),
    ...schemaProblems(result, validator),
    ...imageProblems(objects),
    ...backupLabelProblems(objects, result.plan.input.apps),
    ...referenceProblems(result, objects),
    ...storageProblems(result, objects),
    ...ingressProblems(objects, domain),
    ...capacity(objects).problems,
  ];
}

