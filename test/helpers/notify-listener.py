#!/usr/bin/env python3
"""A stand-in for systemd's notify socket: prints each datagram with the sender's PID.

Usage: notify-listener.py SOCKET_PATH
Prints 'listening' once bound, then one JSON line per message: {"pid": N, "message": "..."}.
The PID comes from SCM_CREDENTIALS (SO_PASSCRED), i.e. from the kernel, as systemd sees it.
"""
import json, os, socket, struct, sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind(path)
print("listening", flush=True)
creds_size = struct.calcsize("3i")
while True:
    data, ancdata, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(creds_size))
    pid = None
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, _uid, _gid = struct.unpack("3i", payload[:creds_size])
    print(json.dumps({"pid": pid, "message": data.decode("utf-8", "replace")}), flush=True)
