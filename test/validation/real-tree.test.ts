import { GeneratedSecret } from '../../constructs/generated-secret';
import { buildApp, synthesize } from '../../main';
import { contextOf } from '../../scripts/validation/context';
import { formatProblem } from '../../scripts/validation/problem';
import { validateTree } from '../../scripts/validation/validate-tree';
import { writeCopy } from './fixture';

describe('validate: the real tree', () => {
  test('GIVEN a fresh synth of every component WHEN validated THEN there is no problem', async () => {
    const root = writeCopy(synthesize());
    const report = await validateTree(root, { context: contextOf(GeneratedSecret.all(buildApp())) });
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.objects).toBeGreaterThan(10);
  });
});
