//! Notification providers for Daojia. Each channel (SMS now; Web Push, WeChat subscribe
//! messages and webhooks later) is a trait with real vendor implementations and an offline
//! one, chosen by configuration.

pub mod aliyun;
pub mod failover;
pub mod push;
pub mod sms;
pub mod tencent;
pub mod vendor;
