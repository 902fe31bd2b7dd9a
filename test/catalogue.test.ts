import * as fs from 'fs';
import * as path from 'path';
import { charts, images, releases } from '../catalogue';

const root = path.join(__dirname, '..');
const renovate = JSON.parse(fs.readFileSync(path.join(root, 'renovate.json'), 'utf8'));
const catalogueText = fs.readFileSync(path.join(root, 'catalogue.ts'), 'utf8');

interface Match { readonly manager: string; readonly depName: string; readonly currentValue: string; readonly source?: string }

/** Applies renovate.json's regex managers to catalogue.ts exactly as Renovate would (global, per matchString). */
function renovateMatches(): Match[] {
  return renovate.customManagers.flatMap((m: any) => m.matchStrings.flatMap((s: string) =>
    [...catalogueText.matchAll(new RegExp(s, 'g'))].map((r) => ({
      manager: m.description,
      depName: r.groups!.depName,
      currentValue: r.groups!.currentValue,
      source: r.groups!.registryUrl ?? r.groups!.packageName,
    }))));
}

describe('version catalogue', () => {
  const matches = renovateMatches();

  test('GIVEN renovate.json WHEN its managers run over catalogue.ts THEN every chart is matched once, with its version and repository', () => {
    for (const entry of Object.values(charts)) {
      const found = matches.filter((m) => m.depName === entry.chart && entry.repository.endsWith(m.source ?? ''));
      expect({ chart: entry.chart, found: found.map((f) => f.currentValue) }).toEqual({ chart: entry.chart, found: [entry.version] });
    }
  });

  test('GIVEN renovate.json WHEN its managers run THEN every image and release is matched once, with its version', () => {
    const expected = [
      ...Object.values(images).map((i) => ({ depName: i.image, currentValue: i.tag })),
      ...Object.values(releases).map((r) => ({ depName: r.github, currentValue: r.version })),
    ];
    for (const e of expected) {
      const same = expected.filter((x) => x.depName === e.depName).map((x) => x.currentValue).sort();
      expect(matches.filter((m) => m.depName === e.depName).map((m) => m.currentValue).sort()).toEqual(same);
    }
  });

  test('GIVEN an image tag Docker versioning cannot read (a prefix before the version) WHEN renovate.json is read THEN a package rule gives it a regex versioning that parses it', () => {
    const rules: any[] = renovate.packageRules ?? [];
    const prefixed = Object.values(images).filter((i) => !/^v?\d/.test(i.tag));
    expect(prefixed.length).toBeGreaterThan(0);
    for (const image of prefixed) {
      const rule = rules.find((r) => r.matchDepNames?.includes(image.image) && new RegExp(r.matchCurrentValue.slice(1, -1)).test(image.tag));
      const pattern = rule?.versioning?.replace(/^regex:/, '');
      expect({ image: image.image, tag: image.tag, parsed: pattern !== undefined && new RegExp(pattern).test(image.tag) }).toEqual({ image: image.image, tag: image.tag, parsed: true });
    }
  });

  test('GIVEN the catalogue WHEN counted THEN Renovate matches exactly as many entries as it has (nothing unmatched, nothing extra)', () => {
    const entries = Object.keys(charts).length + Object.keys(images).length + Object.keys(releases).length;
    expect(matches).toHaveLength(entries);
  });

  test('GIVEN every entry WHEN its version is read THEN it is exact (no range, no latest) and its upstream is named', () => {
    const versions = [
      ...Object.values(charts).map((c) => [c.chart, c.version, c.upstream]),
      ...Object.values(images).map((i) => [i.image, i.tag, i.upstream]),
      ...Object.values(releases).map((r) => [r.github, r.version, r.upstream]),
    ];
    for (const [name, version, upstream] of versions) {
      expect({ name, exact: /^([a-z]+-)?v?\d+(\.\d+)*([-+][0-9A-Za-z.+-]+)?$/.test(version) && !/latest/i.test(version) }).toEqual({ name, exact: true });
      expect({ name, upstream: upstream.length > 10 }).toEqual({ name, upstream: true });
    }
  });

  test('GIVEN the OCI manager WHEN it names a package THEN registry, path and chart join into the artifact reference', () => {
    const oci = renovate.customManagers.find((m: any) => m.datasourceTemplate === 'docker' && m.packageNameTemplate);
    const zulip = renovateMatches().find((m) => m.depName === 'zulip' && m.manager === oci.description)!;
    expect(oci.packageNameTemplate.replace('{{{packageName}}}', zulip.source).replace('{{{depName}}}', zulip.depName)).toBe('ghcr.io/zulip/helm-charts/zulip');
  });
});
