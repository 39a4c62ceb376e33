import { describe, expect, it } from 'vitest';
import { RealtimeConnection, TOKEN_EXPIRED, type RealtimeMessage, type SocketLike } from '../src/realtime';

class MockSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: unknown[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  deliver(m: object): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

function harness(token: () => string | null = () => 'tok') {
  const sockets: MockSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let refreshes = 0;
  const conn = new RealtimeConnection({
    url: 'ws://test/api/v1/realtime',
    token,
    refresh: async () => {
      refreshes += 1;
      return true;
    },
    socket: (url) => {
      const s = new MockSocket(url);
      sockets.push(s);
      return s;
    },
    initialDelay: 1000,
    maxDelay: 8000,
    random: () => 1,
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
  });
  return { conn, sockets, timers, refreshes: () => refreshes };
}

describe('realtime connection', () => {
  it('connects with the token, subscribes on open and hands events to the topic handlers', () => {
    const h = harness();
    const got: RealtimeMessage[] = [];
    h.conn.subscribe('board:sh-xuhui', (m) => got.push(m));
    expect(h.sockets).toHaveLength(1);
    expect(h.sockets[0]!.url).toBe('ws://test/api/v1/realtime?token=tok');
    expect(h.conn.status.value).toBe('connecting');
    h.sockets[0]!.open();
    expect(h.conn.status.value).toBe('open');
    expect(h.sockets[0]!.sent).toEqual([{ op: 'subscribe', topic: 'board:sh-xuhui' }]);
    const event = { type: 'event', topic: 'board:sh-xuhui', event: 'order.changed', data: { id: 'o1' }, id: 'o1:2' };
    h.sockets[0]!.deliver(event);
    h.sockets[0]!.deliver({ ...event, topic: 'board:other' });
    h.sockets[0]!.deliver({ type: 'subscribed', topic: 'board:sh-xuhui' });
    expect(got).toEqual([event]);
  });

  it('reconnects with a doubling delay, subscribes again and says messages may be missed', () => {
    const h = harness();
    const got: RealtimeMessage[] = [];
    h.conn.subscribe('order:1', (m) => got.push(m));
    h.sockets[0]!.open();
    h.sockets[0]!.drop();
    expect(h.conn.status.value).toBe('waiting');
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    h.timers[0]!.fn();
    // The second attempt fails before opening: the delay doubles.
    h.sockets[1]!.drop();
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000]);
    h.timers[1]!.fn();
    h.sockets[2]!.open();
    expect(h.sockets[2]!.sent).toEqual([{ op: 'subscribe', topic: 'order:1' }]);
    expect(got).toEqual([{ type: 'missed', topic: 'order:1', reason: 'reconnected' }]);
    // Once open again, the delay starts over.
    h.sockets[2]!.drop();
    expect(h.timers[2]!.ms).toBe(1000);
  });

  it('caps the delay', () => {
    const h = harness();
    h.conn.subscribe('order:1', () => {});
    for (let i = 0; i < 6; i++) {
      h.sockets[i]!.drop();
      h.timers[i]!.fn();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('refreshes the token before reconnecting when it expired', async () => {
    const h = harness();
    h.conn.subscribe('order:1', () => {});
    h.sockets[0]!.open();
    h.sockets[0]!.drop(TOKEN_EXPIRED);
    h.timers[0]!.fn();
    await Promise.resolve();
    await Promise.resolve();
    expect(h.refreshes()).toBe(1);
    expect(h.sockets).toHaveLength(2);
  });

  it('unsubscribes when the last handler goes, and closes when no topic is left', () => {
    const h = harness();
    const a = h.conn.subscribe('order:1', () => {});
    const b = h.conn.subscribe('order:1', () => {});
    h.sockets[0]!.open();
    a();
    expect(h.sockets[0]!.sent).toEqual([{ op: 'subscribe', topic: 'order:1' }]);
    b();
    expect(h.sockets[0]!.sent).toContainEqual({ op: 'unsubscribe', topic: 'order:1' });
    expect(h.sockets[0]!.closed).toBe(true);
    expect(h.conn.status.value).toBe('idle');
    expect(h.timers).toHaveLength(0);
  });

  it('passes a refusal to the handler and does not ask again after a reconnect', () => {
    const h = harness();
    const got: RealtimeMessage[] = [];
    h.conn.subscribe('board:x', (m) => got.push(m));
    h.conn.subscribe('order:1', () => {});
    h.sockets[0]!.open();
    h.sockets[0]!.deliver({ type: 'error', topic: 'board:x', code: 'forbidden_topic', detail: 'no' });
    expect(got).toEqual([{ type: 'error', topic: 'board:x', code: 'forbidden_topic', detail: 'no' }]);
    h.sockets[0]!.drop();
    h.timers[0]!.fn();
    h.sockets[1]!.open();
    expect(h.sockets[1]!.sent).toEqual([{ op: 'subscribe', topic: 'order:1' }]);
  });

  it('does not connect while signed out', () => {
    const h = harness(() => null);
    h.conn.subscribe('order:1', () => {});
    expect(h.sockets).toHaveLength(0);
    expect(h.conn.status.value).toBe('idle');
  });
});
