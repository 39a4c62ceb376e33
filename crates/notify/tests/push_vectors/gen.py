#!/usr/bin/env python3
"""Independent vectors for the push channels (tests/push_vectors.rs checks the crate against them).

Nothing here shares code with daojia-notify:

- Web Push encryption (RFC 8291, aes128gcm): `http_ece.encrypt`, the implementation pywebpush
  sends with, on fixed keys and salts (deterministic, so recomputed byte for byte), plus the
  RFC 8291 section 5 example, which http_ece must decrypt here before it is written.
- VAPID (RFC 8292): `py_vapid.Vapid02.sign`, pywebpush's signer, on a fixed key. ES256 with
  OpenSSL's random nonce differs on every run, so `--check` verifies the committed tokens with
  py_vapid instead of comparing them, and recomputes the public key byte for byte.
- JPush REST v3 push: the request JPush's own SDK (`jpush` on PyPI) sends, captured by a local
  HTTP server standing in for api.jpush.cn, with the app key and master secret of the JPush
  documentation's example (so its Authorization header is the documented one).
- Getui REST API v2: Getui publishes no v2 SDK on PyPI or npm (gt-push-sdk and igetui are the
  retired v1 protocol). Its vectors are the documentation's own examples: the `auth` body with
  the documented sign rule sha256(appkey + timestamp + mastersecret) (hashlib here) and the
  `push/single/cid` body example, copied as published.
- WeChat subscribe messages: the requests `wechatpy` (the widely used WeChat SDK on PyPI)
  sends, captured by a local HTTP server standing in for api.weixin.qq.com: the official
  account's `message/subscribe/bizsend`, the mini program's `cgi-bin/message/subscribe/send`,
  and the two code exchanges (`sns/jscode2session`, `sns/oauth2/access_token`). wechatpy
  predates the mini program's `miniprogram_state` and `lang` fields, which the test adds to
  its body as the current documentation describes them.

    python3 gen.py            # print the vectors
    python3 gen.py --write    # rewrite vectors.json beside this file
    python3 gen.py --check    # exit 1 when vectors.json does not hold up (see above)
"""

import base64
import hashlib
import http.server
import json
import os
import sys
import threading

import http_ece
import jpush
import py_vapid
import urllib.parse
import wechatpy
from wechatpy.client.api.wxa import WeChatWxa
from wechatpy.oauth import WeChatOAuth
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jpush import common as jpush_common

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectors.json")


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def key_from(label):
    """A fixed P-256 key derived from a label (test keys; they protect nothing)."""
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    d = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (n - 1) + 1
    return ec.derive_private_key(d, ec.SECP256R1())


def raw_private(key):
    return key.private_numbers().private_value.to_bytes(32, "big")


def raw_public(key):
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


# RFC 8291 section 5, as published.
RFC8291 = {
    "plaintext": "When I grow up, I want to be a watermelon",
    "as_private": "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
    "ua_private": "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
    "ua_public": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    "salt": "DGv6ra1nlYgDCS1FRnbzlw",
    "auth": "BTBZMqHH6r4Tts7J_aSIgg",
    "message": "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
}


def rfc8291():
    ua = ec.derive_private_key(int.from_bytes(unb64u(RFC8291["ua_private"]), "big"), ec.SECP256R1())
    plain = http_ece.decrypt(
        unb64u(RFC8291["message"]),
        private_key=ua,
        auth_secret=unb64u(RFC8291["auth"]),
        version="aes128gcm",
    )
    assert plain.decode() == RFC8291["plaintext"], "http_ece does not decrypt the RFC example"
    assert b64u(raw_public(ua)) == RFC8291["ua_public"]
    return dict(RFC8291, source="RFC 8291 section 5; decrypted by http_ece in gen.py")


ECE_CASES = [
    ("short", '{"title":"师傅已出发","body":"预计 12 分钟到达","url":"/orders/42","tag":"order-42"}'),
    ("ascii", "hello"),
    # (No empty case: http_ece writes a header without any record for an empty plaintext,
    # which RFC 8188 does not allow, since the last record carries the delimiter 2.)
    ("one byte", "x"),
    ("max", "x" * 3993),
]


def ece():
    out = []
    for i, (name, text) in enumerate(ECE_CASES):
        sender = key_from(f"daojia push vector sender {i}")
        ua = key_from(f"daojia push vector browser {i}")
        auth = hashlib.sha256(f"daojia push vector auth {i}".encode()).digest()[:16]
        salt = hashlib.sha256(f"daojia push vector salt {i}".encode()).digest()[:16]
        body = http_ece.encrypt(
            text.encode(),
            salt=salt,
            private_key=sender,
            dh=raw_public(ua),
            auth_secret=auth,
            version="aes128gcm",
            rs=4096,
        )
        out.append(
            {
                "name": name,
                "plaintext": text,
                "as_private": b64u(raw_private(sender)),
                "ua_private": b64u(raw_private(ua)),
                "ua_public": b64u(raw_public(ua)),
                "auth": b64u(auth),
                "salt": b64u(salt),
                "body": b64u(body),
            }
        )
    return out


