/**
 * What the backup scripts need from the committed tree, as `key=value` lines for the shell:
 *
 *   backup-sets.ts list [--tree DIR]          the backup sets restore-app.sh restores, one per line
 *   backup-sets.ts show <set> [--tree DIR]    one set: set=, kustomization=, namespace= (each),
 *                                             release=<namespace>/<name> (each, in resume order),
 *                                             selector= (the label), delete= (the kinds a restore
 *                                             deletes), and velero_*
 *   backup-sets.ts velero                     velero_namespace=, velero_location=, velero_schedule=
 *
 * Sets come from dist/flux2 (scripts/backup/backup-sets.ts), never from a list here. An unknown
 * set, or one no backup holds (velero), is refused on stderr, exit 1; a refused command line exits 2.
 */
import * as path from 'path';
import { BACKUP_STORAGE_LOCATION, NIGHTLY_SCHEDULE_NAME, VELERO_NAMESPACE } from '../apps/velero/backup-template';
import { BACKUP_SET_LABEL } from '../constructs/backup-label';
import { BACKUP_SET_SOURCES, BackupSet, findBackupSets, notRestorable, readTree, RESTORE_DELETES } from './backup/backup-sets';
import { parseArgs, UsageError } from './lib/args';

const USAGE = `usage: backup-sets.ts list [--tree DIR]
       backup-sets.ts show <set> [--tree DIR]
       backup-sets.ts velero
`;

/** The committed tree. */
const TREE_ROOT = path.join(__dirname, '..', 'dist', 'flux2');

/** One lower-case name, as app names are (a newline would let a line of a list match). */
const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Velero's objects the scripts use, by name. */
export function veleroLines(): string[] {
  return [`velero_namespace=${VELERO_NAMESPACE}`, `velero_location=${BACKUP_STORAGE_LOCATION}`, `velero_schedule=${NIGHTLY_SCHEDULE_NAME}`];
}

/** The lines `show` prints for one set. */
export function setLines(set: BackupSet): string[] {
  return [
    `set=${set.name}`,
    `kustomization=${set.kustomization}`,
    ...set.namespaces.map((n) => `namespace=${n}`),
    ...set.releases.map((r) => `release=${r.namespace}/${r.name}`),
    `selector=${BACKUP_SET_LABEL}=${set.name}`,
    `delete=${RESTORE_DELETES.join(',')}`,
    ...veleroLines(),
  ];
}

/** The output and exit code of one invocation. */
export function backupSetsCommand(argv: readonly string[]): { readonly out: string; readonly err: string; readonly code: number } {
  let args;
  try {
    args = parseArgs(argv, { usage: USAGE, options: { '--tree': 'DIR' }, positionals: { min: 1, max: 2, name: 'command and set' } });
  } catch (e) {
    if (e instanceof UsageError) return { out: '', err: `error: ${e.message}\n`, code: 2 };
    throw e;
  }
  if (args.help) return { out: USAGE, err: '', code: 0 };
  const [command, name] = args.positionals;
  const expected: Record<string, number> = { list: 1, show: 2, velero: 1 };
  if (expected[command] !== args.positionals.length) {
    return { out: '', err: `error: ${expected[command] === undefined ? `unknown command '${command}'` : `${command} takes ${expected[command] - 1} argument(s)`}\n${USAGE}`, code: 2 };
  }
  if (command === 'velero') return { out: lines(veleroLines()), err: '', code: 0 };
  const fail = (message: string): { out: string; err: string; code: number } => ({ out: '', err: `error: ${message}\n`, code: 1 });
  const tree = args.options.get('--tree') ?? TREE_ROOT;
  let sets: BackupSet[];
  try {
    sets = findBackupSets(readTree(tree, BACKUP_SET_SOURCES));
  } catch (e) {
    return fail((e as Error).message);
  }
  const restorable = sets.filter((s) => notRestorable(s) === undefined);
  if (command === 'list') return { out: lines(restorable.map((s) => s.name)), err: '', code: 0 };
  if (!NAME.test(name)) return fail(`app name ${JSON.stringify(name)} is not valid; an app name is lower-case letters, digits and -, like nextcloud`);
  const set = sets.find((s) => s.name === name);
  if (set === undefined) return fail(`unknown app '${name}'; restore-app.sh restores: ${restorable.map((s) => s.name).join(', ')}`);
  const why = notRestorable(set);
  if (why !== undefined) return fail(why);
  return { out: lines(setLines(set)), err: '', code: 0 };
}

function lines(values: readonly string[]): string {
  return values.map((v) => `${v}\n`).join('');
}

if (require.main === module) {
  const { out, err, code } = backupSetsCommand(process.argv.slice(2));
  process.stdout.write(out);
  process.stderr.write(err);
  process.exitCode = code;
}
