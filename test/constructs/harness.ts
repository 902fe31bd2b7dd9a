import { ApiObject, App, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { GitRepository } from '../../constructs/git-repository';
import { TreeChart } from '../../constructs/tree-chart';

/** A chart to put constructs in, with a GitRepository a Kustomization can use. */
export function scope(directory = 'apps/demo'): { app: App; chart: TreeChart; source: GitRepository } {
  const app = Testing.app();
  const chart = new TreeChart(app, 'Chart', { directory });
  const source = new GitRepository(chart, 'Source', { name: 'stackspin', url: 'https://example.org/x.git', branch: 'main' });
  return { app, chart, source };
}

/** The manifest a construct's child object (`Resource` by convention) renders, lazy values resolved. */
export function manifest(construct: Construct, id = 'Resource'): any {
  return (construct.node.findChild(id) as ApiObject).toJson();
}
