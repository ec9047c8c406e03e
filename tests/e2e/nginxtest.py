# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""nginx (Debian nginx-light) started for tests and benchmarks: a generated nginx.conf in a temp
directory serving ROOT on 127.0.0.1 with a free port, with docs/examples/nginx-vouch-static.conf
included as it is; stopped by the pid in its pid file."""

import os
import signal
import socket
import subprocess
import tempfile
import time

NGINX = "/usr/sbin/nginx"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    def __init__(self, root, snippet, workers=1, access_log=True):
        self.dir = tempfile.mkdtemp(prefix="vouch-nginx-")
        self.pid_file = os.path.join(self.dir, "nginx.pid")
        self.error_log = os.path.join(self.dir, "error.log")
        user = ""
        if os.geteuid() == 0:
            # Workers would run as nobody, who cannot read a test's private temp directories.
            user = "user root;\n"
        temp = "".join("    %s_temp_path %s/%s;\n" % (t, self.dir, t)
                       for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "nginx.conf")
            with open(conf, "w") as f:
                f.write(
                    "%sworker_processes %d;\npid %s;\nerror_log %s warn;\n"
                    "events { worker_connections 4096; }\n"
                    "http {\n%s"
                    "    access_log %s;\n"
                    "    sendfile on;\n    tcp_nopush on;\n    keepalive_requests 100000;\n"
                    "    server {\n        listen 127.0.0.1:%d;\n        root %s;\n"
                    "        include %s;\n    }\n}\n"
                    % (user, workers, self.pid_file, self.error_log, temp,
                       os.path.join(self.dir, "access.log") if access_log else "off",
                       self.port, os.path.abspath(root), os.path.abspath(snippet)))
            out = subprocess.run([NGINX, "-p", self.dir, "-c", conf], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            if out.returncode == 0:
                break
            if b"Address already in use" not in out.stdout or attempt == 4:
                raise RuntimeError("nginx did not start: %s" % out.stdout.decode())
        deadline = time.time() + 20
        self.pid = None
        while time.time() < deadline:
            try:
                with open(self.pid_file) as f:
                    self.pid = int(f.read().strip())
                break
            except (OSError, ValueError):
                time.sleep(0.02)
        if self.pid is None:
            raise RuntimeError("nginx wrote no pid file")
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        """Stops the master (and so its workers) by pid and waits until it is gone."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGQUIT)
        except ProcessLookupError:
            pass
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None
