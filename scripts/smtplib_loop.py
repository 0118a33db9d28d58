#!/usr/bin/env python3
"""The send benchmark's baseline: a plain smtplib loop that sends the same rendered messages
(as captured by tests/smtp_sink.py --raw) over one connection, one after another.

    smtplib_loop.py --port P --raw messages.bin   → prints "N messages in S seconds"
"""
import argparse
import json
import smtplib
import time


def messages(path):
    with open(path, "rb") as f:
        while True:
            head = f.readline()
            if not head:
                return
            meta = json.loads(head)
            data = f.read(meta["size"])
            f.read(1)
            yield meta["from"], meta["to"], data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--raw", required=True)
    a = p.parse_args()
    batch = list(messages(a.raw))
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", a.port) as smtp:
        for sender, rcpt, data in batch:
            smtp.sendmail(sender, rcpt, data)
    print(f"{len(batch)} messages in {time.monotonic() - start:.2f} seconds")


if __name__ == "__main__":
    main()
