import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ChartEntry } from '../../catalogue';
import { locateHelm, PROJECT_ROOT } from './helm';

/** Where pulled charts are kept: `$CHART_CACHE`, default `.cache/charts/` (git-ignored). */
export function chartCacheDir(): string {
  return path.resolve(process.env.CHART_CACHE ?? path.join(PROJECT_ROOT, '.cache', 'charts'));
}

/**
 * Directories of charts pulled elsewhere (flat, `<chart>-<version>.tgz`, optionally with a
 * `SHA256SUMS`): `$CHART_CACHE_SEED` (path-separated), default `../shared/chart-cache` next to
 * the checkout, which machines without access to the chart repositories provide. A seed only
 * fills the cache; the catalogue's repository stays the source of truth.
 */
export function seedDirs(): string[] {
  const configured = process.env.CHART_CACHE_SEED ?? path.join(PROJECT_ROOT, '..', 'shared', 'chart-cache');
  return configured.split(path.delimiter).filter((d) => d !== '').map((d) => path.resolve(d));
}

/** The archive name `helm pull` gives a chart. */
export function archiveName(entry: ChartReference): string {
  return `${entry.chart}-${entry.version}.tgz`;
}

/** How a chart reached the cache. */
export type ChartSource = 'cached' | 'seeded' | 'pulled';

/** What identifies a chart archive: repository, name and exact version. */
export type ChartReference = Pick<ChartEntry, 'repository' | 'chart' | 'version'>;

export interface CachedChart {
  readonly entry: ChartReference;
  readonly file: string;
  readonly source: ChartSource;
}

/** The command that fetches every catalogue chart into the cache, for messages. */
export const FETCH_COMMAND = 'npm run charts';

/**
 * The chart's archive in the cache, checked against the digest recorded beside it when it
 * entered the cache (`<archive>.sha256`): already there and intact; else (missing, damaged or
 * unrecorded) copied from a seed directory, whose SHA256SUMS must hold its digest, or pulled from
 * the catalogue's repository unless `pull` is false, and recorded. A damaged archive is replaced
 * so. Throws one line naming the chart, version, repository and the fix.
 */
export function ensureChart(entry: ChartReference, options: { readonly pull?: boolean } = {}): CachedChart {
  const cache = chartCacheDir();
  const file = path.join(cache, archiveName(entry));
  const damaged = fs.existsSync(file) && !intact(file);
  if (fs.existsSync(file) && !damaged) return { entry, file, source: 'cached' };
  const replaced = damaged ? ` (the cached ${archiveName(entry)} did not match the digest recorded when it was cached, so it was removed)` : '';
  if (damaged) removeArchive(file);
  fs.mkdirSync(cache, { recursive: true });
  for (const seed of seedDirs()) {
    const candidate = path.join(seed, archiveName(entry));
    if (!fs.existsSync(candidate)) continue;
    copyInto(candidate, file, seedDigest(seed, candidate));
    return { entry, file, source: 'seeded' };
  }
  if (options.pull === false) {
    throw new Error(`chart ${entry.chart} ${entry.version} from ${entry.repository} is not in ${cache} nor in a seed (${seedDirs().join(', ') || 'none'})${replaced}, and this command downloads nothing; run \`${FETCH_COMMAND}\` where the repository is reachable, or copy ${archiveName(entry)} into ${cache}`);
  }
  const problem = pull(entry, cache);
  if (problem === undefined && fs.existsSync(file)) return { entry, file, source: 'pulled' };
  throw new Error(`chart ${entry.chart} ${entry.version} from ${entry.repository} is not in ${cache}${replaced} and could not be pulled (${problem ?? `helm pull wrote no ${archiveName(entry)}`}); run \`${FETCH_COMMAND}\` where the repository is reachable, or copy ${archiveName(entry)} into ${cache}`);
}

const digestOf = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const recordOf = (archive: string): string => `${archive}.sha256`;

/** Whether a cached archive still has the digest recorded when it was cached. */
function intact(archive: string): boolean {
  try {
    return fs.readFileSync(recordOf(archive), 'utf8').trim() === digestOf(archive);
  } catch {
    return false;
  }
}

