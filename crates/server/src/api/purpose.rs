//! What the wallet's top-up route and the deposit's lodging route share: both open a
//! purpose intent (`daojia_app::payments::purpose`) from an amount and a channel code on
//! behalf of the signed-in payer, from the client's address, and answer 201.

use crate::http::auth::ClientInfo;
use crate::http::error::{ApiError, ApiResult};
use daojia_domain::money::Money;
use daojia_domain::payment::PayChannel;

/// A purpose intent to open, as its route reads it.
pub(super) struct Opening {
    /// How much.
    pub amount: Money,
    /// Through which channel.
    pub channel: PayChannel,
    /// The payer's address (what H5 payments are bound to).
    pub payer_ip: String,
}

/// Reads `amount_fen` and `channel` of a request from `client`: 422 `unknown_channel` on
/// `channel` naming the channels the route `offers`. The amount's limits are the
/// purpose's (checked by the app).
pub(super) fn opening(
    amount_fen: i64,
    channel: &str,
    offers: &'static str,
    client: ClientInfo,
) -> ApiResult<Opening> {
    let channel = PayChannel::parse(channel).ok_or_else(|| {
        ApiError::from(daojia_app::Error::field(
            "channel",
            "unknown_channel",
            offers,
        ))
    })?;
    Ok(Opening {
        amount: Money::fen(amount_fen),
        channel,
        payer_ip: client.ip.unwrap_or_else(|| "127.0.0.1".into()),
    })
}
