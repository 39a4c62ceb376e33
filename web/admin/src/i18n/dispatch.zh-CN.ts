/** The order page's dispatch panel (Chinese). */
export const dispatchZhCN = {
  dispatchPanel: {
    title: '自动派单',
    empty: '尚无自动派单记录',
    offers: '派单邀请',
    worker: '师傅',
    status: '状态',
    sentAt: '发出',
    deadline: '截止',
    answeredAt: '答复',
    reason: '原因',
    grabPool: '抢单池中，自 {since}',
    decision: '{at} · {outcome} · {candidates} 位可派，{rejected} 位排除',
    candidates: '候选师傅（得分从高到低）',
    score: '得分',
    terms: '评分项',
    rejections: '排除的师傅',
    unexamined: '另有 {n} 位较远的师傅未查看',
    statuses: { open: '等待答复', accepted: '已接单', rejected: '已拒绝', expired: '已超时', withdrawn: '已撤回' },
    outcomes: { offered: '已派出', grab_pool: '进入抢单池', exception: '转异常', grab_pool_exception: '进入抢单池并转异常' },
  },
};
