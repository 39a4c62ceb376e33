import { describe, expect, it } from 'vitest';
import { BATCH, MAX_QUEUED, TrackQueue, flush, pointOf, retryable, type PendingBatch, type Shelf, type TrackPoint } from '../src/tracking';

const shelf = (): Shelf & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
};
const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 10, 0, 0) + s * 1000).toISOString();
const pt = (s: number): TrackPoint => ({ at: at(s), lat: 31.2 + s * 1e-5, lng: 121.4, accuracy_m: 8 });
let n = 0;
const ids = () => `b${++n}`;

describe('the queue of points', () => {
  it('batches points and keeps a batch with its id until answered', async () => {
    const q = new TrackQueue(shelf(), ids);
    for (let s = 0; s < BATCH + 10; s++) q.push(pt(s * 5));
    const sent: PendingBatch[] = [];
    let fail = true;
    const send = async (b: PendingBatch) => {
      sent.push(structuredClone(b));
      if (fail) throw Object.assign(new Error('offline'), { status: undefined });
    };
    await flush(q, send);
    expect(sent).toHaveLength(1);
    expect(q.size).toBe(BATCH + 10);
    fail = false;
    await flush(q, send);
    // The failed batch went again with the same id, then the rest.
    expect(sent.map((b) => b.batch_id)).toEqual([sent[0].batch_id, sent[0].batch_id, sent[2].batch_id]);
    expect(sent[1].points).toHaveLength(BATCH);
    expect(sent[2].points).toHaveLength(10);
    expect(q.size).toBe(0);
  });

  it('survives a restart of the app and drops the oldest beyond its size', () => {
    const s = shelf();
    const q = new TrackQueue(s, ids);
    for (let i = 0; i < MAX_QUEUED + 5; i++) q.push(pt(i * 5));
    expect(q.size).toBe(MAX_QUEUED);
    const b = q.next()!;
    expect(b.points[0].at).toBe(at(25));
    const again = new TrackQueue(s, ids);
    expect(again.size).toBe(MAX_QUEUED);
    expect(again.next()!.batch_id).toBe(b.batch_id);
  });

  it('skips fixes too close together and drops refused batches', async () => {
    const q = new TrackQueue(null, ids);
    q.push(pt(0));
    q.push(pt(1));
    expect(q.size).toBe(1);
    await flush(q, async () => {
      throw Object.assign(new Error('bad'), { status: 422 });
    });
    expect(q.size).toBe(0);
    expect(retryable({ status: 503 })).toBe(true);
    expect(retryable({ status: 409 })).toBe(false);
  });

  it('reads a position', () => {
    const p = pointOf({ coords: { latitude: 31.2, longitude: 121.4, accuracy: 9000, speed: null, heading: Number.NaN }, timestamp: Date.UTC(2026, 0, 1) });
    expect(p).toEqual({ at: '2026-01-01T00:00:00.000Z', lat: 31.2, lng: 121.4, accuracy_m: 500, speed_mps: null, heading_deg: null });
  });
});