VAPID_CASES = [
    ("https://push.example.net", 1765000000 + 12 * 3600, "mailto:ops@daojia.invalid"),
    ("http://127.0.0.1:8091", 1765000000 + 3600, "mailto:push@daojia.invalid"),
]


def vapid(previous=None):
    key = key_from("daojia push vector vapid")
    v = py_vapid.Vapid02.from_raw(b64u(raw_private(key)).encode())
    public = b64u(v.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    cases = []
    for i, (aud, exp, sub) in enumerate(VAPID_CASES):
        claims = {"aud": aud, "exp": exp, "sub": sub}
        if previous is not None:
            header = previous["cases"][i]["authorization"]
            assert previous["cases"][i]["claims"] == claims, "VAPID claims changed"
        else:
            header = v.sign(claims)["Authorization"]
        assert py_vapid.Vapid02.verify(header), "py_vapid does not verify the token"
        cases.append({"claims": claims, "authorization": header})
    return {
        "private": b64u(raw_private(key)),
        "public": public,
        "source": "py_vapid.Vapid02.sign (pywebpush's signer); tokens verified by py_vapid.Vapid02.verify",
        "cases": cases,
    }


# JPush: the documentation's example credentials (Push API v3, "请求示例").
JPUSH_APP_KEY = "7d431e42dfa6a6d693ac2d04"
JPUSH_MASTER_SECRET = "5e987ac6d2e04d95a9d8f0d1"
JPUSH_DOC_AUTHORIZATION = "Basic N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ=="

JPUSH_CASES = [
    {
        "registration_id": "1a0018970af8c7b2e94",
        "title": "师傅已出发",
        "body": "预计 12 分钟到达",
        "url": "/orders/42",
        "tag": "order-42",
        "time_to_live": 86400,
        "apns_production": False,
    },
    {
        "registration_id": "160a3797c80d5d0c2b1",
        "title": "Payment due",
        "body": "Your balance of ¥88.00 is due",
        "url": None,
        "tag": None,
        "time_to_live": 3600,
        "apns_production": True,
    },
]


class Capture(http.server.BaseHTTPRequestHandler):
    got = []

    def do_GET(self):
        Capture.got.append({"path": self.path, "headers": dict(self.headers), "body": b""})
        answer = b'{"openid":"oDaojiaTestOpenid0000000000001","session_key":"x","access_token":"t","expires_in":7200,"refresh_token":"r","scope":"snsapi_base"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Capture.got.append({"path": self.path, "headers": dict(self.headers), "body": body})
        answer = b'{"sendno":"0","msg_id":"54043195528000000","errcode":0,"errmsg":"ok","msgid":1}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def jpush_vectors():
    server = http.server.HTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    jpush_common.ZONES["DEFAULT"]["PUSH"] = "http://127.0.0.1:%d/v3/" % server.server_port
    client = jpush.JPush(JPUSH_APP_KEY, JPUSH_MASTER_SECRET)
    out = []
    for case in JPUSH_CASES:
        extras = {k: case[k] for k in ("url", "tag") if case[k] is not None}
        push = client.create_push()
        push.platform = jpush.all_
        push.audience = jpush.audience(jpush.registration_id(case["registration_id"]))
        push.notification = jpush.notification(
            alert=case["body"],
            android=jpush.android(alert=case["body"], title=case["title"], extras=extras or None),
            ios=jpush.ios(
                alert={"title": case["title"], "body": case["body"]},
                sound="default",
                badge="+1",
                extras=extras or None,
            ),
        )
        push.options = {"time_to_live": case["time_to_live"], "apns_production": case["apns_production"]}
        Capture.got.clear()
        push.send()
        got = Capture.got[0]
        assert got["headers"]["Authorization"] == JPUSH_DOC_AUTHORIZATION
        out.append(
            {
                "input": case,
                "path": got["path"],
                "authorization": got["headers"]["Authorization"],
                "body": json.loads(got["body"]),
            }
        )
    server.shutdown()
    return {
        "app_key": JPUSH_APP_KEY,
        "master_secret": JPUSH_MASTER_SECRET,
        "documented_authorization": JPUSH_DOC_AUTHORIZATION,
        "source": "jpush %s (JPush's Python SDK), Push.send captured; credentials and Authorization from JPush's Push API v3 documentation" % jpush.__version__
        if hasattr(jpush, "__version__")
        else "jpush (JPush's Python SDK), Push.send captured; credentials and Authorization from JPush's Push API v3 documentation",
        "cases": out,
    }


# Getui REST API v2: the documentation's examples.
GETUI_AUTH = [
    # appkey from the documentation's auth example; timestamps of 13 digits as documented
    {"appkey": "YZkTKbz91l84HyM0TGlb38", "timestamp": "1608172111917", "mastersecret": "daojiaTestMasterSecret000000"},
    {"appkey": "testAppKey0000000000001", "timestamp": "1765000000000", "mastersecret": "anotherTestMasterSecret1"},
]

GETUI_PUSH_DOC = {
    "request_id": "xxx",
    "settings": {"ttl": 7200000},
    "audience": {"cid": ["xxx"]},
    "push_message": {
        "notification": {
            "title": "请填写通知标题",
            "body": "请填写通知内容",
            "click_type": "url",
            "url": "https//:xxx",
        }
    },
}


def getui():
    auth = []
    for a in GETUI_AUTH:
        sign = hashlib.sha256((a["appkey"] + a["timestamp"] + a["mastersecret"]).encode()).hexdigest()
        auth.append(dict(a, body={"sign": sign, "timestamp": a["timestamp"], "appkey": a["appkey"]}))
    return {
        "source": "Getui RestAPI V2 documentation: 鉴权API (auth body, sign = sha256(appkey+timestamp+mastersecret), computed with hashlib) and 推送API 【toSingle】执行cid单推 (body example as published)",
        "auth": auth,
        "push_single_cid": {
            "input": {
                "request_id": "xxx",
                "cid": "xxx",
                "title": "请填写通知标题",
                "body": "请填写通知内容",
                "url": "https//:xxx",
                "ttl_ms": 7200000,
            },
            "body": GETUI_PUSH_DOC,
        },
    }


# WeChat subscribe messages: fake credentials of our own (they open nothing).
WECHAT_APP_ID = "wx0123456789abcdef"
WECHAT_APP_SECRET = "fake-app-secret-for-vectors-0001"
WECHAT_TOKEN = "FAKE_ACCESS_TOKEN_FOR_VECTORS"
WECHAT_CASES = [
    {
        "openid": "oDaojiaTestOpenid0000000000001",
        "template_id": "tplDepartedFake0000000000000000000000000001",
        "page": "pages/order/detail?id=0b6f1c9e",
        "data": {"thing1": {"value": "李师傅已出发"}, "character_string2": {"value": "DJ20261206001"}},
    },
    {
        "openid": "oDaojiaTestOpenid0000000000002",
        "template_id": "tplRefundFake00000000000000000000000000002",
        "page": None,
        "data": {"amount1": {"value": "¥128.50"}, "thing2": {"value": "深度保洁（厨房 + 卫生间 + 阳..."}},
    },
]


def wechat():
    server = http.server.HTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % server.server_port
    client = wechatpy.WeChatClient(WECHAT_APP_ID, WECHAT_APP_SECRET, access_token=WECHAT_TOKEN)
    client.API_BASE_URL = base + "cgi-bin/"
    client.wxa.API_BASE_URL = base

    def captured():
        got = Capture.got[-1]
        url = urllib.parse.urlsplit(got["path"])
        return url.path, dict(urllib.parse.parse_qsl(url.query)), json.loads(got["body"]) if got["body"] else None

    sends = []
    for case in WECHAT_CASES:
        Capture.got.clear()
        client.message.send_subscribe_message(case["openid"], case["template_id"], case["data"], page=case["page"])
        biz = captured()
        Capture.got.clear()
        client.wxa.send_subscribe_message(case["openid"], case["template_id"], case["data"], page=case["page"])
        mini = captured()
        sends.append(
            {
                "input": case,
                "official_account": {"path": biz[0], "query": biz[1], "body": biz[2]},
                "mini_program": {"path": mini[0], "query": mini[1], "body": mini[2]},
            }
        )
    Capture.got.clear()
    client.wxa.code_to_session("081fakeJsCode")
    js = captured()
    oauth = WeChatOAuth(WECHAT_APP_ID, WECHAT_APP_SECRET, "https://h5.daojia.invalid/")
    oauth.API_BASE_URL = base
    Capture.got.clear()
    oauth.fetch_access_token("021fakeOauthCode")
    oa = captured()
    server.shutdown()
    return {
        "source": "wechatpy %s (PyPI), WeChatClient.message.send_subscribe_message (bizsend), .wxa.send_subscribe_message (send), .wxa.code_to_session and WeChatOAuth.fetch_access_token, captured; fake credentials" % wechatpy.__version__,
        "app_id": WECHAT_APP_ID,
        "app_secret": WECHAT_APP_SECRET,
        "access_token": WECHAT_TOKEN,
        "sends": sends,
        "code_exchange": {
            "mini_program": {"code": "081fakeJsCode", "path": js[0], "query": js[1]},
            "official_account": {"code": "021fakeOauthCode", "path": oa[0], "query": oa[1]},
        },
    }


def compute(previous=None):
    return {
        "rfc8291": rfc8291(),
        "ece": ece(),
        "vapid": vapid(previous["vapid"] if previous else None),
        "jpush": jpush_vectors(),
        "getui": getui(),
        "wechat": wechat(),
    }


def dump(v):
    return json.dumps(v, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main():
    if "--check" in sys.argv:
        with open(OUT) as f:
            committed = json.load(f)
        fresh = compute(committed)
        if dump(fresh) != dump(committed):
            sys.stderr.write("push vectors: vectors.json differs from a fresh computation\n")
            sys.exit(1)
        print("push vectors: vectors.json holds")
        return
    previous = None
    if "--write" in sys.argv and os.path.exists(OUT) and "--new-tokens" not in sys.argv:
        with open(OUT) as f:
            previous = json.load(f)
    text = dump(compute(previous))
    if "--write" in sys.argv:
        with open(OUT, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
