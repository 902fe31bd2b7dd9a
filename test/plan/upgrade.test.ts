import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { TraefikBasicAuth } from '../../apps/monitoring/basic-auth';
import { wordpress } from '../../apps/wordpress';
import { images } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { Component, ComponentDefinition, defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Generator } from '../../constructs/generated-secret';
import { HelmAppProps } from '../../constructs/helm-app';
import { ReferenceSecret } from '../../constructs/reference-secret';
import { renderTree, writeTree } from '../../constructs/tree-writer';
import { localPathProvisioner } from '../../infrastructure/local-path-provisioner';
import { systemUpgradeController } from '../../infrastructure/system-upgrade-controller';
import { buildApp } from '../../main';
import { PreparedTree } from '../../scripts/plan/simulate';
import { buildDirectories } from '../../scripts/validation/kustomize';
import { loadTree } from '../../scripts/validation/load';
import { formatUpgrade, planUpgrade, UpgradePlan } from '../../scripts/plan/upgrade';
import { bootstrappedCluster, documentedVariables, DocumentedVariables } from '../../scripts/plan/upgrade-cluster';
import { findingKey, FindingKind } from '../../scripts/plan/upgrade-checks';

/**
 * The upgrade plan on trees synthesized from real components before and after an edit (in a
 * temp dir; small component sets keep it fast): what a cluster running the first tree does when
 * it pulls the second.
 */

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = fs.readFileSync(path.join(ROOT, '.flux.env.example'), 'utf8');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

type Definitions = readonly ComponentDefinition<any>[];
type Release = Omit<HelmAppProps, 'source' | 'namespace'> & { readonly namespace?: string };

/** The tree of these components, synthesized into a temp dir, then `change` applied to its files. */
function synthesize(definitions: Definitions, change?: (root: string) => void): string {
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-')), 'flux2');
  temporary.push(path.dirname(root));
  writeTree(renderTree(buildApp(definitions)), root);
  change?.(root);
  return root;
}

/** kustomize's output by directory and content: most directories are the same in both trees. */
const builds = new Map<string, readonly any[]>();

/** As prepareTree: the tree loaded and every directory built by kustomize (a directory built before with the same files is reused). */
async function prepare(root: string): Promise<PreparedTree> {
  const tree = loadTree(root);
  const key = (dir: string): string => `${dir}\n${fs.readdirSync(path.join(root, dir)).sort()
    .map((f) => (fs.statSync(path.join(root, dir, f)).isFile() ? `${f}\n${fs.readFileSync(path.join(root, dir, f), 'utf8')}` : f)).join('\n')}`;
  const missing = tree.kustomizeDirectories.filter((dir) => !builds.has(key(dir)));
  const fresh = await buildDirectories({ ...tree, kustomizeDirectories: missing }, { parallelism: 2 });
  expect(fresh.problems).toEqual([]);
  for (const dir of missing) builds.set(key(dir), fresh.built.get(dir)!);
  return { tree, builds: { built: new Map(tree.kustomizeDirectories.map((dir) => [dir, builds.get(key(dir))!])), errors: new Map() } };
}

/**
 * A component as if its file were edited: its releases' props changed by `release`, keys added
 * to its generated secret, more objects added after its build.
 */
function edited<O>(definition: ComponentDefinition<O>, edit: {
  release?: (props: Release) => Release;
  keys?: Record<string, { generator: Generator }>;
  after?: (component: Component<O>) => void;
}): ComponentDefinition<O> {
  return {
    ...definition,
    build(component) {
      const helmApp = component.helmApp.bind(component);
      const generatedSecret = component.generatedSecret.bind(component);
      if (edit.release) component.helmApp = (props) => helmApp(edit.release!(props));
      if (edit.keys) component.generatedSecret = (keys) => generatedSecret({ ...keys, ...edit.keys });
      const outputs = definition.build(component);
      edit.after?.(component);
      return outputs;
    },
  };
}

/** Edits one release of a component. */
const release = (name: string, change: (props: Release) => Release) => (props: Release): Release => (props.name === name ? change(props) : props);

/** A new core component with a generated secret of its own, read by a Secret of references. */
const notes = defineComponent({
  name: 'notes',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  build(component) {
    const secret = component.generatedSecret({ notes_password: { generator: Generator.PASSWORD } });
    new ReferenceSecret(component, 'Login', { name: 'notes-login', namespace: component.namespace, references: { password: secret.ref('notes_password') } });
  },
});

