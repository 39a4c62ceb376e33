//! Log-in, token refresh and log-out, on every database under test.

use crate::common;

mod codes;
mod races;
mod sessions;
mod staff;

use axum::http::StatusCode;
use chrono::Duration;
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::json;
