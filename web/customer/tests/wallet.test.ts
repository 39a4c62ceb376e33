import { describe, expect, it } from 'vitest';
import { amountProblem, chipsFor, direction, followTopUp, isFinal, type TopUp } from '../src/wallet';

const limits = { top_up_min_fen: 100, top_up_max_fen: 50_000, max_balance_fen: 120_000 };

function topUp(state: string): TopUp {
  return {
    id: '0193a1b2-0000-7000-8000-000000000001',
    intent_no: 'T2026120604000000000000000000001',
    channel: 'wechat_h5',
    state,
    amount_fen: 20_000,
    code_url: null,
    pay_url: 'https://pay.example/h5',
    expires_at: '2026-12-06T04:15:00Z',
    created_at: '2026-12-06T04:00:00Z',
    succeeded_at: state === 'succeeded' ? '2026-12-06T04:01:00Z' : null,
  };
}

describe('the amount of a top-up', () => {
  it('is refused below the least, above the most, or past what the wallet may hold', () => {
    expect(amountProblem(null, limits, 0)).toBe('invalid');
    expect(amountProblem(0, limits, 0)).toBe('invalid');
    expect(amountProblem(99, limits, 0)).toBe('below_minimum');
    expect(amountProblem(50_001, limits, 0)).toBe('above_maximum');
    expect(amountProblem(50_000, limits, 80_000)).toBe('over_max_balance');
    expect(amountProblem(40_000, limits, 80_000)).toBeNull();
  });

  it('offers only the chips that fit', () => {
    expect(chipsFor(limits, 0)).toEqual([5_000, 10_000, 20_000, 50_000]);
    expect(chipsFor(limits, 100_000)).toEqual([5_000, 10_000, 20_000]);
  });
});

describe('following a top-up', () => {
  it('asks until it is final and reports every state', async () => {
    const states = ['pending', 'pending', 'succeeded', 'succeeded'];
    const seen: string[] = [];
    let asks = 0;
    const f = followTopUp(async () => topUp(states[asks++]!), {
      onUpdate: (t) => seen.push(t.state),
      sleep: async () => {},
    });
    const last = await f.done;
    expect(last?.state).toBe('succeeded');
    expect(seen).toEqual(['pending', 'pending', 'succeeded']);
    expect(asks).toBe(3);
  });

  it('gives up after the most asks, rides over a failed ask, and stops when told', async () => {
    let asks = 0;
    const f = followTopUp(
      async () => {
        asks++;
        if (asks === 2) throw new Error('offline');
        return topUp('pending');
      },
      { onUpdate: () => {}, maxAsks: 5, sleep: async () => {} },
    );
    expect((await f.done)?.state).toBe('pending');
    expect(asks).toBe(5);

    let n = 0;
    const g = followTopUp(async () => topUp('pending'), {
      onUpdate: () => {
        if (++n === 2) g.stop();
      },
      sleep: async () => {},
    });
    await g.done;
    expect(n).toBe(2);
  });

  it('waits longer as it goes', async () => {
    const waits: number[] = [];
    const f = followTopUp(async () => topUp('pending'), {
      onUpdate: () => {},
      maxAsks: 12,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await f.done;
    expect(waits[0]).toBe(1_000);
    expect(waits.at(-1)).toBe(4_000);
    expect(waits.every((w, i) => i === 0 || w >= waits[i - 1]!)).toBe(true);
  });
});

describe('a movement', () => {
  it('is in or out by its sign', () => {
    expect(direction({ amount_fen: 500 })).toBe('in');
    expect(direction({ amount_fen: -500 })).toBe('out');
    expect(isFinal('pending')).toBe(false);
    expect(isFinal('closed')).toBe(true);
  });
});
