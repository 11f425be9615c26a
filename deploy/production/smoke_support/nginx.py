"""deploy/production/nginx.conf installed the way its header says, into a copy of this machine's
/etc/nginx, with a self-signed wildcard certificate."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from deploy.production.smoke_support.common import (
    BASE_DOMAIN,
    PRODUCTION,
    WORK,
    SmokeFailure,
    check,
    say,
)


def nginx_and_openssl() -> tuple[str, str]:
    def found() -> tuple[str | None, str | None]:
        nginx = next(
            (p for p in ("/usr/sbin/nginx", shutil.which("nginx")) if p and Path(p).exists()), None
        )
        return nginx, shutil.which("openssl")

    nginx, openssl = found()
    if not (nginx and openssl) and shutil.which("apt-get") and os.geteuid() == 0:
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(
            [
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "nginx-light",
                "openssl",
            ],
            env=env,
            check=True,
        )
        nginx, openssl = found()
    if not (nginx and openssl):
        raise SmokeFailure("Debian's nginx and openssl are needed: apt-get install nginx-light")
    return nginx, openssl


def self_signed_wildcard(openssl: str, directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", f"/CN={BASE_DOMAIN}"),
            *("-addext", f"subjectAltName=DNS:{BASE_DOMAIN},DNS:*.{BASE_DOMAIN}"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def envsubst(text: str, values: dict[str, str]) -> str:
    """`envsubst '${A} ${B}'` as the file's header runs it: only the named variables."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def install_nginx(
    nginx: str, openssl: str, web_port: int, https_port: int, http_port: int
) -> tuple[list[str], Path]:
    """deploy/production/nginx.conf installed as its header says into a copy of /etc/nginx;
    returns the command that runs it and the directory of its logs."""
    etc = WORK / "etc-nginx"
    logs = WORK / "nginx-logs"
    temp = WORK / "nginx-temp"
    shutil.copytree("/etc/nginx", etc, symlinks=True)
    for directory in (logs, temp):
        directory.mkdir()
        directory.chmod(0o777)
    WORK.chmod(0o755)
    certificate, key = self_signed_wildcard(openssl, WORK)
    site = envsubst(
        (PRODUCTION / "nginx.conf").read_text(),
        {
            "BASE_DOMAIN": BASE_DOMAIN,
            "WEB_UPSTREAM": f"127.0.0.1:{web_port}",
            "TLS_CERTIFICATE": str(certificate),
            "TLS_CERTIFICATE_KEY": str(key),
        },
    )
    # This machine only: loopback ports instead of 80/443 (other services may hold those), no IPv6
    # listens (loopback ::1 may not exist), logs in the work directory.
    site = re.sub(r"^\s*listen \[::\]:\d+.*;\n", "", site, flags=re.MULTILINE)
    site = re.sub(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{http_port};", site, flags=re.M)
    site = re.sub(r"^(\s*)listen 443 ", rf"\1listen 127.0.0.1:{https_port} ", site, flags=re.M)
    site = site.replace("/var/log/nginx/", f"{logs}/")
    (etc / "sites-available" / "ops").write_text(site)
    main = (etc / "nginx.conf").read_text().replace("/etc/nginx/", f"{etc}/")
    main = main.replace("/run/nginx.pid", f"{WORK}/nginx.pid").replace(
        "/var/log/nginx/", f"{logs}/"
    )
    main = re.sub(
        r"http \{",
        "http {\n"
        + "".join(
            f"\t{kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        main,
        count=1,
    )
    if os.geteuid() != 0:
        main = re.sub(r"^user .*;\n", "", main, flags=re.MULTILINE)
    (etc / "nginx.conf").write_text(main)
    # The stock prefix (module paths are relative to it); every path we write is absolute.
    command = [nginx, "-c", str(etc / "nginx.conf"), "-e", str(logs / "error.log")]

    enabled = etc / "sites-enabled"
    (enabled / "ops").symlink_to("../sites-available/ops")
    # First beside Debian's default site (what failed before: "duplicate default server")...
    if (enabled / "default").exists():
        test = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if test.returncode != 0:
            raise SmokeFailure(f"nginx -t refuses the site beside the default site:\n{test.stderr}")
        say("ok   nginx -t accepts the site beside Debian's default site")
        (enabled / "default").unlink()  # ...then as the header says: it replaces the default.
    test = subprocess.run([*command, "-t"], capture_output=True, text=True)
    check(test.returncode == 0, "nginx -t accepts the site installed as documented")
    return command, logs
