#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An on-path attacker between two lu2kd with keys (test-lu2kd-auth-mitm.sh).

It relays udt datagrams or tcp streams from LISTEN to TO and back, and as
MODE says, changes the node handshake on the way (doc/security.md):

  pass          nothing changed (shows that the relay itself is faithful)
  flip-init     the initiation's caps byte (byte 2) flipped, its mac1 made
                again with --listener-key (mac1 is keyed by a public key only)
  flip-resp     the response's caps byte flipped, mac1 again with --connector-key
  forge-cookie  (udt) every initiation answered with a made-up cookie reply in
                the right form (type, version, the initiator's index), nothing
                relayed; what a connector sends next is counted

It prints one line per change to stdout (flushed) and runs until killed.
"""
import argparse
import base64
import hashlib
import os
import selectors
import socket
import sys

INIT_LEN, RESP_LEN, COOKIE_LEN, VERSION = 180, 76, 64, 2


def mac1(msg, pub):
    key = hashlib.sha256(b"lu2k mac1" + pub).digest()
    return hashlib.blake2b(msg, digest_size=16, key=key).digest()


def flip(msg, length, pub):
    m = bytearray(msg)
    m[2] ^= 1
    m[length - 16:length] = mac1(bytes(m[:length - 16]), pub)
    return bytes(m)


def say(what):
    print(what, flush=True)


def is_init(d):
    return len(d) in (INIT_LEN, INIT_LEN + 16) and d[0] == 1 and d[1] == VERSION


def is_resp(d):
    return len(d) == RESP_LEN and d[0] == 2 and d[1] == VERSION


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def udp(args):
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lsock.bind(hostport(args.listen))
    sel.register(lsock, selectors.EVENT_READ, None)
    up = {}  # client address -> socket towards TO
    to = hostport(args.to)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            d, src = s.recvfrom(65536)
            if key.data is None:  # from a client
                if args.mode == "forge-cookie" and is_init(d):
                    say("initiation of %d bytes from %s:%d" % (len(d), src[0], src[1]))
                    if len(d) == INIT_LEN:
                        r = bytes([3, VERSION, 0, 0]) + d[4:8] + os.urandom(COOKIE_LEN - 8)
                        lsock.sendto(r, src)
                        say("forged cookie reply sent")
                    continue
                if args.mode == "flip-init" and is_init(d):
                    d = flip(d, INIT_LEN, args.lpub) + d[INIT_LEN:]
                    say("initiation's caps flipped")
                u = up.get(src)
                if u is None:
                    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    u.connect(to)
                    up[src] = u
                    sel.register(u, selectors.EVENT_READ, src)
                u.send(d)
            else:  # from TO, back to the client key.data
                if args.mode == "flip-resp" and is_resp(d):
                    d = flip(d, RESP_LEN, args.cpub)
                    say("response's caps flipped")
                lsock.sendto(d, key.data)


def tcp_pump(sel, a, b, first, length, pub, what):
    # state: bytes of the handshake message still to see, a buffer
    sel.register(a, selectors.EVENT_READ, [b, first, length, pub, what, b""])


def tcp(args):
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(hostport(args.listen))
    lsock.listen(16)
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                c, _ = lsock.accept()
                u = socket.create_connection(hostport(args.to))
                # client -> server carries the initiation first, server -> client the response
                tcp_pump(sel, c, u, args.mode == "flip-init", INIT_LEN, args.lpub,
                         "initiation's caps flipped")
                tcp_pump(sel, u, c, args.mode == "flip-resp", RESP_LEN, args.cpub,
                         "response's caps flipped")
                continue
            s, st = key.fileobj, key.data
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                for x in (s, st[0]):
                    try:
                        sel.unregister(x)
                    except (KeyError, ValueError):
                        pass
                    x.close()
                continue
            if st[1]:  # hold the handshake message until it is whole, then change it
                st[5] += d
                if len(st[5]) < st[2]:
                    continue
                d = flip(st[5][:st[2]], st[2], st[3]) + st[5][st[2]:]
                st[1] = False
                say(st[4])
            st[0].sendall(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proto", choices=["udp", "tcp"])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--mode", default="pass",
                    choices=["pass", "flip-init", "flip-resp", "forge-cookie"])
    ap.add_argument("--listener-key", default="", help="base64 public key of the listener")
    ap.add_argument("--connector-key", default="", help="base64 public key of the connector")
    args = ap.parse_args()
    args.lpub = base64.b64decode(args.listener_key) if args.listener_key else b""
    args.cpub = base64.b64decode(args.connector_key) if args.connector_key else b""
    say("relay %s %s -> %s, %s" % (args.proto, args.listen, args.to, args.mode))
    (udp if args.proto == "udp" else tcp)(args)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
