#!/usr/bin/env python3
"""Independent golden vectors for daojia-pay, computed with Python's `cryptography`.

The Rust tests (tests/it/golden_wechat.rs, golden_transfer.rs, golden_sharing.rs, golden_alipay.rs) load
vectors.json and require byte equality with what the crate computes for the same keys and
inputs. This script shares no code with the crate: it
builds the signed strings from the published protocol rules itself.

    python3 gen.py              # print the vectors to stdout
    python3 gen.py --write      # rewrite vectors.json beside this file
    python3 gen.py --check      # exit 1 when vectors.json differs from a fresh computation
    python3 gen.py --new-keys   # generate the TEST key pairs under ../keys (then --write)

The keys under ../keys are generated for these tests only; they protect nothing.
"""

import base64
import datetime
import hashlib
import json
import os
import sys
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "..", "keys")

# Key pairs: (file stem, private key format). WeChat issues PKCS#8 merchant keys; Alipay's
# key tool writes PKCS#1 as often as PKCS#8, so one key of each kind is PKCS#1.
PAIRS = [
    ("test-wechat-merchant", serialization.PrivateFormat.PKCS8),
    ("test-wechat-platform", serialization.PrivateFormat.PKCS8),
    ("test-alipay-app", serialization.PrivateFormat.TraditionalOpenSSL),
    ("test-alipay-platform", serialization.PrivateFormat.PKCS8),
]
PLATFORM_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_PUBKEY_ID = "PUB_KEY_ID_0112345678202612030000000000000000"
APIV3_KEY = "daojiaTestApiV3Key0123456789abcd"  # 32 bytes, test only


