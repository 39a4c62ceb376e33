//! Typed identifiers. Every entity id is a UUID (v7, so ids sort by creation time) wrapped
//! in its own type, so a `WorkerId` can never be passed where an `OrderId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    )*};
}

id_type!(
    /// A customer (C端 user).
    CustomerId,
    /// A worker (师傅).
    WorkerId,
    /// An operations staff member.
    StaffId,
    /// A login session (one refresh-token family).
    SessionId,
    /// An order.
    OrderId,
    /// A customer's saved address.
    AddressId,
    /// A partner (服务商): a company whose workers serve through the platform.
    PartnerId,
);
