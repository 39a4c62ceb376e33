//! Who may do what: the three audiences, the staff roles and their permissions.
//!
//! A role is a fixed set of permissions. Handlers never compare roles; they ask for a
//! permission, so adding a role never means touching a handler.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The three sides of the platform. A token is issued for exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A household booking services (C端).
    Customer,
    /// A technician, cleaner or nurse (师傅端).
    Worker,
    /// Operations staff (管理后台).
    Staff,
}

impl Audience {
    /// The stable name used in tokens and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Customer => "customer",
            Audience::Worker => "worker",
            Audience::Staff => "staff",
        }
    }
}

impl FromStr for Audience {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Audience::Customer),
            "worker" => Ok(Audience::Worker),
            "staff" => Ok(Audience::Staff),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

/// A name that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name `{0}`")]
pub struct UnknownName(pub String);

macro_rules! permissions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal),* $(,)?) => {
        /// One thing a staff member may be allowed to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission { $($(#[$doc])* $variant),* }

        impl Permission {
            /// Every permission, in a stable order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The stable name, e.g. `staff.write`.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name),* }
            }
        }

        impl FromStr for Permission {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($name => Ok(Permission::$variant),)* _ => Err(UnknownName(s.to_string())) }
            }
        }
    };
}

permissions! {
    /// See the console overview counts.
    OverviewRead = "overview.read",
    /// List staff accounts and roles.
    StaffRead = "staff.read",
    /// Create staff, change their roles, deactivate them.
    StaffWrite = "staff.write",
    /// Read the audit log.
    AuditRead = "audit.read",
    /// Read the SMS outbox (messages sent by the platform).
    SmsRead = "sms.read",
    /// Look up customers.
    CustomerRead = "customer.read",
    /// Look up workers.
    WorkerRead = "worker.read",
    /// Change worker records.
    WorkerWrite = "worker.write",
    /// Read the catalog and service areas.
    CatalogRead = "catalog.read",
    /// Edit the catalog and service areas.
    CatalogWrite = "catalog.write",
    /// Read orders.
    OrderRead = "order.read",
    /// Act on orders: reschedule, cancel, record offline payments.
    OrderWrite = "order.write",
    /// See route plans.
    DispatchRead = "dispatch.read",
    /// Assign workers and run route planning.
    DispatchWrite = "dispatch.write",
    /// Decide after-sales cases.
    AfterSalesWrite = "aftersales.write",
    /// Read ledgers, payments and reports.
    FinanceRead = "finance.read",
    /// Approve withdrawals, refunds and reconciliation.
    FinanceWrite = "finance.write",
    /// Reopen a closed accounting period (the latest one), with a reason.
    FinanceReopen = "finance.reopen",
    /// Run coupons and campaigns.
    MarketingWrite = "marketing.write",
    /// Change platform settings.
    SettingsWrite = "settings.write",
    /// See decrypted contact details: names, addresses, house numbers, order notes
    /// (without it they are masked; see `privacy`).
    PiiRead = "pii.read",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff role: a named set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including staff management.
    SuperAdmin,
    /// Dispatch board, orders, workers.
    Dispatcher,
    /// Customers, orders, after-sales, the SMS outbox.
    CustomerService,
    /// Money: ledgers, withdrawals, reconciliation, audit.
    Finance,
    /// Coupons, campaigns, customer segments.
    Marketing,
    /// Staff of a partner (服务商/门店): their own partner's workers, the orders offered or
    /// assigned to those workers, and dispatch among those workers only. Every row of
    /// another partner is "not found" to them.
    Partner,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::SuperAdmin,
        Role::Dispatcher,
        Role::CustomerService,
        Role::Finance,
        Role::Marketing,
        Role::Partner,
    ];

    /// The stable name, e.g. `customer_service`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Dispatcher => "dispatcher",
            Role::CustomerService => "customer_service",
            Role::Finance => "finance",
            Role::Marketing => "marketing",
            Role::Partner => "partner",
        }
    }

    /// The name shown in the console (zh-CN).
    pub fn display_name(self) -> &'static str {
        match self {
            Role::SuperAdmin => "超级管理员",
            Role::Dispatcher => "调度员",
            Role::CustomerService => "客服",
            Role::Finance => "财务",
            Role::Marketing => "市场运营",
            Role::Partner => "服务商",
        }
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::SuperAdmin => Permission::ALL,
            Role::Dispatcher => &[
                OverviewRead,
                CustomerRead,
                WorkerRead,
                WorkerWrite,
                CatalogRead,
                OrderRead,
                OrderWrite,
                DispatchRead,
                DispatchWrite,
            ],
            Role::CustomerService => &[
                OverviewRead,
                CustomerRead,
                WorkerRead,
                CatalogRead,
                OrderRead,
                OrderWrite,
                AfterSalesWrite,
                SmsRead,
                PiiRead,
            ],
            Role::Finance => &[
                OverviewRead,
                OrderRead,
                FinanceRead,
                FinanceWrite,
                AuditRead,
            ],
            Role::Marketing => &[OverviewRead, CustomerRead, CatalogRead, MarketingWrite],
            Role::Partner => &[WorkerRead, WorkerWrite, OrderRead, DispatchWrite],
        }
    }

    /// True when the role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_super_admin_manages_staff() {
        for role in Role::ALL {
            assert_eq!(
                role.allows(Permission::StaffWrite),
                *role == Role::SuperAdmin,
                "{role}"
            );
        }
    }

    #[test]
    fn decrypted_contact_details_are_for_admins_and_customer_service_only() {
        for role in Role::ALL {
            assert_eq!(
                role.allows(Permission::PiiRead),
                matches!(role, Role::SuperAdmin | Role::CustomerService),
                "{role}"
            );
        }
    }

    #[test]
    fn partner_staff_dispatch_but_see_no_plans_nor_platform_settings() {
        let p = Role::Partner;
        for allowed in [
            Permission::WorkerRead,
            Permission::WorkerWrite,
            Permission::OrderRead,
            Permission::DispatchWrite,
        ] {
            assert!(p.allows(allowed), "{allowed}");
        }
        assert_eq!(p.permissions().len(), 4);
    }

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), *p);
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
