import type { SharedArray } from '../shared/shared-array.js';
import type { HandleType } from '../transport/codec.js';
import { Barrier } from './barrier.js';

interface BarrierHandle {
  state: SharedArray<'int32'>;
  parties: number;
  timeoutMs: number;
}

/**
 * How a Barrier travels to another process (listed in the runtime's handle-type table): its state
 * SharedArray (which the codec sends as a SharedArray handle: mapped there since creation), its
 * parties and its default deadline.
 */
export const barrierHandleType: HandleType<Barrier> = {
  tag: 'barrier',
  classes: [Barrier],
  encode: (b): BarrierHandle => ({ state: b.state, parties: b.parties, timeoutMs: b.timeoutMs }),
  decode: (d) => {
    const h = d as BarrierHandle;
    return Barrier.attach(h.state, h.parties, h.timeoutMs);
  },
};
