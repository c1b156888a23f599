"""Ed25519 signatures on certificates (the ``sign`` extra: ``pip install 'webchat-contract[sign]'``).

The signature covers every field of the certificate but itself, and with it the results' hash: whoever holds the
public key can tell that a bundle is the one the key's owner produced, unedited.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .files import sha256, to_json_bytes, write_atomically

SIGNATURE = "signature"
ALGORITHM = "ed25519"
INSTALL_HINT = "pip install 'webchat-contract[sign]'"


class SigningError(Exception):
    """A key cannot be read or used; the message is one line."""


def _serialization():
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise SigningError(f"signing needs the cryptography package: {INSTALL_HINT}") from None
    return serialization


def _ed25519():
    _serialization()
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SigningError(f"{path}: cannot read the key: {error.strerror or error}") from None


def load_private_key(path: Path):
    serialization = _serialization()
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as error:
        raise SigningError(f"{path}: not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key (make one with: webchat-contract keygen)")
    return key


def load_public_key(path: Path):
    serialization = _serialization()
    try:
        key = serialization.load_pem_public_key(_read(path))
    except (ValueError, TypeError) as error:
        raise SigningError(f"{path}: not a PEM public key ({error})") from None
    if not isinstance(key, _ed25519().Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def _raw_public(key) -> bytes:
    serialization = _serialization()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw_public_key: bytes) -> str:
    return "sha256:" + sha256(raw_public_key)[:16]


def signed_part(certificate: Mapping[str, Any]) -> bytes:
    return to_json_bytes({name: value for name, value in certificate.items() if name != SIGNATURE})


def sign(certificate: Mapping[str, Any], private_key) -> dict[str, Any]:
    raw_public = _raw_public(private_key.public_key())
    return {
        **{name: value for name, value in certificate.items() if name != SIGNATURE},
        SIGNATURE: {
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(raw_public).decode(),
            "key_fingerprint": fingerprint(raw_public),
            "value": base64.b64encode(private_key.sign(signed_part(certificate))).decode(),
        },
    }


def check(certificate: Mapping[str, Any], public_key) -> str | None:
    """None when ``public_key`` signed this very certificate; otherwise what is wrong, in one line."""
    from cryptography.exceptions import InvalidSignature

    signature = certificate.get(SIGNATURE)
    if not isinstance(signature, dict):
        return "not signed (a signed certificate was expected)"
    if signature.get("algorithm") != ALGORITHM:
        return f"signature algorithm {signature.get('algorithm')!r} is not {ALGORITHM}"
    if signature.get("public_key") != base64.b64encode(_raw_public(public_key)).decode():
        return "signed with another key than the one given"
    try:
        public_key.verify(base64.b64decode(str(signature.get("value")), validate=True), signed_part(certificate))
    except (InvalidSignature, ValueError):
        return "signature does not match the certificate (altered after signing)"
    return None


def sign_file(path: Path, key_path: Path) -> str:
    """Sign the certificate at ``path`` in place; returns the key's fingerprint."""
    import json

    key = load_private_key(key_path)
    certificate = json.loads(path.read_text(encoding="utf-8"))
    signed = sign(certificate, key)
    write_atomically(path, to_json_bytes(signed))
    return signed[SIGNATURE]["key_fingerprint"]


def generate(private_path: Path, public_path: Path) -> str:
    """A new key pair: the private key readable by its owner only; returns its fingerprint."""
    serialization = _serialization()
    key = _ed25519().Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        with os.fdopen(os.open(private_path, flags, 0o600), "wb") as out:
            out.write(private_pem)
    except OSError as error:
        raise SigningError(f"{private_path}: cannot write the private key: {error.strerror or error}") from None
    write_atomically(public_path, public_pem)
    return fingerprint(_raw_public(key.public_key()))
