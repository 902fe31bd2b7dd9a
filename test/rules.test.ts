import { Layer } from '../constructs/component';
import { CLUSTER_VARIABLES_SECRET } from '../constructs/cluster-variables';
import { BACKUP_SET_LABEL } from '../constructs/helm-app';
import { buildApp } from '../main';
import { generatedSecretName, Platform, PRUNE_ANNOTATION } from '../constructs/platform';
import { ReferenceSecret } from '../constructs/reference-secret';
import { DECLARES_SECRET_LABEL, GeneratedSecret } from '../constructs/generated-secret';
import { GENERATED_SECRETS, SSA_ANNOTATION } from '../constructs/secret-generator';
import { objects, ofKind, TreeObject, fullTree } from './tree';
import { charts, images } from '../catalogue';
import { parseYaml } from './yaml';

/** Rules every object of the synthesized tree obeys; a new component is checked without edits here. */

const REFERENCE_ONLY = /^\$\{[a-z][a-z0-9_]*(:=[^}]*)?\}$/;
const app = buildApp();
const platform = app.node.findAll().find((c): c is Platform => c instanceof Platform)!;
const optionalApps = platform.all.filter((c) => c.definition.layer === Layer.APP).map((c) => c.definition.name);
const kustomizations = ofKind('Kustomization').filter((o) => o.manifest.apiVersion.startsWith('kustomize.toolkit.fluxcd.io'));
const helmReleases = ofKind('HelmRelease');
const id = (o: TreeObject): string => `${o.file} (${o.manifest.kind} ${o.manifest.metadata.namespace ?? ''}/${o.manifest.metadata.name})`;

function leaves(value: unknown, visit: (v: unknown, path: string) => void, path = ''): void {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, visit, path ? `${path}.${k}` : k);
  } else visit(value, path);
}

