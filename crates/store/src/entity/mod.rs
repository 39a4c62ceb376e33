//! SeaORM entities, one module per table.

pub mod app_meta;
pub mod area_item_off;
pub mod area_item_price;
pub mod audit_log;
pub mod auth_refresh_token;
pub mod auth_session;
pub mod customer;
pub mod customer_address;
pub mod idempotency_key;
pub mod job;
pub mod order_alarm;
pub mod order_event;
pub mod order_line;
pub mod order_payment;
pub mod order_photo;
pub mod otp_code;
pub mod service_area;
pub mod service_category;
pub mod service_item;
pub mod service_order;
pub mod sms_outbox;
pub mod staff;
pub mod upload;
pub mod worker;
pub mod worker_shift;
