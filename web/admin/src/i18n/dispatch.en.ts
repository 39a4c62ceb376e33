/** The order page's dispatch and service-record panels (English). */
import type { dispatchZhCN } from './dispatch.zh-CN';

export const dispatchEn: typeof dispatchZhCN = {
  dispatchPanel: {
    title: 'Automatic dispatch',
    empty: 'No automatic dispatch yet',
    offers: 'Offers',
    worker: 'Worker',
    status: 'Status',
    sentAt: 'Sent',
    deadline: 'Deadline',
    answeredAt: 'Answered',
    reason: 'Reason',
    grabPool: 'In the grab pool since {since}',
    decision: '{at} · {outcome} · {candidates} feasible, {rejected} rejected',
    candidates: 'Candidates (best first)',
    score: 'Score',
    terms: 'Score terms',
    rejections: 'Rejected workers',
    unexamined: '{n} farther workers not examined',
    statuses: { open: 'Waiting', accepted: 'Accepted', rejected: 'Declined', expired: 'Timed out', withdrawn: 'Withdrawn' },
    outcomes: { offered: 'Offered', grab_pool: 'To the grab pool', exception: 'To exceptions', grab_pool_exception: 'To the grab pool and exceptions' },
  },
  recordPanel: {
    title: 'Service record',
    verified: 'Verified: the chain is intact',
    broken: 'Verification failed',
    entries: '{n} entries',
    seq: 'No.',
    kind: 'Kind',
    at: 'Time',
    hash: 'Hash',
    kinds: { event: 'Order step', check_in: 'Check-in', photo: 'Photo' },
  },
};
