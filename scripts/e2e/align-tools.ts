/**
 * `npm run e2e -- --align-tools`: rewrites the go.mod files of the tools whose versions follow the
 * catalogue (after Renovate bumps k3s or Flux there): kube at the Kubernetes version of the k3s
 * release, with a `replace` per staging module of k8s.io/kubernetes at the matching v0.Y.Z; the
 * flux CLI at the Flux release; each Flux controller at the version that release ships, with the
 * controller's own `replace` lines and SUBSTITUTES; then `go mod tidy` in each. etcd and KWOK are
 * pinned in their own go.mod files, which Renovate bumps directly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { images, releases } from '../../catalogue';
import { releaseControllerVersions } from './flux-manifests';
import { downloadModule, go, readGoMod } from './gomod';
import { FLUX_CONTROLLERS, FLUX_MODULE, GoTool, KUBERNETES_MODULE, SUBSTITUTES, tool, toolDir } from './go-tools';

/** The Kubernetes version of a k3s release: v1.36.3+k3s1 is v1.36.3. */
export function kubernetesVersionOf(k3s: string): string {
  const match = /^(v\d+\.\d+\.\d+)\+k3s\d+$/.exec(k3s);
  if (match === null) throw new Error(`catalogue.ts pins k3s '${k3s}', which is not of the form v1.36.3+k3s1`);
  return match[1];
}

/** What the go.mod files must pin, from the catalogue: module to version, per tool. */
export function catalogueVersions(): { readonly kubernetes: string; readonly flux: string } {
  return { kubernetes: kubernetesVersionOf(releases.k3s.version), flux: images.fluxCli.tag };
}

interface Replace {
  readonly from: string;
  readonly to: string;
}

const ALIGN = 'npm run e2e -- --align-tools';

/** `text` as `//` comment lines of at most 100 characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '//';
  for (const word of text.split(/[ \n]+/).filter((w) => w !== '')) {
    if (line.length + 1 + word.length > 100) {
      lines.push(line);
      line = '//';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

function writeGoMod(tool: GoTool, header: string, requires: readonly string[], replaces: readonly Replace[]): void {
  const file = path.join(toolDir(tool), 'go.mod');
  const lines = [
    ...comment(`${header} Written by ${ALIGN.replace(/ /g, '\u00a0')} from catalogue.ts: change the catalogue, then run it.`).map((l) => l.replace(/\u00a0/g, ' ')),
    `module stackspin-gitops/e2e/${tool.name}`,
    '',
    'go 1.26.0',
    '',
    'tool (',
    ...Object.values(tool.binaries).map((p) => `\t${p.startsWith('./') ? `${tool.module}/${p.slice(2)}` : p}`),
    ')',
    '',
    'require (',
    ...requires.map((r) => `\t${r.replace('@', ' ')}`),
    ')',
  ];
  if (replaces.length > 0) lines.push('', 'replace (', ...replaces.map((r) => `\t${r.from} => ${r.to.replace('@', ' ')}`), ')');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  go(['mod', 'tidy'], { cwd: toolDir(tool) });
}

/** A controller's own `replace` lines that name a published module, with SUBSTITUTES applied. */
function controllerReplaces(goModFile: string): Replace[] {
  const mod = readGoMod(goModFile);
  const substitute = (target: string): string => SUBSTITUTES.find((s) => s.unavailable === target)?.use ?? target;
  const replaces: Replace[] = (mod.Replace ?? [])
    .filter((r) => r.New.Version !== undefined)
    .map((r) => ({ from: r.Old.Path, to: substitute(`${r.New.Path}@${r.New.Version}`) }));
  for (const require of mod.Require ?? []) {
    const target = `${require.Path}@${require.Version}`;
    if (replaces.some((r) => r.from === require.Path)) continue;
    const use = substitute(target);
    if (use !== target) replaces.push({ from: require.Path, to: use });
  }
  return replaces.sort((a, b) => a.from.localeCompare(b.from));
}

export function alignTools(): string[] {
  const { kubernetes, flux } = catalogueVersions();
  const lines: string[] = [];
  const minor = kubernetes.replace(/^v1\./, 'v0.');
  const kk = readGoMod(downloadModule(KUBERNETES_MODULE, kubernetes).GoMod);
  const staging = (kk.Replace ?? []).filter((r) => r.New.Path.startsWith('./staging/')).map((r) => ({ from: r.Old.Path, to: `${r.Old.Path}@${minor}` }));
  writeGoMod(tool('kube'), `The Kubernetes control plane the e2e runs, at the Kubernetes version of the k3s release catalogue.ts
pins. k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with folders of its
own, so this module names each one at the matching ${minor.replace(/\.\d+$/, '.Z')}.`, [`${KUBERNETES_MODULE}@${kubernetes}`], staging);
  lines.push(`kube: ${KUBERNETES_MODULE} ${kubernetes} and ${staging.length} staging modules at ${minor}`);

  writeGoMod(tool('flux'), `The flux CLI of the Flux release catalogue.ts pins (images.fluxCli). It embeds the release's install
manifests, which the module zip leaves out, so scripts/e2e/build.ts builds it from a copy of the
module with them added; this module pins the version and lists the controllers' APIs it uses.`, [`${FLUX_MODULE}@${flux}`], controllerReplaces(downloadModule(FLUX_MODULE, flux).GoMod));
  lines.push(`flux: ${FLUX_MODULE} ${flux}`);

  const versions = releaseControllerVersions(downloadModule(FLUX_MODULE, flux).Dir);
  for (const controller of FLUX_CONTROLLERS) {
    const version = versions.get(controller)!;
    const module = `github.com/fluxcd/${controller}`;
    const replaces = controllerReplaces(downloadModule(module, version).GoMod);
    writeGoMod(tool(controller), `The ${controller} that Flux ${flux} ships (fluxcd/flux2 manifests/bases). Its go.mod replaces its api
module with a folder, so this module requires the published api module at the same version and
copies the controller's other replace lines.${replaces.some((r) => SUBSTITUTES.some((s) => s.use === r.to)) ? '\nSome name a substitute for a module the Go module proxy does not serve (SUBSTITUTES in go-tools.ts).' : ''}`,
    [`${module}@${version}`, `${module}/api@${version}`], replaces);
    lines.push(`${controller}: ${version}${replaces.length > 0 ? ` (${replaces.length} replace lines)` : ''}`);
  }
  return lines;
}
