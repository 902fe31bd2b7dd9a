import { CLUSTER_VARIABLE_NAMES, QUOTE_VARIABLE, variableReference } from '../../constructs/cluster-variables';
import { MAINTENANCE_DIRECTORIES, maintenanceTree, SAMPLES, scriptOf, substitute } from './maintenance';

/** The synthesized files of the maintenance directories, as committed. */
const files = [...maintenanceTree().entries()].filter(([file]) => MAINTENANCE_DIRECTORIES.some((d) => file.startsWith(`${d}/`)));

/** `${...}` not preceded by the `$` that escapes it. */
const UNESCAPED = /(?<!\$)\$\{([^}]*)\}/g;
const declared = new Set([`\${${QUOTE_VARIABLE}}`, ...CLUSTER_VARIABLE_NAMES.map(variableReference)]);

describe('maintenance windows under Flux substitution', () => {
  test('GIVEN the synthesized maintenance directories WHEN searched THEN every unescaped ${ is a declared cluster variable with its default, or the quote every Kustomization defines', () => {
    expect(files.length).toBeGreaterThan(10);
    const references = files.flatMap(([file, content]) => [...content.matchAll(UNESCAPED)].map((m) => ({ file, reference: m[0] })));
    expect(references.length).toBeGreaterThan(0);
    for (const r of references) expect({ ...r, declared: declared.has(r.reference) }).toEqual({ ...r, declared: true });
  });

  test('GIVEN the window scripts WHEN committed THEN their shell variables are escaped as $${...}', () => {
    const scripts = files.filter(([file]) => file.includes('/cronjob-'));
    expect(scripts).toHaveLength(4);
    for (const [file, content] of scripts) expect({ file, escaped: content.includes('"$${actual}"') }).toEqual({ file, escaped: true });
  });

  test.each(SAMPLES)('GIVEN cluster variables ($name) WHEN Flux substitutes strictly THEN every file resolves, parses, and the scripts get their shell variables back', ({ values }) => {
    for (const [file, content] of files) {
      const manifest = substitute(content, values);
      if (manifest.kind !== 'CronJob') continue;
      const script = scriptOf(manifest);
      expect({ file, restored: script.includes('"${actual}"'), leftover: script.includes('$${') }).toEqual({ file, restored: true, leftover: false });
    }
  });

  test('GIVEN the vendored Plan CRD WHEN committed THEN it opts out of substitution (its descriptions hold $$(VAR_NAME))', () => {
    const [, crd] = files.find(([file]) => file.endsWith('/customresourcedefinition-plans.upgrade.cattle.io.yaml'))!;
    expect(crd).toContain('kustomize.toolkit.fluxcd.io/substitute: disabled');
    expect(crd).toContain('$$(VAR_NAME)');
  });
});
