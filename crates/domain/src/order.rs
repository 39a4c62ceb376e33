//! The order's states and the state machine that moves an order between them. Every state
//! the lifecycle in DOMAIN.md names exists from the start, so that later capabilities
//! (dispatch, the visit, payments, after-sales) add behaviour, not states.

pub mod machine;
pub mod policy;

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::access::UnknownName;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Placed, waiting for the customer's payment (or deposit).
    PendingPayment,
    /// Paid, waiting for a worker to be chosen.
    PendingDispatch,
    /// Offered to one worker, waiting for their answer.
    PendingAccept,
    /// A worker has taken it.
    Accepted,
    /// The worker is on the way.
    EnRoute,
    /// The worker checked in at the door; service has not started yet (it needs the
    /// customer's door check code).
    Arrived,
    /// The worker checked in at the door and is serving.
    InService,
    /// Service done; waiting for the customer's confirmation (待确认), or for the
    /// confirmation window to lapse.
    PendingSettlement,
    /// The customer confirmed the service (or the window lapsed) while money is still owed
    /// (待付尾款): the order completes once the balance is paid.
    AwaitingBalance,
    /// Done and paid.
    Completed,
    /// A complaint after completion is being handled (rework or refund).
    AfterSales,
    /// Cancelled by the customer, staff or policy.
    Cancelled,
}

/// The four-plus states a customer sees (待支付, 待接单, 待服务, 服务中, 已完成, 已取消, 售后).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerView {
    /// 待支付
    AwaitingPayment,
    /// 待接单
    AwaitingWorker,
    /// 待服务
    AwaitingService,
    /// 服务中
    InService,
    /// 已完成
    Completed,
    /// 已取消
    Cancelled,
    /// 售后
    AfterSales,
}

/// States of an order that holds a worker's time on their route: offered, accepted, on the
/// way, at the door, serving.
pub const ON_A_ROUTE: [OrderState; 5] = [
    OrderState::PendingAccept,
    OrderState::Accepted,
    OrderState::EnRoute,
    OrderState::Arrived,
    OrderState::InService,
];

impl OrderState {
    /// Every state.
    pub const ALL: &'static [OrderState] = &[
        OrderState::PendingPayment,
        OrderState::PendingDispatch,
        OrderState::PendingAccept,
        OrderState::Accepted,
        OrderState::EnRoute,
        OrderState::Arrived,
        OrderState::InService,
        OrderState::PendingSettlement,
        OrderState::AwaitingBalance,
        OrderState::Completed,
        OrderState::AfterSales,
        OrderState::Cancelled,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::PendingPayment => "pending_payment",
            OrderState::PendingDispatch => "pending_dispatch",
            OrderState::PendingAccept => "pending_accept",
            OrderState::Accepted => "accepted",
            OrderState::EnRoute => "en_route",
            OrderState::Arrived => "arrived",
            OrderState::InService => "in_service",
            OrderState::PendingSettlement => "pending_settlement",
            OrderState::AwaitingBalance => "awaiting_balance",
            OrderState::Completed => "completed",
            OrderState::AfterSales => "after_sales",
            OrderState::Cancelled => "cancelled",
        }
    }

    /// What the customer sees for this state.
    pub fn customer_view(self) -> CustomerView {
        match self {
            OrderState::PendingPayment => CustomerView::AwaitingPayment,
            OrderState::PendingDispatch | OrderState::PendingAccept => CustomerView::AwaitingWorker,
            OrderState::Accepted | OrderState::EnRoute | OrderState::Arrived => {
                CustomerView::AwaitingService
            }
            OrderState::InService | OrderState::PendingSettlement => CustomerView::InService,
            OrderState::AwaitingBalance => CustomerView::AwaitingPayment,
            OrderState::Completed => CustomerView::Completed,
            OrderState::AfterSales => CustomerView::AfterSales,
            OrderState::Cancelled => CustomerView::Cancelled,
        }
    }

    /// True for states no transition leaves except after-sales.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderState::Completed | OrderState::Cancelled)
    }
}

impl FromStr for OrderState {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderState::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_name_round_trips() {
        for s in OrderState::ALL {
            assert_eq!(s.as_str().parse::<OrderState>().unwrap(), *s);
        }
    }

    #[test]
    fn the_customer_sees_awaiting_worker_while_dispatch_runs() {
        assert_eq!(
            OrderState::PendingAccept.customer_view(),
            CustomerView::AwaitingWorker
        );
        assert_eq!(
            OrderState::EnRoute.customer_view(),
            CustomerView::AwaitingService
        );
    }
}
