/** The worker app's own messages (Simplified Chinese). */
export const zhCN = {
  title: '到家师傅',
  login: {
    title: '师傅登录',
    tagline: '接单、上门服务、查看收入，一个应用搞定',
    note: '仅限已入驻平台的师傅登录；入驻请联系平台运营',
  },
  presence: {
    title: '接单状态',
    online: '上线',
    onlineHint: '在线：平台可以联系到你',
    offlineHint: '离线：不会收到新订单',
    mode: '模式',
    accepting: '接单',
    rest: '休息',
    credit: '信用分',
    grabSuspended: '信用分过低，{until} 前不能抢单',
    status: {
      onboarding: '资料审核中，审核通过后可上线',
      active: '在岗',
      suspended: '账号已暂停',
      left: '已离职',
    },
  },
  home: {
    phone: '手机号',
    skills: '服务技能',
    noSkills: '暂未登记技能',
    rating: '评分',
    area: '服务区域',
    noArea: '未分配',
    account: '我的账号',
    sessions: '登录设备',
    language: '语言',
  },
};

export type WorkerMessages = typeof zhCN;