describe('rules over the whole tree', () => {
  test('GIVEN every HelmRelease WHEN read THEN it pins an exact catalogue version from a HelmRepository in the tree', () => {
    const repos = ofKind('HelmRepository').map((o) => o.manifest.metadata.name);
    const pinned = new Set(Object.values(charts).map((c) => `${c.chart}@${c.version}`));
    expect(helmReleases.length).toBeGreaterThan(0);
    for (const hr of helmReleases) {
      const spec = hr.manifest.spec.chart.spec;
      expect({ hr: id(hr), pinned: pinned.has(`${spec.chart}@${spec.version}`), repo: repos.includes(spec.sourceRef.name) })
        .toEqual({ hr: id(hr), pinned: true, repo: true });
    }
  });

  test('GIVEN every HelmRelease WHEN its valuesFrom is read THEN it is values ConfigMap, [secret values], then the optional overrides', () => {
    for (const hr of helmReleases) {
      const name = hr.manifest.metadata.name;
      const refs = hr.manifest.spec.valuesFrom.map((v: any) => `${v.kind}/${v.name}${v.optional ? '?' : ''}`);
      const secretValues = refs.includes(`Secret/${name}-secret-values`) ? [`Secret/${name}-secret-values`] : [];
      expect({ hr: id(hr), refs }).toEqual({
        hr: id(hr),
        refs: [`ConfigMap/${name}-values`, ...secretValues, `ConfigMap/stackspin-${name}-override?`, `Secret/stackspin-${name}-override?`],
      });
    }
  });

  test('GIVEN every HelmRelease WHEN read THEN failures are retried forever and drift is corrected', () => {
    for (const hr of helmReleases) {
      const { install, upgrade, driftDetection } = hr.manifest.spec;
      expect({ hr: id(hr), install: install.remediation.retries, upgrade: upgrade.remediation.retries, drift: driftDetection.mode })
        .toEqual({ hr: id(hr), install: -1, upgrade: -1, drift: 'enabled' });
    }
  });

  test('GIVEN every optional app WHEN the tree is read THEN it has its entry, a Kustomization and a HelmRelease named after it', () => {
    expect(optionalApps.length).toBeGreaterThan(0);
    for (const name of optionalApps) {
      const entry = objects().filter((o) => o.file.startsWith(`cluster/optional/${name}/`));
      expect({ name, entry: entry.map((o) => o.manifest.metadata.name) }).toEqual({ name, entry: [name] });
      expect({ name, release: helmReleases.some((hr) => hr.manifest.metadata.name === name) }).toEqual({ name, release: true });
    }
  });

  test('GIVEN the documents WHEN they name Kustomizations THEN those exist', () => {
    const documented = ['stackspin', 'kube-prometheus-stack', 'single-sign-on', 'nextcloud', 'zulip', 'wekan', 'wordpress', 'velero'];
    const names = kustomizations.map((k) => k.manifest.metadata.name);
    expect(documented.filter((d) => !names.includes(d))).toEqual([]);
  });

  test('GIVEN every optional app WHEN its data-holding objects are read THEN they carry the backupSet label', () => {
    for (const name of optionalApps) {
      const release = helmReleases.find((hr) => hr.manifest.metadata.name === name)!;
      expect({ name, label: release.manifest.spec.commonMetadata?.labels?.[BACKUP_SET_LABEL] }).toEqual({ name, label: name });
    }
    for (const pvc of ofKind('PersistentVolumeClaim')) {
      expect({ pvc: id(pvc), label: typeof pvc.manifest.metadata.labels?.[BACKUP_SET_LABEL] }).toEqual({ pvc: id(pvc), label: 'string' });
    }
  });

  test('GIVEN every Secret in the tree WHEN read THEN it carries no data: only references, and text its construct declares literal', () => {
    const literal = new Map(app.node.findAll().filter((c): c is ReferenceSecret => c instanceof ReferenceSecret).map((s) => [s.name, s.literalKeys]));
    for (const secret of ofKind('Secret')) {
      expect({ secret: id(secret), data: secret.manifest.data }).toEqual({ secret: id(secret), data: undefined });
      for (const [key, value] of Object.entries<string>(secret.manifest.stringData ?? {})) {
        const parsed = key.endsWith('.yaml') ? parseYaml(value) : value;
        leaves(parsed, (leaf, path) => {
          const declaredLiteral = literal.get(secret.manifest.metadata.name)?.includes(key) ?? false;
          expect({ secret: id(secret), key, path, ok: declaredLiteral || (typeof leaf === 'string' && REFERENCE_ONLY.test(leaf)) })
            .toEqual({ secret: id(secret), key, path, ok: true });
        });
      }
    }
  });

  test('GIVEN every Namespace in the tree WHEN read THEN Flux never prunes it (that would delete its volumes)', () => {
    const namespaces = ofKind('Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      expect({ ns: id(ns), prune: ns.manifest.metadata.annotations?.[PRUNE_ANNOTATION] }).toEqual({ ns: id(ns), prune: 'disabled' });
    }
  });

  test('GIVEN every substituted Kustomization WHEN read THEN it substitutes from the cluster variables first', () => {
    for (const k of kustomizations.filter((o) => o.manifest.spec.postBuild)) {
      expect({ k: id(k), first: k.manifest.spec.postBuild.substituteFrom[0] }).toEqual({ k: id(k), first: { kind: 'Secret', name: CLUSTER_VARIABLES_SECRET } });
    }
  });

  test('GIVEN every optional app WHEN its Kustomization is read THEN it depends on no other optional app (apps install in parallel)', () => {
    for (const k of kustomizations.filter((o) => optionalApps.includes(o.manifest.metadata.name))) {
      const deps = (k.manifest.spec.dependsOn ?? []).map((d: any) => d.name);
      expect({ app: k.manifest.metadata.name, appDeps: deps.filter((d: string) => optionalApps.includes(d)) }).toEqual({ app: k.manifest.metadata.name, appDeps: [] });
    }
  });

  test('GIVEN every tree-owned container WHEN read THEN its image is pinned in the catalogue and it has resource requests and limits', () => {
    const pinned = new Set(Object.values(images).map((i) => `${i.image}:${i.tag}`));
    const workloads = objects().filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(o.manifest.kind));
    for (const w of workloads) {
      const pod = w.manifest.kind === 'CronJob' ? w.manifest.spec.jobTemplate.spec.template.spec : w.manifest.spec.template.spec;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect({ w: id(w), c: c.name, pinned: pinned.has(c.image), requests: !!c.resources?.requests, limits: !!c.resources?.limits })
          .toEqual({ w: id(w), c: c.name, pinned: true, requests: true, limits: true });
      }
    }
  });

  test('GIVEN the whole tree WHEN searched THEN no cdk8s bookkeeping label and no generated name hash is left', () => {
    for (const { file, manifest } of objects()) {
      expect({ file, cdk8s: JSON.stringify(manifest).includes('cdk8s.io/'), hashed: /-c8[0-9a-f]{6}$/.test(manifest.metadata.name) })
        .toEqual({ file, cdk8s: false, hashed: false });
    }
  });

  describe('generated secrets', () => {
    const declarations = ofKind('ConfigMap').filter((o) => o.manifest.metadata.labels?.[DECLARES_SECRET_LABEL] !== undefined);
    const declared = declarations.map((o) => o.manifest.metadata.labels[DECLARES_SECRET_LABEL]).sort();
    const generated = new Set(GeneratedSecret.all(app).map((s) => s.name));

    test('GIVEN the constructs\' generated secrets WHEN the tree is read THEN each has one declaration in flux-system, keys naming their generators', () => {
      expect(declared).toEqual([...generated].sort());
      for (const secret of GeneratedSecret.all(app)) {
        const declaration = declarations.find((o) => o.manifest.metadata.labels[DECLARES_SECRET_LABEL] === secret.name)!;
        expect({ secret: secret.name, namespace: declaration.manifest.metadata.namespace, data: declaration.manifest.data })
          .toEqual({ secret: secret.name, namespace: 'flux-system', data: Object.fromEntries(Object.entries(secret.keys).map(([k, v]) => [k, v.generator])) });
      }
    });

    test('GIVEN every Kustomization that substitutes from a generated secret WHEN read THEN it depends on the generator directly', () => {
      const substituting = kustomizations.filter((k) => (k.manifest.spec.postBuild?.substituteFrom ?? []).some((s: any) => generated.has(s.name)));
      // Every component that declares a generated secret substitutes from it; none is assumed.
      const owners = platform.all.filter((c) => generated.has(generatedSecretName(c.definition.name))).map((c) => c.definition.name);
      expect(owners.length).toBeGreaterThan(0);
      expect(substituting.map((k) => k.manifest.metadata.name)).toEqual(expect.arrayContaining(owners));
      for (const k of substituting) {
        const deps = (k.manifest.spec.dependsOn ?? []).map((d: any) => d.name);
        expect({ k: id(k), dependsOnGenerator: deps.includes(GENERATED_SECRETS) }).toEqual({ k: id(k), dependsOnGenerator: true });
      }
    });

    test('GIVEN the generator WHEN read THEN its Kustomization waits, does not substitute, and applies the declarations', () => {
      const k = kustomizations.find((o) => o.manifest.metadata.name === GENERATED_SECRETS)!.manifest;
      expect({ wait: k.spec.wait, postBuild: k.spec.postBuild, dependsOn: k.spec.dependsOn }).toEqual({ wait: true, postBuild: undefined, dependsOn: undefined });
      expect(declarations.every((o) => o.file.startsWith(`infrastructure/${GENERATED_SECRETS}/`))).toBe(true);
    });

    test('GIVEN every declared secret WHEN read THEN the tree holds it as an empty shell Flux creates only when absent and never prunes', () => {
      const shells = ofKind('Secret').filter((o) => o.manifest.metadata.namespace === 'flux-system');
      expect(shells.map((o) => o.manifest.metadata.name).sort()).toEqual(declared);
      for (const shell of shells) {
        const { annotations } = shell.manifest.metadata;
        expect({ shell: id(shell), ssa: annotations?.[SSA_ANNOTATION], prune: annotations?.[PRUNE_ANNOTATION], data: shell.manifest.data, stringData: shell.manifest.stringData, type: shell.manifest.type })
          .toEqual({ shell: id(shell), ssa: 'IfNotPresent', prune: 'disabled', data: undefined, stringData: undefined, type: 'Opaque' });
      }
    });

    test('GIVEN every RBAC rule that reaches flux-system WHEN it covers Secrets THEN it names them and allows only get and patch: the declared set, never create', () => {
      // A ClusterRole covering Secrets reaches flux-system, where creating one mints Flux's tokens.
      const roles = [...ofKind('Role').filter((r) => r.manifest.metadata.namespace === 'flux-system'), ...ofKind('ClusterRole')];
      const rules = roles.flatMap((r) => r.manifest.rules.map((rule: any) => ({ r, rule })))
        .filter(({ rule }) => (rule.apiGroups ?? []).some((g: string) => g === '' || g === '*') && rule.resources.some((res: string) => res === 'secrets' || res === '*'));
      expect(rules.length).toBe(1);
      for (const { r, rule } of rules) {
        expect({ role: id(r), verbs: rule.verbs, resources: rule.resources, names: [...rule.resourceNames].sort() })
          .toEqual({ role: id(r), verbs: ['get', 'patch'], resources: ['secrets'], names: declared });
      }
    });

    test('GIVEN every Job and CronJob of the tree WHEN read THEN finished Jobs live at least an hour (Flux counts a Job deleted by its TTL as healthy)', () => {
      const jobs = objects().filter((o) => ['Job', 'CronJob'].includes(o.manifest.kind));
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        const spec = job.manifest.kind === 'CronJob' ? job.manifest.spec.jobTemplate.spec : job.manifest.spec;
        if (spec.ttlSecondsAfterFinished === undefined) continue;
        expect({ job: id(job), atLeastAnHour: spec.ttlSecondsAfterFinished >= 3600 }).toEqual({ job: id(job), atLeastAnHour: true });
      }
    });
  });

  test('GIVEN the whole tree WHEN searched THEN no Bitnami image and no latest tag is used anywhere', () => {
    for (const [file, content] of fullTree()) {
      expect({ file, bitnami: /bitnami/i.test(content), latest: /:latest\b|tag: "?latest"?$/m.test(content) }).toEqual({ file, bitnami: false, latest: false });
    }
  });
});
