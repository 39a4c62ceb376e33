//! Customers' own records as the application changes them: saved addresses (地址簿), and
//! the caller a customer-service agent finds or creates by phone to order on their behalf.

pub mod addresses;
pub mod callers;
