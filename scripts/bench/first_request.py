#!/usr/bin/env python3
"""Time from spawning a server to its first answered request.

Usage: first_request.py PORT LOG -- COMMAND [ARGS...]

Spawns COMMAND (stderr to LOG), then tries to connect to 127.0.0.1:PORT in a
tight loop; once connected it sends `GET /api/protected/` without
credentials and waits for the status line. Prints the milliseconds from just
before the spawn to a 200 or 401 answer, and the server's VmRSS in KiB one
second later (idle, one request served), then stops the server with SIGTERM.
"""
import os
import signal
import socket
import subprocess
import sys
import time


def main():
    port = int(sys.argv[1])
    log = sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    request = b"GET /api/protected/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with open(log, "ab") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        status = None
        while time.perf_counter() - t0 < 10:
            if proc.poll() is not None:
                sys.exit(f"server exited with {proc.returncode}; see {log}")
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(request)
                data = b""
                while b"\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                parts = data.split(b" ", 2)
                if len(parts) >= 2 and parts[1] in (b"200", b"401"):
                    status = int(parts[1])
                    break
            except OSError:
                pass
            finally:
                s.close()
        t1 = time.perf_counter()
        if status is None:
            proc.kill()
            sys.exit("no answer within 10 s")
        time.sleep(1)
        rss = 0
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"{(t1 - t0) * 1000:.2f} {rss}")


if __name__ == "__main__":
    main()
