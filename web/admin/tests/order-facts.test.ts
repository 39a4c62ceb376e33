import { describe, expect, it } from 'vitest';
import { orderPin, splitMinutes, streetAddress, workingTime } from '../src/pages/order/facts';

describe("the console's order facts", () => {
  it('pins the address when it has a position', () => {
    expect(orderPin({ lat: 31.2, lng: 121.45 })).toEqual({ lat: 31.2, lng: 121.45 });
    expect(orderPin({ lat: 0, lng: 0 })).toBeNull();
    expect(orderPin({ lat: Number.NaN, lng: 121 })).toBeNull();
    expect(orderPin({ lat: 95, lng: 121 })).toBeNull();
  });

  it('shows the house number apart from the street the server gives it with', () => {
    expect(streetAddress({ address: '衡山路626号 阳光花园 14号楼1802室', house_number: '14号楼1802室' })).toBe('衡山路626号 阳光花园');
    expect(streetAddress({ address: '衡山路626号 ', house_number: '' })).toBe('衡山路626号');
    expect(streetAddress({ address: '衡山路626号', house_number: '6号' })).toBe('衡山路626号');
    expect(streetAddress({ address: '1802室', house_number: '1802室' })).toBe('1802室');
  });

  it('says a working time in hours and minutes', () => {
    expect(splitMinutes(150)).toEqual({ h: 2, m: 30 });
    expect(workingTime(45)).toEqual(['orderDetail.minutes', { n: 45 }]);
    expect(workingTime(120)).toEqual(['orderDetail.hours', { h: 2 }]);
    expect(workingTime(150)).toEqual(['orderDetail.hoursMinutes', { h: 2, m: 30 }]);
    expect(workingTime(-5)).toEqual(['orderDetail.minutes', { n: 0 }]);
  });
});
