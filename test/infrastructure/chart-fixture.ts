import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';

/** A pinned chart's default values and schema, copied into test/fixtures/charts/<chart>/. */
export interface ChartFixture {
  readonly name: string;
  readonly version: string;
  readonly defaults: any;
  /** values.yaml as text, for keys the chart documents only in comments. */
  readonly text: string;
  readonly schema?: any;
}

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'charts');

const fixtures = new Map<string, ChartFixture>();

/** Read once per test file and frozen, so a test that changes it fails instead of changing the next test's. */
export function chartFixture(dir: string): ChartFixture {
  let fixture = fixtures.get(dir);
  if (!fixture) {
    fixture = deepFreeze(readFixture(dir));
    fixtures.set(dir, fixture);
  }
  return fixture;
}

function readFixture(dir: string): ChartFixture {
  const read = (file: string): string | undefined => {
    const full = path.join(FIXTURES, dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
  };
  const chart = parse(read('Chart.yaml')!);
  const text = read('values.yaml')!;
  const schema = read('values.schema.json');
  return { name: chart.name, version: chart.version, defaults: parse(text), text, schema: schema ? JSON.parse(schema) : undefined };
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Schema violations of `values`, as `path: message` lines. */
export function schemaErrors(values: unknown, fixture: ChartFixture): string[] {
  // Compiled once per schema: Loki's (570 kB) takes a second. Optimising the generated code costs
  // more than it saves on a few validations.
  let validate = compiled.get(fixture.schema);
  if (!validate) {
    const options = { strict: false, allErrors: true, code: { optimize: false } };
    const ajv = String(fixture.schema.$schema).includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
    validate = ajv.compile(fixture.schema);
    compiled.set(fixture.schema, validate);
  }
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Keys of `values` that the chart declares nowhere: not in its default values.yaml, not in a
 * commented-out example there, not in its schema. `freeForm` paths (Kubernetes objects passed
 * through as they are) are not looked into.
 */
export function undeclaredKeys(values: unknown, fixture: ChartFixture, freeForm: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (value: any, defaults: any, schema: any, at: string): void => {
    for (const [key, child] of Object.entries(value)) {
      const where = at ? `${at}.${key}` : key;
      const childDefaults = isObject(defaults) ? defaults[key] : undefined;
      const childSchema = schema?.properties?.[key] ?? (isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined);
      const commented = new RegExp(`^\\s*#\\s*${key}:`, 'm').test(fixture.text);
      if (childDefaults === undefined && childSchema === undefined && !commented) {
        found.push(where);
        continue;
      }
      const structured = (isObject(childDefaults) && Object.keys(childDefaults).length > 0) || childSchema?.properties !== undefined;
      if (isObject(child) && structured && !freeForm.includes(where)) walk(child, childDefaults, childSchema, where);
    }
  };
  walk(values, fixture.defaults, fixture.schema, '');
  return found;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