function removeArchive(archive: string): void {
  fs.rmSync(archive, { force: true });
  fs.rmSync(recordOf(archive), { force: true });
}

/** The seed's digest of an archive, from its SHA256SUMS, which must list it and match it. */
function seedDigest(seed: string, archive: string): string {
  const sums = path.join(seed, 'SHA256SUMS');
  const name = path.basename(archive);
  const line = fs.existsSync(sums) ? fs.readFileSync(sums, 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.replace(/^\*/, '') === name) : undefined;
  if (line === undefined) {
    throw new Error(`${archive} has no digest in ${sums}, so it cannot be checked; add its line (cd ${seed} && sha256sum ${name} >> SHA256SUMS) once you trust the file, or remove it from the seed`);
  }
  const expected = line.trim().split(/\s+/)[0];
  const actual = digestOf(archive);
  if (actual !== expected) {
    throw new Error(`${archive} does not match its digest in ${sums} (${actual} instead of ${expected}); replace the file or remove it from the seed`);
  }
  return actual;
}

/** Copies an archive into the cache under its recorded digest; the record is written last, so a half copy is never intact. */
function copyInto(source: string, target: string, digest: string): void {
  const partial = `${target}.${process.pid}`;
  fs.copyFileSync(source, partial);
  fs.renameSync(partial, target);
  fs.writeFileSync(recordOf(target), `${digest}\n`);
}

/** `helm pull` of the pinned version into `cache`; the problem on one line, or undefined. */
function pull(entry: ChartReference, cache: string): string | undefined {
  const staging = fs.mkdtempSync(path.join(cache, '.pull-'));
  try {
    const oci = entry.repository.startsWith('oci://');
    const args = oci
      ? ['pull', `${entry.repository.replace(/\/$/, '')}/${entry.chart}`, '--version', entry.version, '--destination', staging]
      : ['pull', entry.chart, '--repo', entry.repository, '--version', entry.version, '--destination', staging];
    // process.env given explicitly: under jest it is the test's own copy, which a spawn would not see.
    const result = spawnSync(locateHelm().path, args, { encoding: 'utf8', timeout: 120_000, env: process.env });
    if (result.status !== 0) return firstLine(result.stderr || result.error?.message || `helm pull exited ${result.status}`);
    const pulled = path.join(staging, archiveName(entry));
    if (!fs.existsSync(pulled)) return `helm pull wrote ${fs.readdirSync(staging).join(', ') || 'nothing'}, not ${archiveName(entry)}`;
    const listing = spawnSync('tar', ['-tzf', pulled], { encoding: 'utf8' });
    if (listing.status !== 0) return `helm pull wrote an archive that does not unpack (${firstLine(listing.stderr)})`;
    copyInto(pulled, path.join(cache, archiveName(entry)), digestOf(pulled));
    return undefined;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0].replace(/^Error: /, '');
}

/**
 * The chart unpacked (into `<cache>/unpacked/<archive digest>/`), for reading its default values,
 * schema and CRDs; returns the chart's own directory (the one holding Chart.yaml).
 */
export function unpackChart(chart: CachedChart): string {
  const digest = createHash('sha256').update(fs.readFileSync(chart.file)).digest('hex').slice(0, 16);
  const root = path.join(chartCacheDir(), 'unpacked', `${chart.entry.chart}-${chart.entry.version}-${digest}`);
  const dir = path.join(root, chart.entry.chart);
  if (fs.existsSync(path.join(dir, 'Chart.yaml'))) return dir;
  const staging = `${root}.${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const result = spawnSync('tar', ['-xzf', chart.file, '-C', staging], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot unpack ${chart.file}: ${firstLine(result.stderr || String(result.error))}`);
  try {
    fs.renameSync(staging, root);
  } catch {
    // Another process unpacked the same archive first; its copy is identical.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(dir, 'Chart.yaml'))) throw new Error(`${chart.file} has no ${chart.entry.chart}/Chart.yaml; is it the chart ${chart.entry.chart}?`);
  return dir;
}
