#!/usr/bin/env python3
"""A real SMTP server for the email tests (aiosmtpd), with scriptable faults.

    smtp_sink.py --port P --out received.jsonl [--faults faults.json]
    smtp_sink.py --port P --raw messages.bin     (benchmark: keep raw messages, parse nothing)
    smtp_sink.py --port P --discard              (benchmark: accept and forget)

Every accepted message is appended to --out as one JSON line: envelope recipients and the
parsed message (headers decoded, text and HTML parts). faults.json maps a recipient address
to a list of actions, used one per delivery attempt: "451" / "550" (answer RCPT with that
code), "drop" (close the connection in the middle of DATA), "slow" (wait 1 s before 250),
"ok". When a recipient's list is used up, it is accepted.
"""
import argparse
import warnings
import asyncio
import email
import email.policy
import json
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Discard:
    """Accepts everything; with a file, appends each raw message (length-prefixed)."""

    def __init__(self, raw=None):
        self.raw = open(raw, "ab") if raw else None
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.raw:
            data = envelope.original_content or envelope.content
            self.raw.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "size": len(data)}).encode() + b"\n")
            self.raw.write(data + b"\n")
            self.raw.flush()
        self.count += 1
        return "250 2.0.0 accepted"


class Sink:
    def __init__(self, out, faults):
        self.out = out
        self.faults = faults

    def action(self, address):
        plan = self.faults.get(address.lower())
        return plan.pop(0) if plan else "ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        act = self.action(address)
        if act == "451":
            return "451 4.3.0 try again later"
        if act == "550":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.__dict__.setdefault("acts", []).append(act)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        acts = envelope.__dict__.get("acts", [])
        if "drop" in acts:
            server.transport.close()
            return "421 closing"
        if "slow" in acts:
            await asyncio.sleep(1.0)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "rcpt": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "reply_to": str(msg["Reply-To"] or ""),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "date": str(msg["Date"] or ""),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "received_at": time.time(),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 2.0.0 accepted"


def main():
    # aiosmtpd warns about AUTH without TLS; the test sink runs on loopback on purpose.
    warnings.filterwarnings("ignore")
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out")
    p.add_argument("--faults")
    p.add_argument("--raw")
    p.add_argument("--discard", action="store_true")
    p.add_argument("--auth", help="USER:PASSWORD that AUTH must present (no TLS needed)")
    p.add_argument("--no-smtputf8", action="store_true", help="do not offer SMTPUTF8 (RFC 6531)")
    a = p.parse_args()
    faults = {}
    if a.faults:
        with open(a.faults, encoding="utf-8") as f:
            faults = {k.lower(): list(v) for k, v in json.load(f).items()}
    handler = Discard(a.raw) if (a.raw or a.discard) else Sink(a.out, faults)
    auth = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = data.login == user.encode() and data.password == password.encode()
            # handled=False: aiosmtpd then answers 535 itself (with its default, handled
            # failures get no reply at all and the client waits for ever).
            return AuthResult(success=ok, handled=False)

        auth = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if a.no_smtputf8:
        auth["enable_SMTPUTF8"] = False
    controller = Controller(handler, hostname="127.0.0.1", port=a.port, **auth)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
