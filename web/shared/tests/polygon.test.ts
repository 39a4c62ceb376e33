import { describe, expect, it } from 'vitest';
import { closeRing, insertVertex, midpoints, moveVertex, openRing, readAreasGeoJson, removeVertex, ringProblem, selfCrossing, type Position } from '../src/map/polygon';

const SQUARE: Position[] = [
  [121.4, 31.15],
  [121.5, 31.15],
  [121.5, 31.25],
  [121.4, 31.25],
];

describe('an area outline', () => {
  it('is edited open and sent closed', () => {
    const closed = closeRing(SQUARE);
    expect(closed).toHaveLength(5);
    expect(closed[4]).toEqual(closed[0]);
    expect(openRing(closed)).toEqual(SQUARE);
    // Closing twice, or a repeated corner, changes nothing.
    expect(closeRing(closed)).toEqual(closed);
    expect(openRing([SQUARE[0], SQUARE[0], ...SQUARE.slice(1)])).toEqual(SQUARE);
    expect(closeRing([])).toEqual([]);
  });

  it('gains, moves and loses corners without touching the original', () => {
    const added = insertVertex(SQUARE, 0, [121.45, 31.1]);
    expect(added[1]).toEqual([121.45, 31.1]);
    expect(insertVertex(SQUARE, -1, [1, 2]).at(-1)).toEqual([1, 2]);
    expect(moveVertex(SQUARE, 2, [121.6, 31.3])[2]).toEqual([121.6, 31.3]);
    expect(removeVertex(SQUARE, 0)).toEqual(SQUARE.slice(1));
    expect(SQUARE).toHaveLength(4);
    expect(midpoints(SQUARE)[0]).toEqual([121.45, 31.15]);
    expect(midpoints(SQUARE)).toHaveLength(4);
    expect(midpoints(SQUARE.slice(0, 2))).toHaveLength(1);
  });

  it('says what the server would refuse', () => {
    expect(ringProblem(SQUARE)).toBeNull();
    expect(ringProblem(closeRing(SQUARE))).toBeNull();
    expect(ringProblem(SQUARE.slice(0, 2))).toBe('too_few_points');
    // Latitude first by mistake.
    expect(ringProblem(SQUARE.map(([lng, lat]) => [lat, lng] as Position))).toBe('out_of_bounds');
    const bowtie: Position[] = [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3]];
    expect(selfCrossing(bowtie)).not.toBeNull();
    expect(ringProblem(bowtie)).toBe('self_intersecting');
    expect(ringProblem([[121.4, 31.1], [121.5, 31.1], [121.6, 31.1]])).not.toBeNull();
  });

  it('is read from a GeoJSON upload with each feature checked', () => {
    const file = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: 'sh-a', name: '甲' }, geometry: { type: 'Polygon', coordinates: [closeRing(SQUARE)] } },
        { type: 'Feature', properties: { name: '乙' }, geometry: { type: 'Polygon', coordinates: [closeRing(SQUARE)] } },
        { type: 'Feature', properties: { code: 'sh-c' }, geometry: { type: 'Point', coordinates: [121.4, 31.2] } },
      ],
    });
    const areas = readAreasGeoJson(file);
    expect(areas.map((a) => [a.code, a.problem])).toEqual([
      ['sh-a', null],
      [null, 'no_code'],
      ['sh-c', 'not_a_polygon'],
    ]);
    expect(areas[0].ring).toEqual(SQUARE);
    expect(() => readAreasGeoJson('{"type":"Point"}')).toThrow();
    expect(() => readAreasGeoJson('not json')).toThrow();
  });
});
