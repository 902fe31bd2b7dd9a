import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SUBSTITUTE_ANNOTATION } from '../../constructs/tree-writer';
import { parseFile } from '../../constructs/yaml-cache';

/** The vendored upstream CRD (system-upgrade-controller v0.20.1, see imports/crds/README.md). */
export const PLAN_CRD_FILE = path.join(__dirname, '..', '..', 'imports', 'crds', 'upgrade.cattle.io_plans.yaml');

/**
 * The Plan CustomResourceDefinition, applied from the tree rather than left to the controller
 * (which could install it at start): the controller is scaled to zero outside its window, and the
 * Plan must apply whenever Flux reconciles. Substitution is disabled for it: its descriptions
 * hold `$$(VAR_NAME)`, which Flux would otherwise unescape.
 */
export class PlanCrd extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, file: string = PLAN_CRD_FILE) {
    super(scope, id);
    const documents: any[] = parseFile(file).filter((d) => d !== null);
    if (documents.length !== 1 || documents[0].kind !== 'CustomResourceDefinition') {
      throw new Error(`PlanCrd: ${file} must hold exactly one CustomResourceDefinition; re-copy it from the system-upgrade-controller release`);
    }
    const { apiVersion, kind, metadata, ...rest } = documents[0];
    this.name = metadata.name;
    new ApiObject(this, 'Resource', {
      apiVersion,
      kind,
      metadata: { ...metadata, annotations: { ...metadata.annotations, [SUBSTITUTE_ANNOTATION]: 'disabled' } },
      ...rest,
    });
  }
}
