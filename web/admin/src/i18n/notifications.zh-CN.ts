/** The console's notification sends (Chinese). */
export const notificationsZhCN = {
  notifications: {
    title: '通知发送记录',
    explain: '每条通知在每个渠道（站内消息、短信、推送）的发送：状态、尝试次数、最近一次错误。客户说没收到通知时，先在这里查。',
    kind: '类型',
    channel: '渠道',
    state: '状态',
    any: '全部',
    at: '时间',
    recipient: '接收人',
    audiences: {
      customer: '客户',
      worker: '师傅',
    },
    titleCol: '标题',
    attempts: '尝试次数',
    target: '发送到',
    lastError: '最近错误 / 说明',
    notBefore: '不早于',
    sentAt: '送达时间',
    channels: {
      inbox: '站内消息',
      sms: '短信',
      push: '推送',
    },
    states: {
      pending: '待发送',
      retrying: '重试中',
      sent: '已发送',
      failed: '失败',
      skipped: '已跳过',
    },
    none: '暂无发送记录',
  },
};
