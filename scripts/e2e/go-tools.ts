/**
 * The programs the e2e runs, each built from one Go module under scripts/e2e/tools/<name>/ whose
 * go.mod pins its version (Renovate's gomod manager reads them; renovate.json). The control
 * plane follows the k3s release catalogue.ts pins and the Flux controllers follow its Flux
 * release: `npm run e2e -- --align-tools` rewrites those go.mod files from the catalogue, and
 * test/e2e/go-tools.test.ts fails while they differ.
 */
import * as path from 'path';

export const TOOLS_DIR = path.join(__dirname, 'tools');

export interface GoTool {
  /** Its folder under scripts/e2e/tools, and the cache entry's prefix. */
  readonly name: string;
  /** The module whose version the binaries carry. */
  readonly module: string;
  /** Each binary it makes: file name to Go package. */
  readonly binaries: Readonly<Record<string, string>>;
  /** Linker flags that stamp the version the binaries report (charts read `kubeVersion`). @default none */
  readonly stamp?: (version: string) => readonly string[];
  /**
   * Built from a copy of the module itself rather than from the wrapper module, with the files
   * this step writes into the copy first. @default built from scripts/e2e/tools/<name>
   */
  readonly fromModuleCopy?: 'flux-manifests';
  /** A folder of the module's source kept in the cache entry as `stages/`, for the run. @default none */
  readonly keepStages?: string;
  /** The folder of its go.mod. @default scripts/e2e/tools/<name> */
  readonly dir?: string;
}

/** `-X` flags for every package that holds Kubernetes' version variables (hack/lib/version.sh). */
function kubernetesStamp(version: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
}

/** The Flux controllers, named as in fluxcd/flux2's manifests/bases (the components `flux install` installs). */
export const FLUX_CONTROLLERS = ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'] as const;
export type FluxController = typeof FLUX_CONTROLLERS[number];

export const KUBERNETES_MODULE = 'k8s.io/kubernetes';
export const FLUX_MODULE = 'github.com/fluxcd/flux2/v2';

export const GO_TOOLS: readonly GoTool[] = [
  {
    name: 'kube',
    module: KUBERNETES_MODULE,
    binaries: Object.fromEntries(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']
      .map((b) => [b, `${KUBERNETES_MODULE}/cmd/${b}`])),
    stamp: kubernetesStamp,
  },
  { name: 'etcd', module: 'go.etcd.io/etcd/server/v3', binaries: { etcd: 'go.etcd.io/etcd/server/v3' } },
  // Its Stages (how fake nodes and pods change) come with the binary, at the same version.
  { name: 'kwok', module: 'sigs.k8s.io/kwok', binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' }, keepStages: 'kustomize/stage' },
  ...FLUX_CONTROLLERS.map((c): GoTool => ({ name: c, module: `github.com/fluxcd/${c}`, binaries: { [c]: `github.com/fluxcd/${c}` } })),
  {
    name: 'flux',
    module: FLUX_MODULE,
    binaries: { flux: './cmd/flux' },
    stamp: (version) => [`-X main.VERSION=${version.replace(/^v/, '')}`],
    fromModuleCopy: 'flux-manifests',
  },
];

/**
 * Module versions the Go module proxy this project builds from does not serve, and the nearest one
 * it does, used in their place by `--align-tools` (a `replace` line). The e2e's Flux then differs
 * from the release in these alone; the README's e2e section lists them.
 */
export const SUBSTITUTES: readonly { readonly unavailable: string; readonly use: string; readonly why: string }[] = [
  {
    unavailable: 'github.com/fluxcd/pkg/artifact@v0.18.2',
    use: 'github.com/fluxcd/pkg/artifact@v0.18.0',
    why: 'source-controller v1.9.4 requires v0.18.2, which the proxy refuses (403); v0.18.0 is the newest it serves',
  },
  {
    unavailable: 'github.com/fluxcd/helm/v4@v4.2.4-flux.1',
    use: 'helm.sh/helm/v4@v4.2.4',
    why: 'helm-controller v1.6.3 replaces Helm with fluxcd\'s fork v4.2.4-flux.1, which the proxy does not serve; upstream Helm v4.2.4 is what the fork is based on (helm-controller v1.6.4 went back to it)',
  },
];

export function toolDir(tool: GoTool): string {
  return tool.dir ?? path.join(TOOLS_DIR, tool.name);
}

export function tool(name: string): GoTool {
  const found = GO_TOOLS.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no e2e tool named '${name}' (scripts/e2e/go-tools.ts)`);
  return found;
}
