import * as fs from 'fs';
import * as path from 'path';
import { catalogueVersions, kubernetesVersionOf } from '../../scripts/e2e/align-tools';
import { readGoMod, replacedVersion, requiredVersion } from '../../scripts/e2e/gomod';
import { FLUX_CONTROLLERS, FLUX_MODULE, GO_TOOLS, KUBERNETES_MODULE, SUBSTITUTES, tool, toolDir } from '../../scripts/e2e/go-tools';

/** The e2e's binaries are pinned in scripts/e2e/tools/<tool>/go.mod; the control plane and Flux follow catalogue.ts. */
const goMod = (name: string) => readGoMod(path.join(toolDir(tool(name)), 'go.mod'));

/** The version a tool pins of `module`, with the fix in the failure. */
function pinned(name: string, module: string, expected: string): void {
  const version = requiredVersion(goMod(name), module, `scripts/e2e/tools/${name}/go.mod`);
  if (version !== expected) throw new Error(`scripts/e2e/tools/${name}/go.mod pins ${module} ${version}, not ${expected}: run npm run e2e -- --align-tools`);
}

describe('the e2e tools pin what the catalogue pins', () => {
  const versions = catalogueVersions();

  test('GIVEN the k3s release of the catalogue WHEN the kube tool is read THEN it builds that Kubernetes version, every staging module at the matching v0.Y.Z', () => {
    pinned('kube', KUBERNETES_MODULE, versions.kubernetes);
    const staging = (goMod('kube').Replace ?? []).filter((r) => r.Old.Path.startsWith('k8s.io/'));
    expect(staging.length).toBeGreaterThan(30);
    for (const r of staging) expect(`${r.Old.Path} ${r.New.Version}`).toBe(`${r.Old.Path} ${versions.kubernetes.replace(/^v1\./, 'v0.')}`);
  });

  test('GIVEN the Flux release of the catalogue WHEN the flux tool is read THEN it builds that flux CLI', () => {
    pinned('flux', FLUX_MODULE, versions.flux);
  });

  test.each(FLUX_CONTROLLERS)('GIVEN the Flux release WHEN the %s tool is read THEN it builds the version that release ships, with its api module at the same version', (controller) => {
    const shipped = requiredVersion(goMod('flux'), `github.com/fluxcd/${controller}/api`, 'flux/go.mod');
    pinned(controller, `github.com/fluxcd/${controller}`, shipped);
    pinned(controller, `github.com/fluxcd/${controller}/api`, shipped);
  });

  test('GIVEN the substitutes for modules the Go module proxy does not serve WHEN the controllers are read THEN each is in use, so none outlives its need', () => {
    const replaced = FLUX_CONTROLLERS.flatMap((c) => (goMod(c).Replace ?? []).map((r) => `${r.New.Path}@${r.New.Version}`));
    for (const substitute of SUBSTITUTES) expect(replaced).toContain(substitute.use);
    expect(replacedVersion(goMod('helm-controller'), 'helm.sh/helm/v4')).toBe('v4.2.4');
  });

  test('GIVEN every tool WHEN its folder is read THEN it has a go.sum and names each package it builds as a tool', () => {
    for (const t of GO_TOOLS) {
      expect(fs.existsSync(path.join(toolDir(t), 'go.sum'))).toBe(true);
      const tools = (goMod(t.name).Tool ?? []).map((x) => x.Path);
      for (const pkg of Object.values(t.binaries)) expect(tools).toContain(pkg.startsWith('./') ? `${t.module}/${pkg.slice(2)}` : pkg);
    }
  });

  test('GIVEN a k3s version that is not of the k3s form WHEN its Kubernetes version is asked THEN the message names it and the form', () => {
    expect(kubernetesVersionOf('v1.36.3+k3s1')).toBe('v1.36.3');
    expect(() => kubernetesVersionOf('1.36.3')).toThrow("catalogue.ts pins k3s '1.36.3', which is not of the form v1.36.3+k3s1");
  });

  test('GIVEN renovate.json WHEN its gomod rules are read THEN it bumps etcd and KWOK in their go.mod and leaves the tools that follow the catalogue alone', () => {
    const renovate = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'renovate.json'), 'utf8'));
    expect(renovate.enabledManagers).toContain('gomod');
    const rules: any[] = renovate.packageRules.filter((r: any) => r.matchManagers?.includes('gomod'));
    const off = rules.find((r) => r.enabled === false);
    const on = rules.find((r) => r.enabled === true);
    expect(off.matchFileNames).toEqual(['scripts/e2e/tools/**']);
    expect(rules.indexOf(on)).toBeGreaterThan(rules.indexOf(off));
    expect(on.matchPackageNames.sort()).toEqual([tool('etcd').module, tool('kwok').module].sort());
    expect(on.matchFileNames.sort()).toEqual(['etcd', 'kwok'].map((t) => `scripts/e2e/tools/${t}/go.mod`));
  });
});
