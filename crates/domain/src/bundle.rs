//! Orders needing several trades (多工种订单): when no single worker holds every skill an
//! order's items need, the order is split into linked visits, one per trade, each
//! dispatched on its own and shown to the customer as one order (docs/adr/0008).
//!
//! This module owns the pure decisions: which items go together ([`trades`]) and how an
//! amount of money is shared out over the visits ([`share`]), so that the visits' amounts
//! add up to the order's to the fen.

use crate::money::Money;
use crate::order::OrderState;
use crate::order::policy::Policy;

fn holds(worker: &[String], needed: &[String]) -> bool {
    needed.iter().all(|s| worker.contains(s))
}

/// Groups the lines of an order into trades, given the skills each line needs and the
/// skill sets of the workers who could come: each line joins the first group that some
/// worker can serve with it, or starts a new one. When one worker holds every skill, the
/// order stays one group (one visit, as before bundles existed).
///
/// Returns the groups (line indexes, in line order, groups in order of their first line),
/// or the index of the first line whose skills nobody holds.
pub fn trades(lines: &[Vec<String>], workers: &[Vec<String>]) -> Result<Vec<Vec<usize>>, usize> {
    let mut groups: Vec<(Vec<usize>, Vec<String>)> = vec![];
    for (i, needs) in lines.iter().enumerate() {
        if !workers.iter().any(|w| holds(w, needs)) {
            return Err(i);
        }
        let joined = groups.iter_mut().find(|(_, skills)| {
            let mut union = skills.clone();
            union.extend(needs.iter().filter(|s| !skills.contains(s)).cloned());
            workers.iter().any(|w| holds(w, &union))
        });
        match joined {
            Some((members, skills)) => {
                members.push(i);
                for s in needs {
                    if !skills.contains(s) {
                        skills.push(s.clone());
                    }
                }
            }
            None => groups.push((vec![i], needs.clone())),
        }
    }
    Ok(groups.into_iter().map(|(members, _)| members).collect())
}

/// Shares `amount` out over parts in proportion to `weights` (all zero: equally), rounding
/// down and giving the fen left over to the first parts, so the shares add up to `amount`
/// exactly. The same inputs always give the same shares.
pub fn share(amount: Money, weights: &[Money]) -> Vec<Money> {
    if weights.is_empty() {
        return vec![];
    }
    let total: i128 = weights.iter().map(|w| i128::from(w.as_fen().max(0))).sum();
    let n = weights.len() as i128;
    let a = i128::from(amount.as_fen());
    let mut shares: Vec<i128> = weights
        .iter()
        .map(|w| {
            if total == 0 {
                a / n
            } else {
                a * i128::from(w.as_fen().max(0)) / total
            }
        })
        .collect();
    let mut left = a - shares.iter().sum::<i128>();
    let step = left.signum();
    let (mut k, parts) = (0, shares.len());
    while left != 0 {
        shares[k % parts] += step;
        left -= step;
        k += 1;
    }
    shares
        .into_iter()
        .map(|s| Money::fen(i64::try_from(s).expect("a share is at most the amount")))
        .collect()
}

/// The policy of each visit: the order's, with the late-cancellation fee's cap shared out
/// by the visits' totals, so cancelling every visit late costs what cancelling the one
/// order would (each visit's fee is the same percentage of its own total).
pub fn policies(policy: Policy, totals: &[Money]) -> Vec<Policy> {
    share(policy.late_cancel_fee_cap, totals)
        .into_iter()
        .map(|cap| Policy {
            late_cancel_fee_cap: cap,
            ..policy
        })
        .collect()
}

/// The state the customer sees of an order made of visits in `states`: cancelled when
/// every visit is, else the least advanced of the visits not cancelled (the order is
/// completed only when every visit is).
pub fn order_state(states: &[OrderState]) -> OrderState {
    let rank = |s: &OrderState| OrderState::ALL.iter().position(|x| x == s);
    states
        .iter()
        .filter(|s| **s != OrderState::Cancelled)
        .min_by_key(|s| rank(s))
        .copied()
        .unwrap_or(OrderState::Cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn one_worker_with_every_skill_keeps_the_order_whole() {
        let lines = vec![s(&["cleaning"]), s(&["appliance"])];
        let workers = vec![s(&["cleaning"]), s(&["cleaning", "appliance"])];
        assert_eq!(trades(&lines, &workers), Ok(vec![vec![0, 1]]));
    }

    #[test]
    fn two_trades_nobody_holds_together_make_two_groups() {
        let lines = vec![s(&["cleaning"]), s(&["appliance"]), s(&["cleaning"])];
        let workers = vec![s(&["cleaning"]), s(&["appliance"])];
        assert_eq!(trades(&lines, &workers), Ok(vec![vec![0, 2], vec![1]]));
    }

    #[test]
    fn a_line_nobody_can_serve_is_named() {
        let lines = vec![s(&["cleaning"]), s(&["nursing"])];
        let workers = vec![s(&["cleaning"])];
        assert_eq!(trades(&lines, &workers), Err(1));
    }

    #[test]
    fn shares_add_up_to_the_amount_to_the_fen() {
        let w = [Money::fen(15_900), Money::fen(8_000), Money::fen(1)];
        for a in [0, 1, 2, 3, 5_000, 23_901, 99_999] {
            let got = share(Money::fen(a), &w);
            assert_eq!(got.iter().copied().sum::<Money>(), Money::fen(a), "{a}");
            assert!(got.iter().all(|x| *x >= Money::ZERO));
        }
        assert_eq!(
            share(Money::fen(100), &[Money::ZERO, Money::ZERO]),
            vec![Money::fen(50), Money::fen(50)]
        );
    }

    #[test]
    fn the_order_completes_when_every_visit_has() {
        use OrderState::*;
        assert_eq!(order_state(&[Completed, InService]), InService);
        assert_eq!(order_state(&[Completed, Completed]), Completed);
        assert_eq!(order_state(&[Cancelled, Accepted]), Accepted);
        assert_eq!(order_state(&[Cancelled, Cancelled]), Cancelled);
    }

    #[test]
    fn shared_caps_make_the_late_fee_of_the_order() {
        let p = Policy::default();
        let totals = [Money::fen(30_000), Money::fen(20_000)];
        let per: Money = policies(p, &totals)
            .iter()
            .zip(totals)
            .map(|(q, t)| q.late_cancel_fee(t))
            .sum();
        assert_eq!(per, p.late_cancel_fee(Money::fen(50_000)));
    }
}
