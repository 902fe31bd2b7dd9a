/**
 * The install manifests a flux CLI release embeds (cmd/flux/manifests), made as fluxcd makes them
 * (fluxcd/flux2 manifests/scripts/bundle.sh): `kustomize build` of each manifests/bases/<controller>,
 * of manifests/rbac and of manifests/policies. Each base names its controller's release assets by
 * URL; those assets are `kustomize build config/crd` and `config/manager` of the controller's
 * source at that tag (fluxcd/gha-workflows controller-release.yaml), so they are built here from
 * the controller's module at that version instead of downloaded.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { downloadModule } from './gomod';
import { FLUX_CONTROLLERS, FluxController } from './go-tools';

const ASSET = /^https:\/\/github\.com\/fluxcd\/([a-z-]+)\/releases\/download\/(v[^/]+)\/([a-z-]+)\.(crds|deployment)\.yaml$/;

interface BaseKustomization {
  resources?: string[];
  [key: string]: unknown;
}

function baseFile(fluxSource: string, controller: string): string {
  return path.join(fluxSource, 'manifests', 'bases', controller, 'kustomization.yaml');
}

/** The version of each controller a Flux release ships, read from its manifests/bases. */
export function releaseControllerVersions(fluxSource: string): Map<FluxController, string> {
  const versions = new Map<FluxController, string>();
  for (const controller of FLUX_CONTROLLERS) {
    const base = parse(fs.readFileSync(baseFile(fluxSource, controller), 'utf8')) as BaseKustomization;
    const version = (base.resources ?? []).map((r) => ASSET.exec(r)).find((m) => m?.[1] === controller)?.[2];
    if (version === undefined) throw new Error(`${baseFile(fluxSource, controller)} names no release asset of ${controller}`);
    versions.set(controller, version);
  }
  return versions;
}

function kustomize(kubectl: string, dir: string): string {
  const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kustomize build ${dir} failed: ${(result.stderr || result.error?.message || '').trim().split('\n')[0]}`);
  return result.stdout;
}

/**
 * File name to content of the embedded manifests, for the default components of `flux install`.
 * `fluxSource` is a writable copy of the flux2 module: each base's asset URLs are replaced there
 * by files built from the controller's module.
 */
export function fluxInstallManifests(fluxSource: string, kubectl: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const controller of FLUX_CONTROLLERS) {
    const file = baseFile(fluxSource, controller);
    const base = parse(fs.readFileSync(file, 'utf8')) as BaseKustomization;
    const resources = (base.resources ?? []).map((resource) => {
      const asset = ASSET.exec(resource);
      if (asset === null) {
        if (/^https?:/.test(resource)) throw new Error(`${file} names ${resource}, which is not a controller release asset; teach scripts/e2e/flux-manifests.ts to build it`);
        return resource;
      }
      const [, repo, version, name, kind] = asset;
      const module = downloadModule(`github.com/fluxcd/${repo}`, version);
      const local = `${name}.${kind}.yaml`;
      fs.writeFileSync(path.join(path.dirname(file), local), kustomize(kubectl, path.join(module.Dir, 'config', kind === 'crds' ? 'crd' : 'manager')));
      return local;
    });
    fs.writeFileSync(file, stringify({ ...base, resources }));
    files.set(`${controller}.yaml`, kustomize(kubectl, path.dirname(file)));
  }
  for (const part of ['rbac', 'policies']) files.set(`${part}.yaml`, kustomize(kubectl, path.join(fluxSource, 'manifests', part)));
  return files;
}
