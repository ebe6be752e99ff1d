#!/usr/bin/python3
# Asks clamd for PING on its local socket (clamd(8): "zPING\0" -> "PONG").
# Exit 0 on PONG, 1 otherwise: what the role's check and an operator run.
import socket
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/run/clamav/clamd.ctl"
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(b"zPING\0")
        answer = s.recv(64).rstrip(b"\0\n").decode("ascii", "replace")
except OSError as error:
    print(f"clamd at {path}: {error}", file=sys.stderr)
    sys.exit(1)
print(answer)
sys.exit(0 if answer == "PONG" else 1)
