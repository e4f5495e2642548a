"""Writes the seed corpus of the `decode_frame` target: every distinct binary WebSocket
frame (up to 8 KiB) of the captured worker-protocol sessions, one file per frame named by
its SHA-1. Usage: python3 fuzz/make_seed_corpus.py /path/to/shared/reference/protocol"""

import base64
import glob
import hashlib
import json
import os
import sys

captures = sys.argv[1]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "decode_frame")
os.makedirs(out, exist_ok=True)
for path in sorted(glob.glob(os.path.join(captures, "*.jsonl"))):
    with open(path) as lines:
        for line in lines:
            event = json.loads(line)
            if event.get("kind") != "ws-message" or not event.get("raw_b64"):
                continue
            frame = base64.b64decode(event["raw_b64"])
            if len(frame) <= 8192:
                with open(os.path.join(out, hashlib.sha1(frame).hexdigest()), "wb") as f:
                    f.write(frame)
