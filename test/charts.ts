import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { ChartEntry, charts } from '../catalogue';
import { ensureChart, unpackChart } from '../scripts/render/chart-cache';
import { parseYaml } from './yaml';

/** A pinned chart's default values and schema, read from the chart itself (the chart cache). */
export interface PinnedChart {
  readonly name: string;
  readonly version: string;
  readonly defaults: any;
  /** values.yaml as text, for keys the chart documents only in comments. */
  readonly text: string;
  readonly schema?: any;
  /** Its directory, unpacked. */
  readonly dir: string;
}

/**
 * The catalogue chart named `chart` (as in catalogue.ts's `chart:` fields), or one of its
 * subcharts, from the chart cache (`npm run charts` fills it; tests fill it on first use).
 */
export function pinnedChart(chart: string, subchart?: string): PinnedChart {
  const key = `${chart}/${subchart ?? ''}`;
  let pinned = charts_.get(key);
  if (!pinned) {
    pinned = deepFreeze(readChart(chart, subchart));
    charts_.set(key, pinned);
  }
  return pinned;
}

/** Read once per test file and frozen, so a test that changes it fails instead of changing the next test's. */
const charts_ = new Map<string, PinnedChart>();

function readChart(chart: string, subchart: string | undefined): PinnedChart {
  const entry = Object.values(charts).find((c: ChartEntry) => c.chart === chart);
  if (entry === undefined) throw new Error(`no chart ${chart} in catalogue.ts`);
  const root = unpackChart(ensureChart(entry));
  const dir = subchart === undefined ? root : path.join(root, 'charts', subchart);
  const read = (file: string): string | undefined => {
    const full = path.join(dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
  };
  const manifest = parseYaml(read('Chart.yaml')!);
  const text = read('values.yaml') ?? '';
  const schema = read('values.schema.json');
  return { name: manifest.name, version: String(manifest.version), defaults: parseYaml(text) ?? {}, text, schema: schema ? JSON.parse(schema) : undefined, dir };
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Schema violations of `values`, as `path: message` lines. */
export function schemaErrors(values: unknown, chart: PinnedChart): string[] {
  // Compiled once per schema: Loki's (570 kB) takes a second. Optimising the generated code costs
  // more than it saves on a few validations.
  let validate = compiled.get(chart.schema);
  if (!validate) {
    const options = { strict: false, allErrors: true, code: { optimize: false } };
    // Some charts name draft-07 by its https URL, which Ajv knows as http.
    const schema = chart.schema.$schema === 'https://json-schema.org/draft-07/schema#' ? { ...chart.schema, $schema: undefined } : chart.schema;
    const ajv = String(schema.$schema).includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
    validate = ajv.compile(schema);
    compiled.set(chart.schema, validate);
  }
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Keys of `values` that the chart declares nowhere: not in its default values.yaml, not in a
 * commented-out example there, not in its schema. `freeForm` paths (Kubernetes objects passed
 * through as they are) are not looked into.
 */
export function undeclaredKeys(values: unknown, chart: PinnedChart, freeForm: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (value: any, defaults: any, schema: any, at: string): void => {
    for (const [key, child] of Object.entries(value)) {
      const where = at ? `${at}.${key}` : key;
      const childDefaults = isObject(defaults) ? defaults[key] : undefined;
      const childSchema = schema?.properties?.[key] ?? (isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined);
      const commented = new RegExp(`^\\s*#\\s*${key}:`, 'm').test(chart.text);
      if (childDefaults === undefined && childSchema === undefined && !commented) {
        found.push(where);
        continue;
      }
      const structured = (isObject(childDefaults) && Object.keys(childDefaults).length > 0) || childSchema?.properties !== undefined;
      if (isObject(child) && structured && !freeForm.includes(where)) walk(child, childDefaults, childSchema, where);
    }
  };
  walk(values, chart.defaults, chart.schema, '');
  return found;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
