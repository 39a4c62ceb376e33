//! The calls: adding a receiver, sharing, querying, unfreezing, returning and the amounts
//! still to share, each built as a signed-ready [`ApiRequest`] after its fields are checked.

use super::*;

/// The service provider's identifiers in a body: `sub_mchid` (the sharer), `appid` (the
/// service provider's app) and `sub_appid`; a direct merchant's `appid` only.
#[derive(Serialize)]
struct Ids<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
}

fn ids(merchant: &Merchant, with_apps: bool) -> Ids<'_> {
    match merchant {
        Merchant::Direct { appid, .. } => Ids {
            sub_mchid: None,
            appid: with_apps.then_some(appid.as_str()),
            sub_appid: None,
        },
        Merchant::Partner {
            sp_appid,
            sub_appid,
            sub_mchid,
            ..
        } => Ids {
            sub_mchid: Some(sub_mchid),
            appid: with_apps.then_some(sp_appid.as_str()),
            sub_appid: if with_apps {
                sub_appid.as_deref()
            } else {
                None
            },
        },
    }
}

/// `sub_mchid=…&` for a service provider's GET calls, nothing for a direct merchant.
fn sub_query(merchant: &Merchant) -> String {
    match merchant {
        Merchant::Direct { .. } => String::new(),
        Merchant::Partner { sub_mchid, .. } => format!("sub_mchid={}&", percent_encode(sub_mchid)),
    }
}

#[derive(Serialize)]
struct AddReceiverBody<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    #[serde(rename = "type")]
    kind: ReceiverType,
    account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    relation_type: RelationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_relation: Option<&'a str>,
}

/// Builds the add-receiver call. A merchant receiver needs its full name (商户全称), sealed
/// with [`EncryptedName::seal`] under a platform key; WeChat checks it against the merchant.
/// A person's name is optional.
pub fn add_receiver(
    merchant: &Merchant,
    receiver: &NewReceiver,
    name: Option<&EncryptedName>,
) -> Result<SharingCall> {
    check_account(receiver.kind, &receiver.account)?;
    if receiver.kind == ReceiverType::MerchantId && name.is_none() {
        return Err(Error::Missing(
            "the encrypted name of a MERCHANT_ID receiver (the merchant's full name)",
        ));
    }
    match (&receiver.relation_type, &receiver.custom_relation) {
        (RelationType::Custom, None) => return Err(Error::Missing("custom_relation")),
        (RelationType::Custom, Some(c)) => check_text("custom_relation", c, 10)?,
        (_, Some(_)) => {
            return Err(Error::invalid(
                "custom_relation",
                "only with relation_type CUSTOM",
            ));
        }
        _ => {}
    }
    let body = AddReceiverBody {
        ids: ids(merchant, true),
        kind: receiver.kind,
        account: &receiver.account,
        name: name.map(|n| n.ciphertext.as_str()),
        relation_type: receiver.relation_type,
        custom_relation: receiver.custom_relation.as_deref(),
    };
    Ok(SharingCall {
        request: ApiRequest {
            method: Method::Post,
            path: RECEIVERS_ADD_PATH.into(),
            body: serde_json::to_string(&body)?,
        },
        wechatpay_serial: name.map(|n| n.serial.clone()),
    })
}

#[derive(Serialize)]
struct ShareOut<'a> {
    #[serde(rename = "type")]
    kind: ReceiverType,
    account: &'a str,
    amount: Money,
    description: &'a str,
}

#[derive(Serialize)]
struct CreateBody<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    transaction_id: &'a str,
    out_order_no: &'a str,
    receivers: Vec<ShareOut<'a>>,
    unfreeze_unsplit: bool,
}

/// Checks a sharing order the way WeChat does.
pub fn validate(order: &SharingOrder) -> Result<()> {
    if order.transaction_id.is_empty() || order.transaction_id.len() > 32 {
        return Err(Error::invalid("transaction_id", "must be 1-32 characters"));
    }
    check_no("out_order_no", &order.out_order_no)?;
    if order.receivers.is_empty() || order.receivers.len() > 50 {
        return Err(Error::invalid("receivers", "must be 1-50 receivers"));
    }
    for r in &order.receivers {
        check_account(r.kind, &r.account)?;
        if r.amount.as_fen() < 1 {
            return Err(Error::invalid(
                "amount",
                "each share must be at least 1 fen",
            ));
        }
        check_text("description", &r.description, 80)?;
    }
    Ok(())
}