def new_keys():
    os.makedirs(KEYS, exist_ok=True)
    for stem, fmt in PAIRS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with open(os.path.join(KEYS, stem + ".key.pem"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
        with open(os.path.join(KEYS, stem + ".pub.pem"), "wb") as f:
            f.write(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
    # A self-signed stand-in for the WeChat Pay platform certificate, with the serial that
    # the Wechatpay-Serial header names.
    key = load_private("test-wechat-platform")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Daojia TEST WeChat Pay platform")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(PLATFORM_SERIAL, 16))
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(KEYS, "test-wechat-platform.cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def load_private(stem):
    with open(os.path.join(KEYS, stem + ".key.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def sign(stem, message):
    sig = load_private(stem).sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode("ascii")


# --- WeChat Pay API v3 ---------------------------------------------------------------------


def wechat_request(method, path, timestamp, nonce, body):
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"
    signature = sign("test-wechat-merchant", message)
    authorization = (
        'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",'
        f'nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="3775B6A45ACD588826D15E583A95F5DD0E1A3B2D"'
    )
    return {
        "mchid": "1900009191",
        "serial_no": "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D",
        "method": method,
        "path": path,
        "timestamp": timestamp,
        "nonce": nonce,
        "body": body,
        "message": message,
        "signature": signature,
        "authorization": authorization,
    }


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def wechat_vectors():
    jsapi_body = compact(
        {
            "appid": "wxd678efh567hg6787",
            "mchid": "1900009191",
            "description": "到家保洁-日常保洁 2小时",
            "out_trade_no": "PI20261203000001",
            "notify_url": "https://daojia.example/api/v1/pay/notify/wechat",
            "amount": {"total": 14900, "currency": "CNY"},
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        }
    )
    requests = [
        wechat_request("POST", "/v3/pay/transactions/jsapi", 1764739200, "593BEC0C930BF1AFEB40B4A08C8FB242", jsapi_body),
        wechat_request(
            "GET",
            "/v3/pay/transactions/out-trade-no/PI20261203000001?mchid=1900009191",
            1764739260,
            "C5AC7061FCCAB6BF3E254DCF98995B8C",
            "",
        ),
        wechat_request(
            "GET",
            "/v3/bill/tradebill?bill_date=2026-12-02&bill_type=ALL",
            1764739320,
            "0F2E8E7A9D3B4C5D6E7F8091A2B3C4D5",
            "",
        ),
    ]

    pay_sign_msg = "wxd678efh567hg6787\n1764739200\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"
    pay_sign = {
        "app_id": "wxd678efh567hg6787",
        "timestamp": 1764739200,
        "nonce": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "prepay_id": "wx201410272009395522657a690389285100",
        "message": pay_sign_msg,
        "pay_sign": sign("test-wechat-merchant", pay_sign_msg),
    }

    aesgcm = AESGCM(APIV3_KEY.encode("ascii"))
    aead = []
    for nonce, aad, plaintext in [
        ("fdasflkja484", "transaction", '{"out_trade_no":"PI20261203000001","trade_state":"SUCCESS"}'),
        ("0123456789ab", "", "到家：退款成功"),
        ("zzzzzzzzzzzz", "refund", ""),
    ]:
        ct = aesgcm.encrypt(nonce.encode("utf-8"), plaintext.encode("utf-8"), aad.encode("utf-8"))
        aead.append(
            {
                "key": APIV3_KEY,
                "nonce": nonce,
                "associated_data": aad,
                "plaintext": plaintext,
                "ciphertext": base64.b64encode(ct).decode("ascii"),
            }
        )

    transaction = compact(
        {
            "mchid": "1900009191",
            "appid": "wxd678efh567hg6787",
            "out_trade_no": "PI20261203000001",
            "transaction_id": "4200000000202612031234567890",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": "2026-12-03T13:20:31+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": 14900, "payer_total": 14900, "currency": "CNY", "payer_currency": "CNY"},
        }
    )
    nonce = "Xs8hq2PdMHkW"
    ct = aesgcm.encrypt(nonce.encode(), transaction.encode("utf-8"), b"transaction")
    notification = compact(
        {
            "id": "EV-2026120313203100001",
            "create_time": "2026-12-03T13:20:32+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ct).decode("ascii"),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    )
    callbacks = []
    for serial, ts, cb_nonce in [
        (PLATFORM_SERIAL, 1764739232, "c5ac7061fccab6bf3e254dcf98995b8c"),
        (PLATFORM_PUBKEY_ID, 1764739233, "e9a1b2c3d4e5f60718293a4b5c6d7e8f"),
    ]:
        message = f"{ts}\n{cb_nonce}\n{notification}\n"
        callbacks.append(
            {
                "serial": serial,
                "timestamp": ts,
                "nonce": cb_nonce,
                "body": notification,
                "message": message,
                "signature": sign("test-wechat-platform", message),
                "resource_plaintext": transaction,
            }
        )
    # A response to a close request has no body: the signed message ends with "\n\n".
    empty_msg = "1764739300\nffeeddccbbaa99887766554433221100\n\n"
    callbacks.append(
        {
            "serial": PLATFORM_SERIAL,
            "timestamp": 1764739300,
            "nonce": "ffeeddccbbaa99887766554433221100",
            "body": "",
            "message": empty_msg,
            "signature": sign("test-wechat-platform", empty_msg),
            "resource_plaintext": None,
        }
    )
    return {
        "apiv3_key": APIV3_KEY,
        "platform_serial": PLATFORM_SERIAL,
        "platform_public_key_id": PLATFORM_PUBKEY_ID,
        "requests": requests,
        "pay_sign": pay_sign,
        "aead": aead,
        "callbacks": callbacks,
    }


# --- WeChat Pay merchant transfers (商家转账) ------------------------------------------------

# RSA-OAEP is randomised, so a sealed payee name cannot be a fixed vector computed here.
# This one was sealed by daojia-pay (`EncryptedName::seal` with the TEST platform public key;
# the golden test `a_freshly_sealed_payee_name_opens_with_the_platform_key` prints a fresh
# one). gen.py checks that it opens with the TEST platform private key (OAEP, SHA-1,
# MGF1-SHA-1, no label: WeChat's padding for sensitive fields), then signs the request that
# carries it.
TRANSFER_USER_NAME = "张三"
TRANSFER_USER_NAME_SEALED_BY_RUST = "bh8gM2YW8JL30rw2Xh11q58tt4COtFx4qUVJzaYShqgWetmVYvteAbjZWdYMAGBrVnBATHS6MG1xiN2ZAhjVMPQsvIObIJwu9+B3ncYbsX+kjdXWHriWfAecAhFhVKjCnP+v1Yg9hax72rpXYn260OshAMttvkYpwA7pV8s61SJ7VyO3JZ23tsUKimJDvJ00IgYhwmu1inkSS7Os78Zb5bok+yOwIzWPq7RedID4lem50QilzaoqwD8HleLSmatpIO3PuB6qPFbXzdA8O0l1DG7z5KBA1t1wZ22h8ex5uFK6XF/DkiGMtnt4grOcTmFpIa7JZ5ch5bOrapSpVa0Oiw=="
TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"


def open_sealed(ciphertext):
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    return load_private("test-wechat-platform").decrypt(base64.b64decode(ciphertext), oaep).decode("utf-8")


def transfer_vectors():
    opened = open_sealed(TRANSFER_USER_NAME_SEALED_BY_RUST)
    if opened != TRANSFER_USER_NAME:
        raise SystemExit(f"the sealed payee name opens to {opened!r}, not {TRANSFER_USER_NAME!r}")
    report = [
        {"info_type": "岗位类型", "info_content": "家政服务人员"},
        {"info_type": "报酬说明", "info_content": "服务收入提现"},
    ]
    plain = compact(
        {
            "appid": "wxd678efh567hg6787",
            "out_bill_no": "WD20261206000001",
            "transfer_scene_id": "1005",
            "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "transfer_amount": 12345,
            "transfer_remark": "到家服务收入提现",
            "notify_url": "https://daojia.example/api/v1/pay/notify/wechat-transfer",
            "user_recv_perception": "劳务报酬",
            "transfer_scene_report_infos": report,
        }
    )
    named = compact(
        {
            "appid": "wxd678efh567hg6787",
            "out_bill_no": "WD20261206000002",
            "transfer_scene_id": "1005",
            "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "user_name": TRANSFER_USER_NAME_SEALED_BY_RUST,
            "transfer_amount": 250000,
            "transfer_remark": "到家服务收入提现",
            "transfer_scene_report_infos": report,
        }
    )
    requests = [
        wechat_request("POST", TRANSFER_PATH, 1765000000, "7A1C0E5B9D3F4A2B8C6D0E1F2A3B4C5D", plain),
        wechat_request("POST", TRANSFER_PATH, 1765000010, "1F2E3D4C5B6A79881F2E3D4C5B6A7988", named),
        wechat_request(
            "GET", TRANSFER_PATH + "/out-bill-no/WD20261206000001", 1765000020, "00112233445566778899AABBCCDDEEFF", ""
        ),
        wechat_request(
            "GET",
            TRANSFER_PATH + "/transfer-bill-no/1330000071100999991182020050700019480001",
            1765000030,
            "FFEEDDCCBBAA99887766554433221100",
            "",
        ),
        wechat_request(
            "POST", TRANSFER_PATH + "/out-bill-no/WD20261206000001/cancel", 1765000040, "0A1B2C3D4E5F60718293A4B5C6D7E8F9", ""
        ),
    ]
    notice = compact(
        {
            "mch_id": "1900009191",
            "out_bill_no": "WD20261206000001",
            "transfer_bill_no": "1330000071100999991182020050700019480001",
            "state": "FAIL",
            "transfer_amount": 12345,
            "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "fail_reason": "PAYEE_ACCOUNT_ABNORMAL",
            "create_time": "2026-12-06T14:00:00+08:00",
            "update_time": "2026-12-06T14:05:00+08:00",
        }
    )
    nonce = "Tr4nsf3rN0nc"
    ct = AESGCM(APIV3_KEY.encode("ascii")).encrypt(nonce.encode(), notice.encode("utf-8"), b"mch_payment")
    body = compact(
        {
            "id": "EV-2026120614050000001",
            "create_time": "2026-12-06T14:05:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "MCHTRANSFER.BILL.FINISHED",
            "summary": "商家转账单据终态通知",
            "resource": {
                "original_type": "mch_payment",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ct).decode("ascii"),
                "associated_data": "mch_payment",
                "nonce": nonce,
            },
        }
    )
    ts, cb_nonce = 1765001101, "5d41402abc4b2a76b9719d911017c592"
    message = f"{ts}\n{cb_nonce}\n{body}\n"
    callback = {
        "serial": PLATFORM_PUBKEY_ID,
        "timestamp": ts,
        "nonce": cb_nonce,
        "body": body,
        "message": message,
        "signature": sign("test-wechat-platform", message),
        "resource_plaintext": notice,
    }
    return {
        "wechatpay_serial": PLATFORM_PUBKEY_ID,
        "user_name": {
            "plaintext": TRANSFER_USER_NAME,
            "ciphertext": TRANSFER_USER_NAME_SEALED_BY_RUST,
            "opens_with_platform_key": True,
        },
        "requests": requests,
        "callback": callback,
    }


# --- WeChat Pay profit sharing (分账), service-provider mode ----------------------------------

# A receiver merchant's full name, RSA-OAEP (SHA-1, MGF1-SHA-1, no label) under the TEST
# platform public key. OAEP is randomised, so the ciphertext is a constant sealed once (by
# this script's padding); it is checked here to open with the TEST platform private key, and
# the Rust test opens it too. The crate's own sealing is `EncryptedName::seal`, whose output
# gen.py opens above (the transfer payee's name).
SHARING_RECEIVER_NAME = "上海到家家政服务有限公司"
SHARING_RECEIVER_NAME_SEALED = "pL+iE86chpsonUskqBmSF/a8BGNmijkdCN99Gbe52Sj/sDQpommfNJdtkZraXn9ENlx3bDRExiQ9CsJlVtILcGPIA6VOQm8+RDW4JT6Bpsr8MtABD4wJtFEUi0yxZHZNDBfikqRsilbquHFdCq9yXZGN3ih3ty77BNbZJ5ROs99ixAYQ9znSq8uli1r6ALathS/M/JjIikFd0k7q0atqAy6QEcJAVo0oubHQTOXeNcL4kAqJuyiRV+GvSZTHZdK8FT+ZpxLliKoLkPCZUw1aYSuz96oa2yLynoES0UGX+nGHgyTqiNVgMlMHPOr6PbrWuttLzQnR3VtKMnwm6DOjjg=="
SP_APPID = "wx8888888888888888"
SUB_MCHID = "1900000109"
TRANSACTION_ID = "4208450740201411110007820472"


def sharing_vectors():
    opened = open_sealed(SHARING_RECEIVER_NAME_SEALED)
    if opened != SHARING_RECEIVER_NAME:
        raise SystemExit(f"the sealed receiver name opens to {opened!r}")
    add = compact(
        {
            "sub_mchid": SUB_MCHID,
            "appid": SP_APPID,
            "type": "MERCHANT_ID",
            "account": "1900000201",
            "name": SHARING_RECEIVER_NAME_SEALED,
            "relation_type": "PARTNER",
        }
    )
    order = compact(
        {
            "sub_mchid": SUB_MCHID,
            "appid": SP_APPID,
            "transaction_id": TRANSACTION_ID,
            "out_order_no": "S0000000000000000000000000000042",
            "receivers": [
                {"type": "MERCHANT_ID", "account": "1900000201", "amount": 1280, "description": "服务商分成"}
            ],
            "unfreeze_unsplit": True,
        }
    )
    unfreeze = compact(
        {
            "sub_mchid": SUB_MCHID,
            "transaction_id": TRANSACTION_ID,
            "out_order_no": "U0000000000000000000000000000042",
            "description": "解冻剩余资金",
        }
    )
    ret = compact(
        {
            "sub_mchid": SUB_MCHID,
            "out_order_no": "S0000000000000000000000000000042",
            "out_return_no": "R0000000000000000000000000000042",
            "return_mchid": "1900000201",
            "amount": 1280,
            "description": "订单退款",
        }
    )
    pay = compact(
        {
            "sp_appid": SP_APPID,
            "sp_mchid": "1900009191",
            "sub_mchid": SUB_MCHID,
            "description": "日常保洁 2小时",
            "out_trade_no": "PI20261206000042",
            "notify_url": "https://daojia.example/api/v1/pay/notify/wechat",
            "amount": {"total": 16000, "currency": "CNY"},
            "settle_info": {"profit_sharing": True},
        }
    )
    q = f"sub_mchid={SUB_MCHID}"
    requests = [
        wechat_request("POST", "/v3/profitsharing/receivers/add", 1765100000, "A1B2C3D4E5F60718293A4B5C6D7E8F90", add),
        wechat_request("POST", "/v3/profitsharing/orders", 1765100010, "B1B2C3D4E5F60718293A4B5C6D7E8F90", order),
        wechat_request(
            "GET",
            f"/v3/profitsharing/orders/S0000000000000000000000000000042?{q}&transaction_id={TRANSACTION_ID}",
            1765100020,
            "C1B2C3D4E5F60718293A4B5C6D7E8F90",
            "",
        ),
        wechat_request("POST", "/v3/profitsharing/orders/unfreeze", 1765100030, "D1B2C3D4E5F60718293A4B5C6D7E8F90", unfreeze),
        wechat_request("POST", "/v3/profitsharing/return-orders", 1765100040, "E1B2C3D4E5F60718293A4B5C6D7E8F90", ret),
        wechat_request(
            "GET",
            f"/v3/profitsharing/return-orders/R0000000000000000000000000000042?{q}&out_order_no=S0000000000000000000000000000042",
            1765100050,
            "F1B2C3D4E5F60718293A4B5C6D7E8F90",
            "",
        ),
        wechat_request(
            "GET", f"/v3/profitsharing/transactions/{TRANSACTION_ID}/amounts", 1765100060, "01B2C3D4E5F60718293A4B5C6D7E8F90", ""
        ),
        wechat_request("POST", "/v3/pay/partner/transactions/native", 1765100070, "11B2C3D4E5F60718293A4B5C6D7E8F90", pay),
    ]
    notice = compact(
        {
            "sp_mchid": "1900009191",
            "sub_mchid": SUB_MCHID,
            "transaction_id": TRANSACTION_ID,
            "order_id": "3008450740201411110007820472",
            "out_order_no": "S0000000000000000000000000000042",
            "receiver": {"type": "MERCHANT_ID", "account": "1900000201", "amount": 1280, "description": "服务商分成"},
            "success_time": "2026-12-06T15:00:00+08:00",
        }
    )
    nonce = "Sh4r1ngN0nce"
    ct = AESGCM(APIV3_KEY.encode("ascii")).encrypt(nonce.encode(), notice.encode("utf-8"), b"profitsharing")
    body = compact(
        {
            "id": "EV-2026120615000000042",
            "create_time": "2026-12-06T15:00:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "PROFITSHARING.SUCCESS",
            "summary": "分账成功",
            "resource": {
                "original_type": "profitsharing",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ct).decode("ascii"),
                "associated_data": "profitsharing",
                "nonce": nonce,
            },
        }
    )
    ts, cb_nonce = 1765004401, "9e107d9d372bb6826bd81d3542a419d6"
    message = f"{ts}\n{cb_nonce}\n{body}\n"
    return {
        "wechatpay_serial": PLATFORM_PUBKEY_ID,
        "receiver_name": {"plaintext": SHARING_RECEIVER_NAME, "ciphertext": SHARING_RECEIVER_NAME_SEALED},
        "requests": requests,
        "callback": {
            "serial": PLATFORM_PUBKEY_ID,
            "timestamp": ts,
            "nonce": cb_nonce,
            "body": body,
            "message": message,
            "signature": sign("test-wechat-platform", message),
            "resource_plaintext": notice,
        },
    }


# --- Alipay open platform (RSA2) -----------------------------------------------------------


def alipay_sign_content(params, exclude):
    items = sorted((k, v) for k, v in params.items() if k not in exclude and v != "")
    return "&".join(f"{k}={v}" for k, v in items)


def alipay_vectors():
    biz = compact(
        {
            "out_trade_no": "PI20261203000002",
            "total_amount": "149.00",
            "subject": "到家保洁·日常保洁 2小时 & 擦窗",
            "product_code": "QUICK_WAP_WAY",
            "quit_url": "https://daojia.example/h5/orders/42?from=alipay",
        }
    )
    params = {
        "app_id": "2021000123456789",
        "method": "alipay.trade.wap.pay",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": "2026-12-03 21:20:00",
        "version": "1.0",
        "notify_url": "https://daojia.example/api/v1/pay/notify/alipay",
        "return_url": "https://daojia.example/h5/orders/42?paid=1&via=alipay",
        "app_auth_token": "",
        "biz_content": biz,
    }
    content = alipay_sign_content(params, {"sign"})
    signature = sign("test-alipay-app", content)
    signed = dict(params, sign=signature)
    query = "&".join(
        f"{k}={urllib.parse.quote(v, safe='')}" for k, v in sorted(signed.items()) if v != ""
    )
    requests = [{"params": params, "sign_content": content, "sign": signature, "query": query}]

    notify = {
        "gmt_create": "2026-12-03 21:20:11",
        "charset": "utf-8",
        "gmt_payment": "2026-12-03 21:20:19",
        "notify_time": "2026-12-03 21:20:20",
        "subject": "到家保洁·日常保洁 2小时 & 擦窗",
        "buyer_id": "2088102177846880",
        "invoice_amount": "149.00",
        "version": "1.0",
        "notify_id": "2026120300222212019e1f3b9f0f1a0e41",
        "fund_bill_list": '[{"amount":"149.00","fundChannel":"ALIPAYACCOUNT"}]',
        "notify_type": "trade_status_sync",
        "out_trade_no": "PI20261203000002",
        "total_amount": "149.00",
        "trade_status": "TRADE_SUCCESS",
        "trade_no": "2026120322001446880500012345",
        "auth_app_id": "2021000123456789",
        "receipt_amount": "149.00",
        "point_amount": "0.00",
        "app_id": "2021000123456789",
        "buyer_pay_amount": "149.00",
        "seller_id": "2088102177296610",
        "sign_type": "RSA2",
    }
    n_content = alipay_sign_content(notify, {"sign", "sign_type"})
    notify_signed = dict(notify, sign=sign("test-alipay-platform", n_content))
    notifications = [{"fields": notify_signed, "sign_content": n_content}]

    # Synchronous responses: the signed text is the member's raw JSON, escapes and spacing
    # as sent (here `\/` and `\u` escapes that a re-serialiser would change).
    responses = []
    for method, member, inner, sign_first in [
        (
            "alipay.trade.precreate",
            "alipay_trade_precreate_response",
            '{"code":"10000","msg":"Success","out_trade_no":"PI20261203000003",'
            '"qr_code":"https:\\/\\/qr.alipay.com\\/bax08431xyz"}',
            False,
        ),
        (
            "alipay.trade.query",
            "alipay_trade_query_response",
            '{"code": "10000", "msg": "Success", "trade_no": "2026120322001446880500012345", '
            '"out_trade_no": "PI20261203000002", "buyer_logon_id": "159****5620", '
            '"trade_status": "TRADE_SUCCESS", "total_amount": "149.00", '
            '"send_pay_date": "2026-12-03 21:20:19", "subject": "\\u5230\\u5bb6"}',
            True,
        ),
        (
            "alipay.trade.refund",
            "alipay_trade_refund_response",
            '{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST",'
            '"sub_msg":"交易不存在"}',
            False,
        ),
    ]:
        s = sign("test-alipay-platform", inner)
        if sign_first:
            body = '{"sign":"' + s + '","' + member + '":' + inner + "}"
        else:
            body = '{"' + member + '":' + inner + ',"sign":"' + s + '"}'
        responses.append({"method": method, "body": body, "signed_content": inner, "sign": s})
    return {"requests": requests, "notifications": notifications, "responses": responses}


# --- WeChat Pay fund flow bill (资金账单) ---------------------------------------------------

# The file is not signed: its SHA1, in the signed reply to the bill call, vouches for it.
# Written here from WeChat's published layout (header, backquoted lines, summary with counts
# printed as "5.0"), independently of the Rust renderer, which must produce these bytes.
FUND_BILL_LINES = [
    # 记账时间, 微信支付业务单号, 资金流水单号, 业务名称, 业务类型, 收支类型, 收支金额, 账户结余, 申请人, 备注, 业务凭证号
    ("2026-12-02 10:03:00", "4200PI1", "190000000110031", "交易", "交易", "收入", 14900, 14900, "PI1"),
    ("2026-12-02 10:03:00", "4200PI1", "190000000110030", "交易", "扣除交易手续费", "支出", 89, 14811, "PI1"),
    ("2026-12-02 11:00:00", "4200RF1", "190000000111000", "退款", "退款", "支出", 4900, 9911, "RF1"),
    ("2026-12-02 11:00:00", "4200RF1", "190000000111001", "退款", "退还交易手续费", "收入", 29, 9940, "RF1"),
    ("2026-12-02 12:30:00", "4200W1", "190000000112300", "商家转账", "商家转账", "支出", 5000, 4940, "W1"),
]


def yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def fund_bill_vectors():
    header = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号"
    rows = [header]
    ins = [l for l in FUND_BILL_LINES if l[5] == "收入"]
    outs = [l for l in FUND_BILL_LINES if l[5] == "支出"]
    for at, wx, flow, business, kind, direction, fen, balance, voucher in FUND_BILL_LINES:
        fields = [at, wx, flow, business, kind, direction, yuan(fen), yuan(balance), "system", "", voucher]
        rows.append(",".join("`" + f for f in fields))
    rows.append("资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额")
    totals = [
        f"{len(FUND_BILL_LINES)}.0",
        f"{len(ins)}.0",
        yuan(sum(l[6] for l in ins)),
        f"{len(outs)}.0",
        yuan(sum(l[6] for l in outs)),
    ]
    rows.append(",".join("`" + f for f in totals))
    text = "".join(r + "\r\n" for r in rows)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    reply = compact(
        {
            "hash_type": "SHA1",
            "hash_value": digest,
            "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=FUNDBILL0001",
        }
    )
    ts, nonce = 1764739400, "1a2b3c4d5e6f708192a3b4c5d6e7f809"
    message = f"{ts}\n{nonce}\n{reply}\n"
    return {
        "request": wechat_request(
            "GET",
            "/v3/bill/fundflowbill?bill_date=2026-12-02&account_type=BASIC",
            1764739380,
            "9F8E7D6C5B4A39281706F5E4D3C2B1A0",
            "",
        ),
        "reply": {
            "serial": PLATFORM_SERIAL,
            "timestamp": ts,
            "nonce": nonce,
            "body": reply,
            "signature": sign("test-wechat-platform", message),
        },
        "file": text,
        "sha1": digest,
    }


def vectors():
    return {
        "note": "Generated by gen.py with Python's cryptography from TEST keys; do not edit.",
        "wechat": wechat_vectors(),
        "wechat_fund_bill": fund_bill_vectors(),
        "wechat_transfer": transfer_vectors(),
        "wechat_sharing": sharing_vectors(),
        "alipay": alipay_vectors(),
    }


def main():
    args = sys.argv[1:]
    if "--new-keys" in args:
        new_keys()
    text = json.dumps(vectors(), ensure_ascii=False, indent=2) + "\n"
    path = os.path.join(HERE, "vectors.json")
    if "--check" in args:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                print("vectors.json differs from a fresh computation; run gen.py --write", file=sys.stderr)
                sys.exit(1)
        print("vectors.json matches")
    elif "--write" in args or "--new-keys" in args:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
