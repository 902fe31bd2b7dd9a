import * as fs from 'fs';
import { CATALOGUE_FILE, catalogueProblems, duplicateKeys, movingTags } from '../../constructs/catalogue-check';

/** What synth refuses in catalogue.ts (constructs/catalogue-check.ts), before it builds anything. */
describe('the catalogue at synth', () => {
  const source = fs.readFileSync(CATALOGUE_FILE, 'utf8');

  test('GIVEN the committed catalogue WHEN checked THEN it has no problem', () => {
    expect(catalogueProblems()).toEqual([]);
  });

  test('GIVEN a second nextcloud entry (a bad merge) WHEN checked THEN both lines are named', () => {
    const merged = source.replace("  nextcloud: {\n", "  nextcloud: {\n    repository: 'https://nextcloud.github.io/helm/',\n    chart: 'nextcloud',\n    version: '8.0.0',\n    upstream: 'old',\n  },\n  nextcloud: {\n");
    const line = source.slice(0, source.indexOf('  nextcloud: {')).split('\n').length;
    expect(duplicateKeys(merged)).toEqual([`catalogue.ts: charts.nextcloud is given twice (lines ${line} and ${line + 6}); keep one`]);
    expect(duplicateKeys(source)).toEqual([]);
  });

  test.each(['latest', '', ' 9.3.1'])('GIVEN the image tag %j WHEN checked THEN it is refused as no pin', (tag) => {
    expect(movingTags({ onlyofficeDocumentServer: { tag } })).toEqual([`catalogue.ts: images.onlyofficeDocumentServer has the tag '${tag}', which is not a pin (it moves); pin an exact tag`]);
  });
});
