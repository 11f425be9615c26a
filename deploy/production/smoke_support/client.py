"""A user's HTTPS client: nginx on loopback, the smoke's certificate verified, cookies kept per
host."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


class Browser:
    """HTTPS to nginx on loopback, verifying the smoke's certificate for the names it serves."""

    def __init__(self, port: int, certificate: Path) -> None:
        self.port = port
        self.context = ssl.create_default_context(cafile=str(certificate))
        self.cookies: dict[str, dict[str, str]] = {}  # host -> name -> value

    def request(
        self,
        method: str,
        host: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        wrapped = self.context.wrap_socket(sock, server_hostname=host)
        connection = http.client.HTTPSConnection(host, self.port, timeout=30)
        connection.sock = wrapped
        try:
            sent = {"Host": host, **(headers or {})}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                sent["Content-Type"] = "application/json"
            elif form is not None:
                payload = urlencode(form).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
                # What a browser sends with a form: Django's CSRF check over HTTPS wants it.
                sent["Origin"] = f"https://{host}"
                sent["Referer"] = f"https://{host}{path}"
            jar = self.cookies.setdefault(host, {})
            if jar:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        jar[morsel.key] = morsel.value
            answer = {k.lower(): v for k, v in response.getheaders()}
            return response.status, answer, response.read()
        finally:
            connection.close()


def plain_get(port: int, host: str, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        connection.close()