/// Builds the request-sharing call (`POST /v3/profitsharing/orders`). Shares name their
/// receivers by account only (no names), so the call carries no encrypted field.
pub fn create(merchant: &Merchant, order: &SharingOrder) -> Result<ApiRequest> {
    validate(order)?;
    let body = CreateBody {
        ids: ids(merchant, true),
        transaction_id: &order.transaction_id,
        out_order_no: &order.out_order_no,
        receivers: order
            .receivers
            .iter()
            .map(|r| ShareOut {
                kind: r.kind,
                account: &r.account,
                amount: r.amount,
                description: &r.description,
            })
            .collect(),
        unfreeze_unsplit: order.unfreeze_unsplit,
    };
    Ok(ApiRequest {
        method: Method::Post,
        path: ORDERS_PATH.into(),
        body: serde_json::to_string(&body)?,
    })
}

/// The query of a sharing order (or an unfreeze order) by our number and the payment's
/// `transaction_id` (`GET /v3/profitsharing/orders/{out_order_no}?[sub_mchid=…&]transaction_id=…`).
pub fn query(merchant: &Merchant, out_order_no: &str, transaction_id: &str) -> Result<ApiRequest> {
    check_no("out_order_no", out_order_no)?;
    if transaction_id.is_empty() {
        return Err(Error::Missing("transaction_id"));
    }
    Ok(ApiRequest {
        method: Method::Get,
        path: format!(
            "{ORDERS_PATH}/{}?{}transaction_id={}",
            percent_encode(out_order_no),
            sub_query(merchant),
            percent_encode(transaction_id)
        ),
        body: String::new(),
    })
}

#[derive(Serialize)]
struct UnfreezeBody<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    transaction_id: &'a str,
    out_order_no: &'a str,
    description: &'a str,
}

/// Builds the unfreeze call (`POST /v3/profitsharing/orders/unfreeze`): whatever of the
/// payment is still frozen goes back to the merchant, and it can no longer be shared.
pub fn unfreeze(
    merchant: &Merchant,
    transaction_id: &str,
    out_order_no: &str,
    description: &str,
) -> Result<ApiRequest> {
    if transaction_id.is_empty() || transaction_id.len() > 32 {
        return Err(Error::invalid("transaction_id", "must be 1-32 characters"));
    }
    check_no("out_order_no", out_order_no)?;
    check_text("description", description, 80)?;
    let body = UnfreezeBody {
        ids: ids(merchant, false),
        transaction_id,
        out_order_no,
        description,
    };
    Ok(ApiRequest {
        method: Method::Post,
        path: UNFREEZE_PATH.into(),
        body: serde_json::to_string(&body)?,
    })
}

#[derive(Serialize)]
struct ReturnBody<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    out_order_no: &'a str,
    out_return_no: &'a str,
    return_mchid: &'a str,
    amount: Money,
    description: &'a str,
}

/// Builds the return call (`POST /v3/profitsharing/return-orders`), naming the sharing
/// order by our number.
pub fn create_return(merchant: &Merchant, order: &ReturnOrder) -> Result<ApiRequest> {
    check_no("out_order_no", &order.out_order_no)?;
    check_no("out_return_no", &order.out_return_no)?;
    check_account(ReceiverType::MerchantId, &order.return_mchid)
        .map_err(|_| Error::invalid("return_mchid", "a merchant id (digits)"))?;
    if order.amount.as_fen() < 1 {
        return Err(Error::invalid("amount", "must be at least 1 fen"));
    }
    check_text("description", &order.description, 80)?;
    let body = ReturnBody {
        ids: ids(merchant, false),
        out_order_no: &order.out_order_no,
        out_return_no: &order.out_return_no,
        return_mchid: &order.return_mchid,
        amount: order.amount,
        description: &order.description,
    };
    Ok(ApiRequest {
        method: Method::Post,
        path: RETURN_PATH.into(),
        body: serde_json::to_string(&body)?,
    })
}

/// The query of a return (`GET /v3/profitsharing/return-orders/{out_return_no}?[sub_mchid=…&]out_order_no=…`).
pub fn query_return(
    merchant: &Merchant,
    out_return_no: &str,
    out_order_no: &str,
) -> Result<ApiRequest> {
    check_no("out_return_no", out_return_no)?;
    check_no("out_order_no", out_order_no)?;
    Ok(ApiRequest {
        method: Method::Get,
        path: format!(
            "{RETURN_PATH}/{}?{}out_order_no={}",
            percent_encode(out_return_no),
            sub_query(merchant),
            percent_encode(out_order_no)
        ),
        body: String::new(),
    })
}

/// The query of what is left to share of a payment
/// (`GET /v3/profitsharing/transactions/{transaction_id}/amounts`).
pub fn amounts(transaction_id: &str) -> Result<ApiRequest> {
    if transaction_id.is_empty() || transaction_id.len() > 32 {
        return Err(Error::invalid("transaction_id", "must be 1-32 characters"));
    }
    Ok(ApiRequest {
        method: Method::Get,
        path: format!(
            "/v3/profitsharing/transactions/{}/amounts",
            percent_encode(transaction_id)
        ),
        body: String::new(),
    })
}
