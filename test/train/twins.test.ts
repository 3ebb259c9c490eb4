import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConvkitArgumentError, moduleFromJSON, noGrad, randn, summary, TWIN_KINDS, twinJSON, type ReceptiveField, type TwinKind } from '../../src/index.js';

const costs = Object.fromEntries(TWIN_KINDS.map((kind) => {
  const s = summary(moduleFromJSON(twinJSON(kind)), [1, 1, 28, 28]);
  return [kind, { parameters: s.totals.parameters, macs: s.totals.macs, field: s.rows.find((r) => r.path === '13')!.receptiveField! }];
})) as Record<TwinKind, { parameters: number; macs: number; field: ReceptiveField }>;

test('the twins differ only in their blocks: same depth and widths, each classifies a batch into 10 classes', () => {
  for (const kind of TWIN_KINDS) {
    const json = twinJSON(kind);
    assert.equal(json.layers.length, 17, kind);
    const model = moduleFromJSON(json);
    assert.deepEqual(noGrad(() => model.eval().forward(randn([3, 1, 28, 28]))).shape, [3, 10], kind);
  }
  const types = (kind: TwinKind) => twinJSON(kind).layers.map((l) => (l as { type: string }).type);
  assert.deepEqual(types('grouped'), types('standard'));
  const blocks = [3, 7, 11];
  assert.deepEqual(types('separable'), types('standard').map((t, i) => (blocks.includes(i) ? 'DepthwiseSeparableConv2d' : t)));
  for (const kind of ['grouped', 'dilated'] as const) {
    const changed = twinJSON(kind).layers.flatMap((l, i) => (JSON.stringify(l) === JSON.stringify(twinJSON('standard').layers[i]) ? [] : [i]));
    assert.deepEqual(changed, blocks, kind);
  }
});

test("the tutorial's claims in the twins' costs: dilation is free, groups and separation cut parameters and MACs", () => {
  const { standard, separable, grouped, dilated } = costs;
  assert.equal(dilated.parameters, standard.parameters);
  assert.equal(dilated.macs, standard.macs);
  assert.ok(dilated.field.size[0] > standard.field.size[0], 'dilation widens the receptive field');
  assert.ok(grouped.parameters < standard.parameters / 2 && grouped.macs < standard.macs / 2);
  assert.ok(separable.parameters < grouped.parameters && separable.macs < grouped.macs);
});

test('widths and classes are options; a kind that is not a twin is an error', () => {
  const s = summary(moduleFromJSON(twinJSON('standard', { widths: [8, 8, 8], classes: 3 })), [2, 1, 28, 28]);
  assert.deepEqual(s.outputShape, [2, 3]);
  assert.throws(() => twinJSON('wide' as TwinKind), (e: Error) => e instanceof ConvkitArgumentError && /kind must be one of 'standard', 'separable', 'grouped', 'dilated', got 'wide'/.test(e.message));
});
