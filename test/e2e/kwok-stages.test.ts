import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { HOST_RUN_LABEL, HOST_RUN_VALUES } from '../../scripts/e2e/host-pods';
import { kwokConfig } from '../../scripts/e2e/kwok-stages';
import { parseYaml } from '../yaml';

/** KWOK's configuration for the e2e (scripts/e2e/kwok-stages.ts, kwok/local-path.yaml). */
describe('the e2e KWOK stages', () => {
  const STAGES = ['node/fast/node-initialize', 'node/heartbeat-with-lease/node-heartbeat-with-lease', 'pod/fast/pod-ready', 'pod/fast/pod-complete', 'pod/fast/pod-delete'];
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kwok-stages-'));
    for (const stage of STAGES) {
      const file = path.join(dir, `${stage}.yaml`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const name = path.basename(stage);
      fs.writeFileSync(file, `apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: ${name}\nspec:\n  resourceRef: {apiGroup: v1, kind: Pod}\n  selector:\n    matchExpressions:\n      - {key: .status.phase, operator: In, values: [Running]}\n`);
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const stages = (): any[] => parseAllDocuments(kwokConfig(dir)).map((d) => d.toJS());

  test('GIVEN KWOK\'s stages WHEN configured THEN each is kept, and pod-complete leaves the pods the host runs to the host', () => {
    const all = stages();
    expect(all.map((s) => s.metadata.name)).toEqual([...STAGES.map((s) => path.basename(s)), 'local-path-provision', 'local-path-delete']);
    const complete = all.find((s) => s.metadata.name === 'pod-complete');
    expect(complete.spec.selector.matchExpressions).toEqual([
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      { key: `.metadata.labels.["${HOST_RUN_LABEL}"]`, operator: 'NotIn', values: [...HOST_RUN_VALUES] },
    ]);
    expect(HOST_RUN_VALUES).toEqual(['generate-secrets']);
  });

  test('GIVEN a KWOK version without one of those stages WHEN configured THEN the message names the stage and the file to update', () => {
    fs.rmSync(path.join(dir, 'pod', 'fast', 'pod-delete.yaml'));
    expect(() => kwokConfig(dir)).toThrow(`KWOK's stage pod/fast/pod-delete.yaml is missing from ${dir}; a KWOK version that moved it needs scripts/e2e/kwok-stages.ts updated`);
  });

  test('GIVEN the tree\'s local-path StorageClass WHEN the provisioning stage is read THEN it provisions that class, as the provisioner the tree installs does', () => {
    const values = parseYaml(parseYaml(fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'flux2', 'infrastructure', 'local-path-provisioner', 'configmap-local-path-provisioner-values.yaml'), 'utf8')).data['values.yaml']);
    const provision = stages().find((s) => s.metadata.name === 'local-path-provision');
    expect(provision.spec.selector.matchExpressions[0].cel.expression).toBe(`self.spec.storageClassName == '${values.storageClass.name}'`);
    expect(provision.spec.steps[0].apply.template).toContain(`pv.kubernetes.io/provisioned-by: ${values.storageClass.provisionerName}`);
    expect(provision.spec.steps[0].apply.template).toContain(`path: ${values.nodePathMap[0].paths[0]}/`);
    expect(values.storageClass.volumeBindingMode).toBe('WaitForFirstConsumer');
  });
});
