import { describe, expect, it } from 'vitest';
import { ActionQueue, MAX_REJECTED, projectedState, refusal, retryable, type QueuedAction } from '../src/queue';
import type { Shelf } from '../src/tracking';

const shelf = (): Shelf & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
};
let n = 0;
const id = () => `key-${++n}`;
const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 9, 0, s));
/** A server refusal as `unwrap` throws it. */
const refused = (status: number, code: string, field?: { code: string; message: string }) =>
  Object.assign(new Error(code), { status, code, detail: `${code} detail`, fieldErrors: field ? [{ field: 'x', ...field }] : [] });
const offline = () => Object.assign(new Error('Network error'), { status: 0, code: 'network', fieldErrors: [] });

describe('the offline queue of the visit’s steps', () => {
  it('keeps steps in order with their key and the phone’s time, across a reload', () => {
    const s = shelf();
    const q = new ActionQueue(s, id);
    const a = q.add('o1', 'depart', null, at(1));
    q.add('o1', 'check_in', { lat: 31.2, lng: 121.4 }, at(30));
    expect(a).toMatchObject({ orderId: 'o1', kind: 'depart', deviceAt: '2026-12-06T09:00:01.000Z', tries: 0 });
    const again = new ActionQueue(s, id);
    expect(again.waiting.map((x) => [x.kind, x.key, x.deviceAt])).toEqual([
      ['depart', a.key, '2026-12-06T09:00:01.000Z'],
      ['check_in', q.waiting[1].key, '2026-12-06T09:00:30.000Z'],
    ]);
    expect(again.of('o1')).toHaveLength(2);
    expect(again.of('o2')).toHaveLength(0);
  });

  it('sends in order, stops at a network failure and goes on from the same step with the same key', async () => {
    const q = new ActionQueue(shelf(), id);
    q.add('o1', 'depart', null, at(1));
    q.add('o1', 'check_in', { lat: 1, lng: 2 }, at(2));
    q.add('o1', 'start', { code: '123456' }, at(3));
    const sent: QueuedAction[] = [];
    let up = false;
    const send = async (a: QueuedAction) => {
      if (!up && a.kind === 'check_in') throw offline();
      sent.push({ ...a });
    };
    const first = await q.replay(send);
    expect(first.stopped).toBe(true);
    expect(first.sent.map((a) => a.kind)).toEqual(['depart']);
    expect(q.waiting.map((a) => a.kind)).toEqual(['check_in', 'start']);
    const key = q.waiting[0].key;
    up = true;
    const second = await q.replay(send);
    expect(second).toMatchObject({ stopped: false, rejected: [] });
    expect(sent.map((a) => a.kind)).toEqual(['depart', 'check_in', 'start']);
    expect(sent[1].key).toBe(key);
    expect(sent[1].tries).toBe(2);
    expect(q.waiting).toHaveLength(0);
  });

  it('sets a refused step aside with the server’s reason and sends the next ones', async () => {
    const s = shelf();
    const q = new ActionQueue(s, id);
    q.add('o1', 'start', { code: '000000' }, at(1));
    q.add('o2', 'depart', null, at(2));
    const r = await q.replay(async (a) => {
      if (a.kind === 'start') throw refused(422, 'validation_failed', { code: 'wrong_door_code', message: 'the door check code is wrong: 4 more tries' });
    });
    expect(r.sent.map((a) => a.orderId)).toEqual(['o2']);
    expect(r.rejected).toHaveLength(1);
    const again = new ActionQueue(s, id);
    expect(again.rejected.map((x) => [x.action.kind, x.code, x.message])).toEqual([['start', 'wrong_door_code', 'the door check code is wrong: 4 more tries']]);
    again.dismiss(again.rejected[0].action.key);
    expect(new ActionQueue(s, id).rejected).toHaveLength(0);
  });

  it('keeps the newest refusals only', async () => {
    const q = new ActionQueue(shelf(), id);
    for (let i = 0; i < MAX_REJECTED + 5; i++) q.add(`o${i}`, 'finish', null, at(i));
    await q.replay(async () => {
      throw refused(409, 'invalid_state');
    });
    expect(q.rejected).toHaveLength(MAX_REJECTED);
    expect(q.rejected.at(-1)?.action.orderId).toBe(`o${MAX_REJECTED + 4}`);
  });

  it('runs once at a time', async () => {
    const q = new ActionQueue(shelf(), id);
    q.add('o1', 'depart', null, at(1));
    let release: () => void = () => {};
    const slow = q.replay(() => new Promise<void>((ok) => (release = ok)));
    const meanwhile = await q.replay(async () => {
      throw new Error('not called');
    });
    expect(meanwhile).toEqual({ sent: [], rejected: [], stopped: true });
    release();
    expect((await slow).sent).toHaveLength(1);
  });

  it('tells what to retry from what the server refused', () => {
    expect(retryable(offline())).toBe(true);
    expect(retryable(new TypeError('fetch failed'))).toBe(true);
    expect(retryable({ status: 503 })).toBe(true);
    expect(retryable({ status: 429 })).toBe(true);
    expect(retryable({ status: 409, code: 'idempotency_in_progress' })).toBe(true);
    expect(retryable({ status: 409, code: 'invalid_state' })).toBe(false);
    expect(retryable({ status: 422 })).toBe(false);
    expect(refusal(refused(409, 'invalid_state'))).toEqual({ code: 'invalid_state', message: 'invalid_state detail' });
  });

  it('projects a job’s state through its queued steps', () => {
    const q = new ActionQueue(shelf(), id);
    q.add('o1', 'depart', null);
    q.add('o1', 'check_in', {});
    q.add('o1', 'extra', { item: 'x', quantity: 1 });
    expect(projectedState('accepted', q.of('o1'))).toBe('arrived');
    q.add('o1', 'start', { code: '1' });
    expect(projectedState('accepted', q.of('o1'))).toBe('in_service');
    // Steps that do not fit the state (already applied on the server) move nothing.
    expect(projectedState('in_service', q.of('o1'))).toBe('in_service');
    expect(projectedState('accepted', [])).toBe('accepted');
  });

  it('reads a corrupt shelf as an empty queue', () => {
    const s = shelf();
    s.setItem('daojia.worker.action-queue', '{not json');
    expect(new ActionQueue(s, id).waiting).toEqual([]);
  });
});
