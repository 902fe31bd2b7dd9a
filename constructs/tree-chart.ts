import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

/** Where `dist/flux2/` sits inside the repository that clusters pull: Flux paths start here. */
export const TREE_ROOT_IN_REPO = './dist/flux2';

const DIRECTORY = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;

export interface TreeChartProps {
  /** Directory of this chart's objects under `dist/flux2/`, e.g. `apps/nextcloud`. */
  readonly directory: string;
  /**
   * Applied from outside the tree (an optional app's entry, applied by `install-app.sh`), so no
   * Kustomization in the tree targets it and nothing in it is substituted.
   * @default false
   */
  readonly externallyApplied?: boolean;
}

/**
 * One directory of the committed tree. Every object whose nearest chart is this one is written
 * to `dist/flux2/<directory>/<kind>-<name>.yaml`, with a `kustomization.yaml` listing them.
 */
export class TreeChart extends Chart {
  public readonly directory: string;
  public readonly externallyApplied: boolean;

  constructor(scope: Construct, id: string, props: TreeChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    if (!DIRECTORY.test(props.directory)) {
      throw new Error(`TreeChart ${id}: directory '${props.directory}' must be lower-case path segments like 'apps/nextcloud'`);
    }
    this.directory = props.directory;
    this.externallyApplied = props.externallyApplied ?? false;
  }

  /** The path a Flux Kustomization uses to apply this directory. */
  public get fluxPath(): string {
    return `${TREE_ROOT_IN_REPO}/${this.directory}`;
  }
}
