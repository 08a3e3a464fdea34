#!/usr/bin/env python3
"""A Docker registry token service (the `auth.token` protocol of
distribution), for the registry tests: it issues ES256 JWTs that the real
`docker-registry` verifies against the certificate this script writes.

Usage: token_server.py CERT_PATH ISSUER SERVICE USER:PASSWORD
Writes a fresh self-signed P-256 certificate to CERT_PATH (the registry's
`rootcertbundle`), listens on 127.0.0.1 on a free port, and prints that port
on its first line of output. A request with the right Basic credentials gets
every action it asks for; an anonymous one gets `pull` only when the
repository starts with `public/`, and a 401 otherwise, as Docker Hub's
service treats private repositories.
"""

import base64
import datetime
import http.server
import json
import sys
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_certificate(path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kensa test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(path, "wb") as output:
        output.write(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate.public_bytes(serialization.Encoding.DER)


def main():
    cert_path, issuer, service, credentials = sys.argv[1:5]
    key, certificate_der = make_certificate(cert_path)

    def sign(claims):
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(certificate_der).decode()]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *arguments):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            authorization = self.headers.get("Authorization", "")
            authenticated = authorization == "Basic " + base64.b64encode(credentials.encode()).decode()
            if authorization and not authenticated:
                return self.answer(401, {"details": "wrong user name or password"})
            access = []
            for scope in query.get("scope", []):
                parts = scope.split(":")
                if len(parts) != 3 or parts[0] != "repository":
                    continue
                actions = parts[2].split(",")
                if not authenticated:
                    if not parts[1].startswith("public/"):
                        return self.answer(401, {"details": "authentication required for " + parts[1]})
                    actions = [action for action in actions if action == "pull"]
                access.append({"type": "repository", "name": parts[1], "actions": actions})
            now = int(time.time())
            claims = {
                "iss": issuer,
                "sub": "kensa-test" if authenticated else "",
                "aud": query.get("service", [service])[0],
                "exp": now + 300,
                "nbf": now - 10,
                "iat": now,
                "jti": str(uuid.uuid4()),
                "access": access,
            }
            token = sign(claims)
            self.answer(200, {"token": token, "access_token": token, "expires_in": 300})

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