let base: PreparedTree;
beforeAll(async () => {
  base = await prepare(synthesize([wordpress]));
});

let upgradeController: Promise<PreparedTree> | undefined;
/** Wordpress and the system-upgrade-controller (a CRD, a Deployment, a namespace of its own), prepared once. */
const withUpgradeController = (): Promise<PreparedTree> => (upgradeController ??= prepare(synthesize([wordpress, systemUpgradeController])));

/** The upgrade of a cluster bootstrapped with `before` (default: wordpress as committed) that pulls `after`. */
async function upgrade(after: string, options: { before?: PreparedTree; variables?: DocumentedVariables; accepted?: string[] } = {}): Promise<UpgradePlan> {
  const before = options.before ?? base;
  const cluster = bootstrappedCluster(before, { variables: options.variables ?? documentedVariables(EXAMPLE), description: 'the test' });
  return planUpgrade({ before, after: await prepare(after), cluster, accepted: options.accepted });
}

const blockers = (plan: UpgradePlan): string[] => plan.blockers.map((f) => `${findingKey(f)}: ${f.message}`);

describe('upgrade plan', () => {
  test('GIVEN the same tree WHEN a cluster pulls it THEN nothing changes and it converges', async () => {
    const plan = await upgrade(synthesize([wordpress]));

    expect(plan.findings).toEqual([]);
    expect(plan.cluster.keysFrom).toBe('declared');
    expect(formatUpgrade(plan, 'same')).toContain('ok: the cluster converges unattended');
  });

  describe('generated secrets', () => {
    const revisionB = [edited(wordpress, {
      keys: { wordpress_auth_salt: { generator: Generator.HEX_KEY } },
      release: release('wordpress', (p) => ({ ...p, secretValues: { ...p.secretValues, wordpress: { authSalt: '${wordpress_auth_salt}' } } })),
    }), notes];

    test('GIVEN B adds a generated key to an app and a new component with its own secret WHEN a cluster at A pulls B THEN the in-cluster generator creates them first and it converges unattended', async () => {
      const plan = await upgrade(synthesize(revisionB));

      expect(blockers(plan)).toEqual([]);
      expect(plan.after.generated.map((g) => `${g.kustomization}: ${g.secret} ${g.key}`).sort()).toEqual([
        'Kustomization flux-system/notes: stackspin-notes-variables notes_password',
        'Kustomization flux-system/wordpress: stackspin-wordpress-variables wordpress_auth_salt',
      ]);
      const report = formatUpgrade(plan, 'A -> B');
      expect(report).toContain('generated keys the cluster lacks, created by the in-cluster generator before use:\n  stackspin-notes-variables: notes_password\n  stackspin-wordpress-variables: wordpress_auth_salt\n');
      expect(report).toContain('ok: the cluster converges unattended');
    });

    test('GIVEN B uses a new key whose declaration is removed from the tree WHEN a cluster at A pulls B THEN the Kustomization that substitutes it fails: a blocker', async () => {
      const plan = await upgrade(synthesize(revisionB, (root) => {
        const file = path.join(root, 'infrastructure/generated-secrets/configmap-stackspin-wordpress-variables-keys.yaml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  wordpress_auth_salt: hex-key\n', ''));
      }));

      expect(blockers(plan)).toEqual([
        'fails Kustomization flux-system/wordpress: Secret stackspin-apps/wordpress-secret-values: ${wordpress_auth_salt} is unresolved: no default, and not a key of what Kustomization flux-system/wordpress substitutes from (Secret stackspin-cluster-variables, Secret stackspin-wordpress-variables, spec.postBuild.substitute); set it in the cluster variables, declare it in a substituted secret, or escape a literal as $${wordpress_auth_salt}',
      ]);
      expect(formatUpgrade(plan, 'A -> B')).toContain('BLOCKED: 1 change(s) need a person');
    });

    test('GIVEN a new key that a Kustomization uses without waiting for the generator WHEN a cluster pulls it THEN that is a blocker', async () => {
      const plan = await upgrade(synthesize(revisionB, (root) => {
        const file = path.join(root, 'cluster/core/kustomization-notes.yaml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    - name: generated-secrets\n', ''));
      }));

      expect(blockers(plan)).toEqual([
        'fails Kustomization flux-system/notes: substitutes ${notes_password} of Secret stackspin-notes-variables, which the cluster lacks; the generator (Kustomization flux-system/generated-secrets) creates it, but Kustomization flux-system/notes does not wait for it: make it depend on Kustomization flux-system/generated-secrets, or Flux fails it until the generator ran',
      ]);
    });

    test('GIVEN a declaration whose generator the Job does not know WHEN a cluster pulls it THEN that is a blocker naming the key', async () => {
      const plan = await upgrade(synthesize([wordpress], (root) => {
        const file = path.join(root, 'infrastructure/generated-secrets/configmap-stackspin-wordpress-variables-keys.yaml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('wordpress_mariadb_password: password', 'wordpress_mariadb_password: htpasswd'));
      }));

      expect(blockers(plan)).toEqual([
        "fails Kustomization flux-system/generated-secrets: ConfigMap flux-system/stackspin-wordpress-variables-keys: declares key wordpress_mariadb_password with generator 'htpasswd', which the generator does not know; use one of password, hex-key",
      ]);
    });

    test('GIVEN a cluster bootstrapped before the tree declared its secrets WHEN it pulls the generator THEN the keys it has are inferred and nothing needs generating', async () => {
      const before = await prepare(synthesize([wordpress], withoutGenerator));
      const plan = await upgrade(synthesize([wordpress]), { before });

      expect(plan.cluster.keysFrom).toBe('inferred');
      expect(plan.cluster.input.generatedSecrets).toEqual(new Map([['stackspin-wordpress-variables', ['wordpress_admin_password', 'wordpress_mariadb_password', 'wordpress_mariadb_root_password']]]));
      expect(blockers(plan)).toEqual([]);
      expect(plan.after.generated).toEqual([]);
    });
  });

  describe('Kustomizations that would fail', () => {
    test('GIVEN B needs a cluster variable A did not document WHEN a cluster at A pulls B THEN the Kustomization fails: a blocker', async () => {
      const variables = documentedVariables(EXAMPLE.replace(/^#backup_s3_region=.*\n/m, ''));
      const after = synthesize([edited(wordpress, { release: release('wordpress', (p) => ({ ...p, values: { ...p.values, region: vars.backup_s3_region } })) })]);

      const plan = await upgrade(after, { variables });

      expect(blockers(plan)).toEqual([expect.stringMatching(/^fails Kustomization flux-system\/wordpress: ConfigMap stackspin-apps\/wordpress-values: \$\{backup_s3_region\} is unresolved/)]);
    });

    test('GIVEN B needs an optional variable without a default WHEN a cluster at A pulls B THEN clusters that left it unset fail: a blocker', async () => {
      const after = synthesize([edited(wordpress, { release: release('wordpress', (p) => ({ ...p, values: { ...p.values, bucket: vars.backup_s3_bucket } })) })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([
        'fails Kustomization flux-system/wordpress: now needs cluster variable backup_s3_bucket, which clusters need not have set (optional before, no default here): give it a default (${backup_s3_bucket:=...}) or make operators set it first',
      ]);
    });

    test('GIVEN B adds a custom resource whose CRD nothing installs WHEN a cluster at A pulls B THEN it fails: a blocker', async () => {
      const after = synthesize([edited(wordpress, {
        after: (c) => new TraefikBasicAuth(c, 'Auth', { name: 'wordpress', namespace: c.namespace, secret: c.node.findChild('GeneratedSecret') as any, passwordKey: 'wordpress_mariadb_password' }),
      })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([expect.stringMatching(/^fails Kustomization flux-system\/wordpress: Middleware stackspin-apps\/wordpress-basic-auth: Middleware \(traefik\.io\) is a custom resource whose CRD nothing in this cluster installs/)]);
    });

    test('GIVEN B applies an object in a namespace nothing creates WHEN a cluster at A pulls B THEN it fails: a blocker', async () => {
      const after = synthesize([edited(wordpress, {
        after: (c) => new ApiObject(c, 'Note', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'note', namespace: 'blog' }, data: { a: 'b' } }),
      })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual(['fails Kustomization flux-system/wordpress: ConfigMap blog/note: is applied in namespace blog, which nothing in this cluster creates']);
    });

    test('GIVEN B drops an app that clusters enabled WHEN a cluster at A pulls B THEN its add-<app> fails and nothing of it is deleted', async () => {
      // The storage wordpress depends on stays, so only the app itself goes.
      const plan = await upgrade(synthesize([notes, localPathProvisioner]));

      expect(blockers(plan)).toEqual([expect.stringMatching(/^fails Kustomization flux-system\/add-wordpress: spec.path .* does not exist in the tree/)]);
      expect(plan.findings.filter((f) => f.kind === FindingKind.PRUNE && f.blocker)).toEqual([]);
    });
  });

  describe('what Flux would delete', () => {
    test('GIVEN B renames a release WHEN a cluster at A pulls B THEN the old release (Helm uninstalls it) and its Secret are data-loss risks', async () => {
      const after = synthesize([edited(wordpress, { release: release('wordpress-mariadb', (p) => ({ ...p, name: 'wordpress-db' })) })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([
        'prune HelmRelease stackspin-apps/wordpress-mariadb: Flux deletes it (pruned by Kustomization flux-system/wordpress): data-loss risk, Helm uninstalls the release, deleting its workloads and the volume claims it created',
        'prune Secret stackspin-apps/wordpress-mariadb-secret-values: Flux deletes it (pruned by Kustomization flux-system/wordpress): data-loss risk, values written to it in the cluster are lost',
      ]);
      expect(plan.findings.filter((f) => !f.blocker).map(findingKey)).toEqual(['prune ConfigMap stackspin-apps/wordpress-mariadb-values']);
    });

    test('GIVEN B removes a component with a CRD WHEN a cluster at A pulls B THEN the CRD is a data-loss risk and its namespace stays (never pruned)', async () => {
      const before = await withUpgradeController();
      const plan = await upgrade(synthesize([wordpress]), { before });

      expect(blockers(plan)).toContain('prune CustomResourceDefinition plans.upgrade.cattle.io: Flux deletes it (Kustomization flux-system/system-upgrade-controller is removed): data-loss risk, every custom resource of its kind is deleted with it');
      expect(plan.findings.find((f) => f.object === 'Namespace system-upgrade')).toEqual({
        kind: FindingKind.PRUNE, object: 'Namespace system-upgrade', blocker: false, message: 'leaves the tree but stays in the cluster (kustomize.toolkit.fluxcd.io/prune: disabled)',
      });
      expect(plan.findings.find((f) => f.object === 'Deployment system-upgrade/system-upgrade-controller')?.blocker).toBe(false);
    });

    test('GIVEN a blocker WHEN a commit accepts it by key THEN it no longer blocks, and an accepted key that matches nothing is reported', async () => {
      const after = synthesize([edited(wordpress, { release: release('wordpress', (p) => ({ ...p, secretValues: undefined })) })]);

      const plan = await upgrade(after, { accepted: ['prune Secret stackspin-apps/wordpress-secret-values', 'prune Secret stackspin/nothing'] });

      expect(blockers(plan)).toEqual([]);
      expect(plan.accepted.map(findingKey)).toEqual(['prune Secret stackspin-apps/wordpress-secret-values']);
      expect(plan.unmatched).toEqual(['prune Secret stackspin/nothing']);
      expect(formatUpgrade(plan, 'A -> B')).toContain('accepted but not found (stale or mistyped Upgrade-Accepted):\n  prune Secret stackspin/nothing\n');
    });
  });

  describe('releases, versions and immutable fields', () => {
    test('GIVEN B gives a release another release name, or renames what it installs WHEN a cluster at A pulls B THEN Helm would install anew: blockers', async () => {
      const after = synthesize([edited(wordpress, {
        release: release('wordpress-mariadb', (p) => ({ ...p, releaseName: 'mariadb', values: { ...p.values, fullnameOverride: 'wordpress-db' } })),
      })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([
        'release HelmRelease stackspin-apps/wordpress-mariadb: release name wordpress-mariadb -> mariadb: Helm installs a new release instead of upgrading wordpress-mariadb (its data stays with the old one); migrate by hand',
        'release HelmRelease stackspin-apps/wordpress-mariadb: values fullnameOverride wordpress-mariadb -> wordpress-db renames what the chart installs: new workloads and new, empty volume claims; migrate by hand',
      ]);
    });

    test('GIVEN B moves a release to another namespace WHEN a cluster at A pulls B THEN the move and the uninstall of the old release are blockers', async () => {
      const before = await withUpgradeController();
      const after = synthesize([systemUpgradeController, edited(wordpress, {
        release: release('wordpress-mariadb', (p) => ({ ...p, namespace: Namespaces.SYSTEM_UPGRADE })),
      })]);

      const plan = await upgrade(after, { before });

      expect(plan.blockers.map(findingKey)).toEqual([
        'prune HelmRelease stackspin-apps/wordpress-mariadb',
        'prune Secret stackspin-apps/wordpress-mariadb-secret-values',
        'release HelmRelease system-upgrade/wordpress-mariadb',
      ]);
      expect(plan.blockers.find((f) => f.kind === FindingKind.RELEASE)?.message)
        .toBe('moves from HelmRelease stackspin-apps/wordpress-mariadb: Helm uninstalls the old release and installs a new, empty one; migrate by hand');
    });

    test.each([
      ['a new major version', '1.0.0', 'major HelmRelease stackspin-apps/wordpress-mariadb: chart mariadb 0.16.11 -> 1.0.0 is a new major version: read its upgrade notes, which may ask for a manual step'],
      ['an older version', '0.15.3', 'downgrade HelmRelease stackspin-apps/wordpress-mariadb: chart mariadb moves back from 0.16.11 to 0.15.3; Helm does not roll back data or CRDs'],
    ])('GIVEN B pins %s of a chart WHEN a cluster at A pulls B THEN it is a blocker', async (_what, version, expected) => {
      const after = synthesize([edited(wordpress, { release: release('wordpress-mariadb', (p) => ({ ...p, chart: { ...p.chart, version } })) })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([expected]);
    });

    test('GIVEN B pins an older image in the catalogue WHEN a cluster at A pulls B THEN it is a blocker', async () => {
      const entry = images.fluxCli as { tag: string };
      const tag = entry.tag;
      let after: string;
      try {
        entry.tag = 'v2.8.0';
        after = synthesize([wordpress]);
      } finally {
        entry.tag = tag;
      }

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([`downgrade image ghcr.io/fluxcd/flux-cli: moves back from ${tag} to v2.8.0`]);
      // The generator's Job is renamed with its image: a new Job, and the old one pruned.
      expect(plan.findings.filter((f) => f.kind === FindingKind.PRUNE).map((f) => f.blocker)).toEqual([false]);
    });

    test('GIVEN B changes the size of a StatefulSet\'s claims in a chart\'s values WHEN a cluster at A pulls B THEN the immutable change is a blocker', async () => {
      const after = synthesize([edited(wordpress, {
        release: release('wordpress-mariadb', (p) => ({ ...p, values: { ...p.values, persistence: { ...(p.values as any).persistence, size: '16Gi' } } })),
      })]);

      const plan = await upgrade(after);

      expect(blockers(plan)).toEqual([
        'immutable HelmRelease stackspin-apps/wordpress-mariadb: values persistence.size 8Gi -> 16Gi: charts render this into immutable fields (a StatefulSet\'s selector or claim templates, a claim\'s class or size), so the upgrade fails until the object is replaced by hand',
      ]);
    });

    test('GIVEN B changes an immutable field of an object the tree applies WHEN a cluster at A pulls B THEN it is a blocker', async () => {
      const before = await withUpgradeController();
      const after = synthesize([wordpress, edited(systemUpgradeController, {
        after: (c) => c.node.findAll().filter((o): o is ApiObject => o instanceof ApiObject && o.kind === 'Deployment')
          .forEach((d) => d.addJsonPatch(JsonPatch.add('/spec/selector/matchLabels/tier', 'control'), JsonPatch.add('/spec/template/metadata/labels/tier', 'control'))),
      })]);

      const plan = await upgrade(after, { before });

      expect(blockers(plan)).toEqual([
        'immutable Deployment system-upgrade/system-upgrade-controller: spec.selector changes, which Kubernetes refuses on an existing Deployment: Kustomization flux-system/system-upgrade-controller fails until it is replaced by hand',
      ]);
    });
  });
});

/** A tree as it was before it declared its secrets: no generator, nothing depends on it. */
function withoutGenerator(root: string): void {
  fs.rmSync(path.join(root, 'infrastructure/generated-secrets'), { recursive: true });
  fs.rmSync(path.join(root, 'cluster/core/kustomization-generated-secrets.yaml'));
  for (const file of ['cluster/core/kustomization.yaml', 'cluster/optional/wordpress/kustomization-wordpress.yaml']) {
    const full = path.join(root, file);
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/ {2}- kustomization-generated-secrets\.yaml\n| {4}- name: generated-secrets\n/g, ''));
  }
}
