import { describe, expect, it } from 'vitest';
import { authorizeUrl, returnedCode, stateTag, waitsForPayee, withdrawalAmount } from '../src/earnings';

describe('the worker’s earnings', () => {
  it('reads a withdrawal in yuan and refuses nothing, nonsense and more than the balance', () => {
    expect(withdrawalAmount('12.5', 5000)).toEqual({ fen: 1250 });
    expect(withdrawalAmount(' 50 ', 5000)).toEqual({ fen: 5000 });
    expect(withdrawalAmount('0', 5000)).toEqual({ error: 'earnings.amountInvalid' });
    expect(withdrawalAmount('abc', 5000)).toEqual({ error: 'earnings.amountInvalid' });
    expect(withdrawalAmount('50.01', 5000)).toEqual({ error: 'earnings.overBalance' });
  });

  it('shows paid, returned and waiting withdrawals apart', () => {
    expect(stateTag('paid')).toBe('success');
    expect(stateTag('failed')).toBe('danger');
    expect(stateTag('rejected')).toBe('danger');
    expect(stateTag('requested')).toBe('warning');
  });

  it('offers 确认收款 only on an approved WeChat withdrawal whose bill waits for the payee', () => {
    expect(waitsForPayee({ channel: 'wechat', state: 'approved', transfer_state: 'WAIT_USER_CONFIRM' })).toBe(true);
    expect(waitsForPayee({ channel: 'wechat', state: 'approved', transfer_state: 'TRANSFERING' })).toBe(false);
    expect(waitsForPayee({ channel: 'wechat', state: 'paid', transfer_state: 'SUCCESS' })).toBe(false);
    expect(waitsForPayee({ channel: 'bank', state: 'approved', transfer_state: null })).toBe(false);
  });

  it('sends the browser to the silent authorisation and reads the code it brings back', () => {
    const url = authorizeUrl('https://open.weixin.qq.com/connect/oauth2/authorize', 'wx1', 'https://d.example/worker/earnings', 's1');
    expect(url).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1&redirect_uri=https%3A%2F%2Fd.example%2Fworker%2Fearnings&response_type=code&scope=snsapi_base&state=s1#wechat_redirect',
    );
    expect(authorizeUrl(null, 'wx1', 'https://d.example/', 's1')).toBeNull();
    expect(returnedCode('?code=abc&state=s1')).toEqual({ code: 'abc', state: 's1' });
    expect(returnedCode('?state=s1')).toBeNull();
  });
});
