/** The customer app's own messages (Simplified Chinese). */
export const zhCN = {
  title: '到家',
  login: {
    title: '登录到家',
    tagline: '保洁、维修、护理，专业师傅上门服务',
    agreement: '未注册的手机号验证后将自动创建账号',
  },
  home: {
    greeting: '你好，{name}',
    phone: '手机号',
    memberSince: '注册于 {date}',
    account: '我的账号',
    sessions: '登录设备',
    language: '语言',
  },
};

export type CustomerMessages = typeof zhCN;
