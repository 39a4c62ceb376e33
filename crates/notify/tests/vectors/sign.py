#!/usr/bin/env python3
"""Signature vectors for the SMS providers, computed with the vendors' own Python SDKs.

Aliyun (signature V3, ACS3-HMAC-SHA256): `alibabacloud_openapi_util.client.Client.get_authorization`,
the function Alibaba Cloud's SDKs call to sign every V3 request. Tencent Cloud (TC3-HMAC-SHA256):
`AbstractClient._build_req_with_tc3_signature` of `tencentcloud-sdk-python-common`, which sets
the X-TC-* headers and the Authorization header of every SDK request.

The inputs are fixed (keys that are obviously fake, a fixed time and nonce); the SDKs' clock and
JSON encoder are replaced for the call, and the text they hash and sign is recorded on its way
through their own functions, so every intermediate step (canonical request, string to sign) is
the SDK's, not ours. The Rust test `signature_vectors` checks our signers against the output
byte for byte; scripts/test.sh re-runs this script and fails if the output differs from the
committed vectors.json.

Usage: sign.py [OUT]   (stdout without OUT)
"""

import hashlib
import importlib.metadata
import json
import os
import sys

PINNED = {}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")) as f:
    for line in f:
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            PINNED[name] = version
for name, version in PINNED.items():
    have = importlib.metadata.version(name)
    if have != version:
        sys.exit(f"sign.py: {name} {have} is installed; the vectors are pinned to {version}")

from alibabacloud_openapi_util import client as ali_util  # noqa: E402
from Tea.request import TeaRequest  # noqa: E402
from tencentcloud.common import abstract_client as tc_client  # noqa: E402
from tencentcloud.common.common_client import CommonClient  # noqa: E402
from tencentcloud.common.credential import Credential  # noqa: E402
from tencentcloud.common.http.request import RequestInternal  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.common.sign import Sign  # noqa: E402


def compact(value):
    """JSON as our providers send it: no spaces, UTF-8 kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


ALIYUN_CASES = [
    {
        "name": "login_code",
        "access_key_id": "FAKE-ACCESS-KEY-ID-FOR-TESTS",
        "access_key_secret": "fake-access-key-secret-for-tests-only",
        "host": "dysmsapi.aliyuncs.com",
        "date": "2026-12-02T01:02:03Z",
        "nonce": "3f1c9a52-0c2d-4f7e-9d0b-000000000001",
        "phone": "13800138000",
        "sign_name": "到家",
        "template_code": "SMS_000000001",
        "params": [["code", "042917"], ["minutes", "5"]],
    },
    {
        "name": "visit_reminder",
        "access_key_id": "FAKE-ACCESS-KEY-ID-FOR-TESTS",
        "access_key_secret": "fake-access-key-secret-for-tests-only",
        "host": "dysmsapi.aliyuncs.com",
        "date": "2026-12-31T23:59:59Z",
        "nonce": "3f1c9a52-0c2d-4f7e-9d0b-000000000002",
        "phone": "13912345678",
        "sign_name": "到家 Daojia",
        "template_code": "SMS_000000002",
        "params": [
            ["service", "深度保洁 (2h)*1 + 擦窗~/"],
            ["start", "12-31 09:00"],
            ["end", "11:00"],
            ["order_no", "DJ20261231-0001"],
        ],
    },
]


def aliyun(case):
    query = {
        "PhoneNumbers": case["phone"],
        "SignName": case["sign_name"],
        "TemplateCode": case["template_code"],
        "TemplateParam": compact({k: v for k, v in case["params"]}),
    }
    empty = ali_util.Client.hex_encode(ali_util.Client.hash(b"", "ACS3-HMAC-SHA256"))
    req = TeaRequest()
    req.method = "POST"
    req.pathname = "/"
    req.query = query
    req.headers = {
        "host": case["host"],
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": case["date"],
        "x-acs-signature-nonce": case["nonce"],
        "x-acs-content-sha256": empty,
    }
    seen = {}
    real_hash, real_sign = ali_util.Client.hash, ali_util.signature_method

    def hash_(raw, sign_type):
        seen.setdefault("canonical_request", raw.decode("utf-8"))
        return real_hash(raw, sign_type)

    def sign_(secret, source, sign_type):
        seen["string_to_sign"] = source
        return real_sign(secret, source, sign_type)

    ali_util.Client.hash, ali_util.signature_method = staticmethod(hash_), sign_
    try:
        auth = ali_util.Client.get_authorization(
            req, "ACS3-HMAC-SHA256", empty, case["access_key_id"], case["access_key_secret"]
        )
    finally:
        ali_util.Client.hash, ali_util.signature_method = staticmethod(real_hash), real_sign
    return {
        "input": case,
        "query": ali_util.get_canonical_query_string(query),
        "content_sha256": empty,
        "canonical_request": seen["canonical_request"],
        "string_to_sign": seen["string_to_sign"],
        "signature": auth.rsplit("Signature=", 1)[1],
        "authorization": auth,
    }


TENCENT_CASES = [
    {
        "name": "login_code",
        "secret_id": "FAKE-SECRET-ID-FOR-TESTS",
        "secret_key": "fake-secret-key-for-tests-only",
        "host": "sms.tencentcloudapi.com",
        "region": "ap-guangzhou",
        "timestamp": 1796173323,
        "sdk_app_id": "1400000000",
        "phone": "+8613800138000",
        "sign_name": "到家",
        "template_id": "1000001",
        "params": ["042917", "5"],
    },
    {
        # 23:59:59 UTC: the credential date is the UTC one, already the next day in Beijing.
        "name": "visit_reminder",
        "secret_id": "FAKE-SECRET-ID-FOR-TESTS",
        "secret_key": "fake-secret-key-for-tests-only",
        "host": "sms.tencentcloudapi.com",
        "region": "ap-shanghai",
        "timestamp": 1798761599,
        "sdk_app_id": "1400000000",
        "phone": "+8613912345678",
        "sign_name": "到家 Daojia",
        "template_id": "1000002",
        "params": ["深度保洁 (2h)*1 + 擦窗~/", "12-31 09:00", "11:00", "DJ20261231-0001"],
    },
]


class _Recorder:
    """Stands in for `hashlib` inside the SDK's module: records what it hashes."""

    def __init__(self, seen):
        self.seen = seen

    def sha256(self, data=b""):
        self.seen.setdefault("hashed", []).append(data.decode("utf-8"))
        return hashlib.sha256(data)


