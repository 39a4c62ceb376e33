//! The integration tests of this crate in one binary (one link instead of one per file);
//! each module was a test binary of its own. nextest still runs every test in its own
//! process.

mod channel_alipay;
mod channel_wechat;
mod common;
mod golden_alipay;
mod golden_sharing;
mod golden_transfer;
mod golden_wechat;
mod props;
mod sharing_wechat;
mod transfer_wechat;
