import { coded } from '../core/errors.js';
import { myid } from '../core/identity.js';
import type { HandleType } from '../transport/codec.js';
import type { DType } from './dtype.js';
import { cached, type Family, remember, sidKey } from './family.js';
import { type FileRequest, mapFile } from './file.js';
import { type Mapping, openParts, openShared, type SharedPart } from './segment.js';
import { SharedArray } from './shared-array.js';

/**
 * How a SharedArray travels between processes: as a small handle (its family's name, dtype, dims,
 * participants and where to map it). A participant maps the memory on first arrival and returns
 * the same object on every later one; a process that is not a participant gets an unmapped array.
 */
interface Handle {
  sid: [number, number];
  dtype: DType;
  dims: readonly number[];
  pids: readonly number[];
  bytes: number;
  share: SharedPart[] | null;
  file: FileRequest | null;
}

function encode(S: SharedArray<DType>): Handle {
  if (S.isClosed) throw coded(Error, 'ERR_ARRAY_CLOSED', 'cannot send a closed SharedArray to another process');
  const f = S.family;
  return { sid: f.sid, dtype: S.dtype, dims: S.dims, pids: S.pids, bytes: f.bytes, share: f.share, file: f.file };
}

function arrive(h: Handle): SharedArray<DType> {
  const hit = cached(sidKey(h.sid), h.dims);
  if (hit) return hit as SharedArray<DType>;
  const family: Family = { sid: h.sid, bytes: h.bytes, pids: h.pids, share: null, file: h.file, released: false };
  const participant = h.pids.includes(myid());
  let mapping: Mapping | null = null;
  if (participant && h.bytes > 0) {
    if (h.file) mapping = mapFile({ ...h.file, mode: h.file.mode === 'w+' ? 'r+' : h.file.mode }, h.bytes);
    else if (h.share) mapping = h.share.length === 1 ? openShared(h.share[0]!, h.bytes) : openParts(h.share);
    else {
      throw coded(Error, 'ERR_NOT_MAPPED', `this SharedArray (created by process ${h.sid[0]}) was released before it reached participant ${myid()}`);
    }
  }
  const S = SharedArray.attach(h.dtype, h.dims, h.pids, mapping, family);
  remember(S, mapping !== null);
  return S;
}

/** How a SharedArray travels (listed in the runtime's handle-type table). */
export const sharedArrayHandleType: HandleType<SharedArray<DType>> = {
  tag: 'sarr',
  classes: [SharedArray],
  encode: (S) => encode(S),
  decode: (d) => arrive(d as Handle),
  referable: true,
};
