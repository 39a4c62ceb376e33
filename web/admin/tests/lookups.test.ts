import { describe, expect, it } from 'vitest';
import { assignmentGroups, skillsFor } from '../src/lookups';

const w = (id: string, area: string | null, skills: string[], rating = 4.5, active = true) => ({ id, area_code: area, skills, rating, active });

describe('manual assignment', () => {
  it('needs the skills of every item ordered', () => {
    const cat = {
      categories: [],
      items: [
        { code: 'deep_cleaning', skills: ['deep_cleaning'] },
        { code: 'ac_cleaning', skills: ['appliance_cleaning', 'deep_cleaning'] },
      ],
    } as never;
    expect(skillsFor(['deep_cleaning', 'ac_cleaning', 'unknown'], cat).sort()).toEqual(['appliance_cleaning', 'deep_cleaning']);
    expect(skillsFor(['deep_cleaning'], null)).toEqual([]);
  });

  it('offers skilled workers of the area first, best rated first, then skilled elsewhere, then the rest', () => {
    const all = [
      w('a', 'sh-xuhui', ['cleaning'], 4.2),
      w('b', 'sh-xuhui', ['cleaning', 'deep_cleaning'], 4.9),
      w('c', 'sh-jingan', ['cleaning'], 5.0),
      w('d', 'sh-xuhui', ['cleaning'], 4.8),
      w('e', 'sh-xuhui', ['cleaning'], 5.0, false),
      w('f', 'sh-xuhui', ['car_wash'], 4.0),
    ];
    const groups = assignmentGroups(all, 'sh-xuhui', ['cleaning']);
    expect(groups.map((g) => [g.kind, g.workers.map((x) => x.id)])).toEqual([
      ['area', ['b', 'd', 'a']],
      ['skilled', ['c']],
      ['other', ['f']],
    ]);
  });

  it('leaves out empty groups, and has no "area" group for an order without one', () => {
    expect(assignmentGroups([w('a', 'sh-xuhui', ['x'])], null, ['x']).map((g) => g.kind)).toEqual(['skilled']);
    expect(assignmentGroups([], 'sh-xuhui', [])).toEqual([]);
  });
});
