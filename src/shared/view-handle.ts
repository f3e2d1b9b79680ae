import { coded } from '../core/errors.js';
import { Range } from '../core/range.js';
import type { HandleType } from '../transport/codec.js';
import type { DType } from './dtype.js';
import { SharedArray } from './shared-array.js';
import { SharedArrayView, viewOf } from './view.js';

/**
 * How a SharedArrayView travels: its parent SharedArray (a handle of its own, which maps the
 * memory on arrival at a participant and is the same object on every arrival) and its indices,
 * ranges as `[start, stop, step]`. It arrives as a view over the receiving process's own mapping
 * of the parent; its elements are never copied.
 */
interface ViewRecord {
  parent: SharedArray<DType>;
  indices: (number | [number, number, number])[];
}

/** The handle type of SharedArrayView (tag `sview`), for the codec's table of handle types. */
export const sharedArrayViewHandleType: HandleType<SharedArrayView<DType>> = {
  tag: 'sview',
  classes: [SharedArrayView],
  encode(V): ViewRecord {
    if (V.parent.isClosed) throw coded(Error, 'ERR_ARRAY_CLOSED', 'cannot send a view of a closed SharedArray to another process');
    return { parent: V.parent, indices: V.indices.map((ix) => (typeof ix === 'number' ? ix : [ix.start, ix.stop, ix.step])) };
  },
  decode(data): SharedArrayView<DType> {
    const { parent, indices } = recordOf(data);
    // Checked again against the parent as it arrived: a record that does not fit it fails here,
    // not in a loop. A correct peer never sends one (a parent's dims are fixed), so it is the
    // peer's fault: ERR_PROTOCOL, as for a record of the wrong form.
    try {
      return viewOf(
        parent,
        indices.map((ix) => (typeof ix === 'number' ? ix : new Range(ix[0], ix[1], ix[2]))),
      );
    } catch (e) {
      throw coded(Error, 'ERR_PROTOCOL', `received a view that does not fit its SharedArray (${(e as Error).message})`, { cause: e });
    }
  },
  // A view never changes (its parent and indices are fixed): a peer's copy stays valid.
  referable: true,
};

/** The record as sent, once its form is checked: a SharedArray and indices that are integers or integer triples. */
function recordOf(data: unknown): ViewRecord {
  const r = data as Partial<ViewRecord> | null;
  const form =
    typeof r === 'object' &&
    r !== null &&
    r.parent instanceof SharedArray &&
    Array.isArray(r.indices) &&
    r.indices.every((ix) => Number.isSafeInteger(ix) || (Array.isArray(ix) && ix.length === 3 && ix.every((v) => Number.isSafeInteger(v))));
  if (!form) throw coded(Error, 'ERR_PROTOCOL', 'received a malformed SharedArrayView (a SharedArray and a list of integer indices and [start, stop, step] ranges expected)');
  return r as ViewRecord;
}
