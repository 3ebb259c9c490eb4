/** The depthwise path (groups = C_in): one task per plane, on the direct depthwise kernel. */
import type { ConvGeometry } from '../backend.js';
import { Param } from './params.js';
import type { Plan } from './plan.js';

/** Plans a depthwise convolution: its rows read in place where a 3x3 layer pads 1 all round, else from a padded copy. */
export function planDepthwise(g: ConvGeometry): Plan {
  const fast = g.kH === 3 && g.kW === 3 && g.dilationH === 1 && g.dilationW === 1 && (g.strideW === 1 || g.strideW === 2);
  // MobileNet's 3x3 layers, padded 1 on every side, read their rows in place (HP = 0): a row of zeros
  // stands for the rows above and below the plane, and registers make up the columns
  const inPlace = fast && g.strideH === g.strideW && g.padTop === 1 && g.padLeft === 1 &&
    g.outH === Math.floor((g.h - 1) / g.strideH) + 1 && g.outW === Math.floor((g.w - 1) / g.strideW) + 1;
  if (inPlace) {
    return {
      // the kernel zeroes w + 16 floats: the last vector's reads at stride 2 end before w + 8
      kernel: 'depthwiseTask', tasks: g.n * g.cIn, workspaceBytes: (g.w + 16) * 4, packed: false, paddedPlane: null, split: 1, offsets: null,
      fields: { [Param.HP]: 0, [Param.WP]: 0 },
    };
  }
  // else a padded copy of the plane: the rows the convolution reads, and columns for whole vectors of
  // output; a 3x3 stride-2 kernel's rows are split into even and odd columns, each half with room for
  // the last vector's reads
  const hp = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
  const vectors = Math.ceil(g.outW / 4) * 4;
  const wp = fast && g.strideW === 2 ? 2 * (vectors + 4) : vectors * g.strideW + (g.kW - 1) * g.dilationW + 8;
  return {
    kernel: 'depthwiseTask', tasks: g.n * g.cIn, workspaceBytes: hp * wp * 4, packed: false, paddedPlane: null, split: 1, offsets: null,
    fields: { [Param.HP]: hp, [Param.WP]: wp },
  };
}