class _Clock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return float(self.now)


class _Json:
    """The SDK's json module, but dumps() writes the body as our provider sends it."""

    def __getattr__(self, name):
        return getattr(json, name)

    @staticmethod
    def dumps(value, *args, **kwargs):
        return compact(value)


def tencent(case):
    params = {
        "PhoneNumberSet": [case["phone"]],
        "SmsSdkAppId": case["sdk_app_id"],
        "SignName": case["sign_name"],
        "TemplateId": case["template_id"],
        "TemplateParamSet": case["params"],
    }
    http = HttpProfile(endpoint=case["host"])
    client = CommonClient(
        "sms",
        "2021-01-11",
        Credential(case["secret_id"], case["secret_key"]),
        case["region"],
        profile=ClientProfile(httpProfile=http),
    )
    req = RequestInternal(case["host"], "POST", "/")
    seen = {}
    real = (tc_client.time, tc_client.hashlib, tc_client.json, Sign.sign_tc3)

    def sign_tc3(secret_key, date, service, str2sign):
        seen["string_to_sign"] = str2sign
        return real[3](secret_key, date, service, str2sign)

    tc_client.time = _Clock(case["timestamp"])
    tc_client.hashlib = _Recorder(seen)
    tc_client.json = _Json()
    Sign.sign_tc3 = staticmethod(sign_tc3)
    try:
        client._build_req_with_tc3_signature("SendSms", params, req)
    finally:
        tc_client.time, tc_client.hashlib, tc_client.json = real[:3]
        Sign.sign_tc3 = staticmethod(real[3])
    auth = req.header["Authorization"]
    signed = {
        k: req.header[k]
        for k in ("Content-Type", "Host", "X-TC-Action", "X-TC-Timestamp", "X-TC-Version", "X-TC-Region")
    }
    return {
        "input": case,
        "body": req.data,
        "headers": signed,
        # The SDK hashes the payload, then the canonical request.
        "canonical_request": seen["hashed"][1],
        "string_to_sign": seen["string_to_sign"],
        "signature": auth.rsplit("Signature=", 1)[1],
        "authorization": auth,
    }


def main():
    out = {
        "sdks": PINNED,
        "aliyun": [aliyun(c) for c in ALIYUN_CASES],
        "tencent": [tencent(c) for c in TENCENT_CASES],
    }
    text = json.dumps(out, ensure_ascii=False, indent=2) + "\n"
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
