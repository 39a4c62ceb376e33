/**
 * Paying inside WeChat (JSAPI) from a page: the flow of `jsapi.ts` with this browser's
 * bridge, storage and address, the server's authorisation, and the page's messages. Used
 * by the order's pay sheet and the wallet's top-up alike.
 */
import { useI18n } from 'vue-i18n';
import { authorizeWechat } from '../api';
import { jsapiPay } from './jsapi';
import { returnAddress, waitForBridge } from './wechat';

/** The JSAPI flow in this page (see the module). */
export function useWechatPay() {
  const { t, te } = useI18n();
  return jsapiPay({
    t: (key, values) => (values ? t(key, values) : t(key)),
    te: (key) => te(key),
    bridge: () => waitForBridge(window as unknown as Parameters<typeof waitForBridge>[0], document),
    authorize: (returnTo) => authorizeWechat(returnTo),
    returnTo: () => returnAddress(window.location),
    assign: (url) => window.location.assign(url),
    store: sessionStorage,
    now: Date.now,
  });
}
