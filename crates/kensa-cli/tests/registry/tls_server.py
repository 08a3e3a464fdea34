#!/usr/bin/env python3
"""A static HTTPS server for the tests: serves DIRECTORY on 127.0.0.1 with a
certificate for 127.0.0.1 signed by a throwaway CA, whose certificate it
writes to CA_PATH (what a company's private CA bundle would be). Prints the
port on its first line of output.

With --certificates-only it serves nothing: it writes the server's
certificate and key into MATERIAL_DIRECTORY (chain.pem, key.pem) and the CA's
to CA_PATH, for a server of the test's own (docker-registry) to use.

Usage: tls_server.py DIRECTORY CA_PATH
       tls_server.py --certificates-only MATERIAL_DIRECTORY CA_PATH
"""

import datetime
import functools
import http.server
import ipaddress
import os
import ssl
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate(subject, issuer, public_key, signing_key, is_ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def write_material(ca_path, material):
    """Writes a fresh CA to ca_path and a 127.0.0.1 certificate it signed
    (chain.pem, key.pem) into material; returns their paths."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("kensa test CA", "kensa test CA", ca_key.public_key(), ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = certificate("127.0.0.1", "kensa test CA", server_key.public_key(), ca_key, False)
    with open(ca_path, "wb") as output:
        output.write(ca.public_bytes(serialization.Encoding.PEM))
    chain_path = os.path.join(material, "chain.pem")
    key_path = os.path.join(material, "key.pem")
    with open(chain_path, "wb") as output:
        output.write(server.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as output:
        output.write(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return chain_path, key_path


def main():
    if sys.argv[1] == "--certificates-only":
        write_material(sys.argv[3], sys.argv[2])
        return
    directory, ca_path = sys.argv[1], sys.argv[2]
    chain_path, key_path = write_material(ca_path, tempfile.mkdtemp())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain_path, key_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    handler.log_message = lambda *arguments: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
