import { BOOTSTRAP } from '../plan/model';
import { Plan } from '../plan/simulate';
import { FieldChange, ObjectChange } from './semantic-diff';

/** Changed fields listed per object before the rest is summarised: the output must fit a merge request. */
const MAX_FIELDS = 8;
const MAX_VALUE = 60;

/**
 * The wave in which an object is applied: its own start wave for a Kustomization or HelmRelease,
 * its Kustomization's otherwise; 0 for what bootstrap applies; undefined when never applied.
 */
export function waveOf(plan: Plan, id: string): number | undefined {
  const own = plan.schedule.startWave.get(id);
  if (own !== undefined) return own;
  const applier = plan.objects.get(id)?.applier;
  return applier === BOOTSTRAP ? 0 : applier === undefined ? undefined : plan.schedule.startWave.get(applier);
}

/** The waves the changes touch: removed objects in the old plan, the others in the new one. */
export function wavesTouched(changes: readonly ObjectChange[], before: Plan, after: Plan): number[] {
  const waves = changes.map((c) => waveOf(c.change === 'removed' ? before : after, c.id)).filter((w): w is number => w !== undefined);
  return [...new Set(waves)].sort((a, b) => a - b);
}

/** Plain text, changed objects first (one line when one field changed), then added and removed ones. */
export function formatDiff(title: string, changes: readonly ObjectChange[], waves: readonly number[]): string {
  const count = (kind: ObjectChange['change']): number => changes.filter((c) => c.change === kind).length;
  if (changes.length === 0) return `${title}: no change\n`;
  const lines = [`${title}: ${count('changed')} changed, ${count('added')} added, ${count('removed')} removed`];
  for (const c of changes.filter((x) => x.change === 'changed')) {
    if (c.fields.length === 1) lines.push(`${c.id}: ${formatField(c.fields[0])}`);
    else {
      lines.push(`${c.id}:`, ...c.fields.slice(0, MAX_FIELDS).map((f) => `  ${formatField(f)}`));
      if (c.fields.length > MAX_FIELDS) lines.push(`  ... and ${c.fields.length - MAX_FIELDS} more fields`);
    }
  }
  for (const kind of ['added', 'removed'] as const) {
    for (const c of changes.filter((x) => x.change === kind)) lines.push(`${kind}: ${c.id}`);
  }
  const listed = waves.map((w) => (w === 0 ? 'bootstrap' : String(w)));
  lines.push(`waves touched (every app enabled): ${listed.join(', ') || 'none'}`);
  return `${lines.join('\n')}\n`;
}

function formatField(f: FieldChange): string {
  return `${f.path} ${formatValue(f.before)} -> ${formatValue(f.after)}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' && /^[^\s"]+$/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}
