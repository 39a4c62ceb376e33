import { describe, expect, it } from 'vitest';
import { ageParts, positionView } from '../src/pages/order/workerPosition';

describe("the worker's position on the way", () => {
  it('grows older while nothing new arrives (a locked phone) and says so', () => {
    const track = { last: { age_secs: 20 }, eta_secs: 610 };
    expect(positionView(track, 1_000, 1_000)).toEqual({ etaMin: 10, ageSecs: 20, stale: false });
    const later = positionView(track, 1_000, 1_000 + 300_000)!;
    expect(later.ageSecs).toBe(320);
    expect(later.stale).toBe(true);
    expect(ageParts(later.ageSecs)).toEqual({ unit: 'min', n: 5 });
    expect(ageParts(30)).toEqual({ unit: 'now', n: 0 });
  });

  it('shows nothing without a position, and no ETA when the server has none', () => {
    expect(positionView({ last: null, eta_secs: 100 }, 0, 0)).toBeNull();
    expect(positionView({ last: { age_secs: 0 }, eta_secs: null }, 0, 0)?.etaMin).toBeNull();
  });
});
