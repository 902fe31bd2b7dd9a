/**
 * KWOK's configuration: the Stages that move fake nodes and pods through their lives, as KWOK
 * ships them at the pinned version (kept with the binary, scripts/e2e/build.ts), plus the
 * local-path provisioner's part (kwok/local-path.yaml). One change to KWOK's own: a Job pod the
 * harness runs on the host (host-pods.ts) is not completed by KWOK, the harness completes it
 * with the real outcome.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { HOST_RUN_LABEL, HOST_RUN_VALUES } from './host-pods';

/** KWOK's Stages the run uses, from its kustomize/stage folder: a ready node, and fast pods. */
const KWOK_STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

const LOCAL_PATH = path.join(__dirname, 'kwok', 'local-path.yaml');

interface Stage {
  metadata: { name: string };
  spec: { selector?: { matchExpressions?: unknown[] } };
}

function stagesIn(file: string): Stage[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Stage).filter((d) => d !== null);
}

/** The whole `--config` file, from KWOK's stage folder `stageDir`. */
export function kwokConfig(stageDir: string): string {
  const stages = KWOK_STAGES.flatMap((file) => {
    const full = path.join(stageDir, file);
    if (!fs.existsSync(full)) throw new Error(`KWOK's stage ${file} is missing from ${stageDir}; a KWOK version that moved it needs scripts/e2e/kwok-stages.ts updated`);
    return stagesIn(full);
  });
  const complete = stages.find((s) => s.metadata.name === 'pod-complete');
  if (complete === undefined) throw new Error(`KWOK's pod/fast/pod-complete.yaml in ${stageDir} has no Stage pod-complete`);
  complete.spec.selector = {
    ...complete.spec.selector,
    matchExpressions: [
      ...(complete.spec.selector?.matchExpressions ?? []),
      { key: `.metadata.labels.["${HOST_RUN_LABEL}"]`, operator: 'NotIn', values: [...HOST_RUN_VALUES] },
    ],
  };
  return [...stages, ...stagesIn(LOCAL_PATH)].map((s) => stringify(s)).join('---\n');
}
