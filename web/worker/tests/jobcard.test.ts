import { describe, expect, it } from 'vitest';
import { callAction, cardFacts, isIos, navOptions, type Navigation } from '../src/jobcard';

const nav: Navigation = {
  gcj02: { lat: 39.916404, lng: 116.410244 },
  bd09: { lat: 39.9227, lng: 116.416627 },
  amap: 'amapuri://route/plan/?sourceApplication=daojia&dlat=39.916404&dlon=116.410244&dname=x&dev=0&t=0',
  amap_ios: 'iosamap://path?sourceApplication=daojia&dlat=39.916404&dlon=116.410244&dname=x&dev=0&t=0',
  tencent: 'qqmap://map/routeplan?type=drive&fromcoord=CurrentLocation&to=x&tocoord=39.916404,116.410244&referer=daojia',
  baidu: 'baidumap://map/direction?destination=latlng:39.922700,116.416627%7Cname:x&coord_type=bd09ll&mode=driving&src=daojia',
  web: 'https://uri.amap.com/navigation?to=116.410244,39.916404,x&mode=car&policy=0&coordinate=gaode&callnative=1&src=daojia',
};

describe('the 导航 sheet', () => {
  it('offers AMap, Tencent, Baidu and the web page, with the links the server made', () => {
    expect(navOptions(nav, false)).toEqual([
      { key: 'amap', url: nav.amap },
      { key: 'tencent', url: nav.tencent },
      { key: 'baidu', url: nav.baidu },
      { key: 'web', url: nav.web },
    ]);
  });

  it('opens AMap by its iOS scheme on an iPhone', () => {
    expect(navOptions(nav, true)[0]).toEqual({ key: 'amap', url: nav.amap_ios });
  });

  it('offers nothing for a job kept on the phone from before the links', () => {
    expect(navOptions(undefined, false)).toEqual([]);
  });

  it('tells an iPhone or iPad from an Android phone', () => {
    expect(isIos('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)')).toBe(true);
    expect(isIos('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 5)).toBe(true);
    expect(isIos('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 0)).toBe(false);
    expect(isIos('Mozilla/5.0 (Linux; Android 14; Pixel 8)')).toBe(false);
  });
});

describe('the card’s facts', () => {
  it('shows the notes when there are some, the tools and the masked phone', () => {
    expect(cardFacts({ notes: '  门禁请按 1201# ', tools: ['吸尘器', '抹布'], contact_phone_masked: '138****5678' })).toEqual({
      notes: '门禁请按 1201#',
      tools: ['吸尘器', '抹布'],
      phone: '138****5678',
    });
  });

  it('shows no notes for blank ones and copes with a day kept from before the card', () => {
    expect(cardFacts({ notes: '  ', tools: [], contact_phone_masked: '' })).toEqual({ notes: null, tools: [], phone: null });
    const old = {} as Parameters<typeof cardFacts>[0];
    expect(cardFacts(old)).toEqual({ notes: null, tools: [], phone: null });
  });
});

describe('a call', () => {
  it('only shows a masked number', () => {
    expect(callAction({ number: '138****5678', dialable: false })).toEqual({ dial: null, show: '138****5678' });
  });

  it('dials a privacy number, with nothing but what a dialler takes', () => {
    expect(callAction({ number: '+86 170-1234-5678,123#', dialable: true })).toEqual({
      dial: 'tel:+8617012345678,123#',
      show: '+86 170-1234-5678,123#',
    });
    expect(callAction({ number: 'javascript:alert(1)', dialable: true }).dial).toBe('tel:1');
  });
});
