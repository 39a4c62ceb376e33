//! Realtime topics and who may subscribe to them.
//!
//! - `board:{area_code}`: a city area's dispatch board; staff with `dispatch.read`.
//! - `order:{id}`: one order; its customer, its assigned worker, staff with `order.read`.
//! - `worker:{id}`: one worker; that worker, staff with `dispatch.read`.
//!
//! Authorisation is checked when subscribing. An order that does not exist is refused like
//! one of somebody else's (`forbidden_topic`), so ids cannot be probed; staff who may read
//! every order or worker are told `unknown_topic` instead.

use crate::state::AppState;
use daojia_app::orders::read;
use daojia_app::workers::Scope;
use daojia_domain::access::{Permission, Role};
use daojia_store::entity::service_order;
use daojia_store::repo::{accounts, catalog_admin};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// A parsed topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// A service area's dispatch board.
    Board(String),
    /// One order.
    Order(Uuid),
    /// One worker.
    Worker(Uuid),
}

impl Topic {
    /// Parses `board:{area}`, `order:{uuid}` or `worker:{uuid}`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Topic> {
        let (kind, rest) = s.split_once(':')?;
        match kind {
            "board" => {
                let ok = !rest.is_empty()
                    && rest.len() <= 64
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ok.then(|| Topic::Board(rest.to_string()))
            }
            "order" => Uuid::parse_str(rest).ok().map(Topic::Order),
            "worker" => Uuid::parse_str(rest).ok().map(Topic::Worker),
            _ => None,
        }
    }

    /// The canonical name (lower-case hyphenated ids), as published.
    pub fn name(&self) -> String {
        match self {
            Topic::Board(area) => board(area),
            Topic::Order(id) => order(*id),
            Topic::Worker(id) => worker(*id),
        }
    }
}

/// The name of an area's board topic.
pub fn board(area_code: &str) -> String {
    format!("board:{area_code}")
}

/// The name of an order's topic.
pub fn order(id: Uuid) -> String {
    format!("order:{id}")
}

/// The name of a worker's topic.
pub fn worker(id: Uuid) -> String {
    format!("worker:{id}")
}

/// Who holds the connection.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A customer.
    Customer(Uuid),
    /// An active worker.
    Worker(Uuid),
    /// An active staff member and the role they held when connecting.
    Staff(Uuid, Role),
}

/// Why a subscription was refused; the code is stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a topic this server knows, or no such area/worker.
    Unknown,
    /// The caller may not subscribe to it.
    Forbidden,
    /// The check itself failed (the database did not answer).
    Internal(String),
}

impl Refusal {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown_topic",
            Refusal::Forbidden => "forbidden_topic",
            Refusal::Internal(_) => "internal",
        }
    }

    /// A sentence for the client.
    pub fn detail(&self) -> &'static str {
        match self {
            Refusal::Unknown => {
                "topics are board:{area_code}, order:{id} and worker:{id}, for an area or worker that exists"
            }
            Refusal::Forbidden => "you may not subscribe to this topic",
            Refusal::Internal(_) => "the subscription could not be checked; try again",
        }
    }
}

fn internal(e: impl std::fmt::Display) -> Refusal {
    Refusal::Internal(e.to_string())
}

fn staff_may(p: &Principal, permission: Permission) -> bool {
    matches!(p, Principal::Staff(_, role) if role.allows(permission))
}

/// Checks that `who` may subscribe to `topic`.
pub async fn authorise(state: &AppState, who: &Principal, topic: &Topic) -> Result<(), Refusal> {
    let db = state.store.db();
    match topic {
        Topic::Board(area) => {
            if !staff_may(who, Permission::DispatchRead) {
                return Err(Refusal::Forbidden);
            }
            match catalog_admin::area(db, area).await.map_err(internal)? {
                Some(_) => Ok(()),
                None => Err(Refusal::Unknown),
            }
        }
        Topic::Order(id) => {
            let order = service_order::Entity::find_by_id(*id)
                .one(db)
                .await
                .map_err(internal)?;
            let staff_reads = staff_may(who, Permission::OrderRead);
            // A partner's staff read only the orders of their partner's workers; any other
            // order is unknown to them, as on the API.
            let scope = match who {
                Principal::Staff(id, role) if staff_reads => {
                    let partner = accounts::staff(db, *id)
                        .await
                        .map_err(internal)?
                        .and_then(|s| s.partner_id);
                    Scope::of_staff(*role, partner)
                }
                _ => Scope::All,
            };
            let order = match order {
                Some(o) if !read::sees(db, scope, &o).await.map_err(internal)? => None,
                o => o,
            };
            match (order, who) {
                (None, _) if staff_reads => Err(Refusal::Unknown),
                (None, _) => Err(Refusal::Forbidden),
                (Some(_), _) if staff_reads => Ok(()),
                (Some(o), Principal::Customer(c)) if o.customer_id == *c => Ok(()),
                (Some(o), Principal::Worker(w)) if o.worker_id == Some(*w) => Ok(()),
                _ => Err(Refusal::Forbidden),
            }
        }
        Topic::Worker(id) => match who {
            Principal::Worker(w) if w == id => Ok(()),
            p if staff_may(p, Permission::DispatchRead) => {
                match accounts::worker(db, *id).await.map_err(internal)? {
                    Some(_) => Ok(()),
                    None => Err(Refusal::Unknown),
                }
            }
            _ => Err(Refusal::Forbidden),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_to_their_canonical_names_and_nothing_else_parses() {
        let id = "0195f0a4-7c1e-7000-8000-000000000001";
        assert_eq!(
            Topic::parse("board:sh-xuhui"),
            Some(Topic::Board("sh-xuhui".into()))
        );
        assert_eq!(
            Topic::parse(&format!("order:{}", id.to_uppercase()))
                .unwrap()
                .name(),
            format!("order:{id}")
        );
        assert_eq!(
            Topic::parse(&format!("worker:{id}")).unwrap().name(),
            format!("worker:{id}")
        );
        for bad in [
            "",
            "board",
            "board:",
            "board:a b",
            "board:*",
            "order:42",
            "worker:",
            "plan:1",
            "Board:sh",
        ] {
            assert_eq!(Topic::parse(bad), None, "{bad}");
        }
    }
}
