"""A throwaway HTTP server on 127.0.0.1 for download tests (no network needed)."""

import contextlib
import http.server
import threading


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]):
    """Serve ``handler`` on a free loopback port; yield ``"127.0.0.1:PORT"``."""
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
