//! The payment channels' protocols: WeChat Pay API v3 and the Alipay open platform (RSA2).
//!
//! Every step is a pure function over plain data: building a request body, the string a
//! signature covers, signing it, verifying a response or a callback, decrypting a callback
//! resource, parsing a reply. The clock and the nonces are inputs, so each step has golden
//! tests on the exact bytes (`tests/golden_*.rs`, against vectors computed independently by
//! `tests/vectors/gen.py`). Sending requests is the shell's business (the application
//! layer through the [`channel`] traits, over a [`channel::Transport`] that tests and the
//! channel simulator can replace).
//!
//! Amounts are integer fen ([`daojia_domain::money::Money`]) everywhere; Alipay's yuan
//! strings are converted at its edge ([`alipay::amount`]).

pub mod alipay;
pub mod channel;
pub mod error;
pub mod http;
pub mod keys;
pub mod sim;
pub mod wechat;

pub use error::{Error, Result};
pub use keys::{PrivateKey, PublicKey};
