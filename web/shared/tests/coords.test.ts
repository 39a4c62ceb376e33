import { describe, expect, it } from 'vitest';
import { distanceM, fromDisplay, gcj02ToWgs84, outsideChina, ringsBounds, toDisplay, wgs84ToGcj02 } from '../src/map/coords';

const bund = { lat: 31.2397, lng: 121.4998 };

describe('GCJ-02', () => {
  it('shifts a point in Shanghai by a few hundred metres, north-east', () => {
    const g = wgs84ToGcj02(bund);
    const d = distanceM(bund, g);
    expect(d).toBeGreaterThan(300);
    expect(d).toBeLessThan(700);
    expect(g.lng).toBeGreaterThan(bund.lng);
  });

  it('comes back to the WGS-84 point within a centimetre', () => {
    for (const p of [bund, { lat: 39.9087, lng: 116.3975 }, { lat: 22.5431, lng: 114.0579 }]) {
      expect(distanceM(gcj02ToWgs84(wgs84ToGcj02(p)), p)).toBeLessThan(0.01);
    }
  });

  it('leaves points outside China alone', () => {
    const london = { lat: 51.5074, lng: -0.1278 };
    expect(outsideChina(london)).toBe(true);
    expect(wgs84ToGcj02(london)).toEqual(london);
    expect(gcj02ToWgs84(london)).toEqual(london);
  });

  it('converts only for GCJ-02 tiles', () => {
    expect(toDisplay(bund, 'wgs84')).toEqual(bund);
    expect(fromDisplay(toDisplay(bund, 'gcj02'), 'gcj02').lat).toBeCloseTo(bund.lat, 7);
  });
});

describe('ringsBounds', () => {
  it('boxes GeoJSON rings given as [lng, lat]', () => {
    expect(ringsBounds([[[121.4, 31.1], [121.5, 31.2], [121.45, 31.25]]])).toEqual([
      { lat: 31.1, lng: 121.4 },
      { lat: 31.25, lng: 121.5 },
    ]);
    expect(ringsBounds([])).toBeNull();
  });
});
