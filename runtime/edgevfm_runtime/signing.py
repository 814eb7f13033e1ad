"""Signed bundles (optional authenticity): an Ed25519 signature over the exact bytes of
``manifest.json`` — which records every file's sha256 and size — kept in ``manifest.sig`` so signing
never changes the manifest. Keys are PEM files (``edgevfm keygen`` or ``openssl genpkey -algorithm
ed25519``). Needs the ``cryptography`` package: ``pip install 'edgevfm-runtime[sign]'``."""
from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from .bundle_files import read_small
from .errors import BundleError, SignatureError
from .manifest import MANIFEST_NAME

SIGNATURE_NAME = "manifest.sig"
SIGNATURE_FORMAT = "edgevfm-signature/1"
MAX_SIGNATURE_BYTES = 64 << 10
MAX_KEY_BYTES = 64 << 10


def _ed25519():
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise SignatureError("signed bundles need the cryptography package: "
                             "pip install 'edgevfm-runtime[sign]'") from None
    return ed25519


def _raw(public) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public) -> str:
    """A short fingerprint of a public key (sha256 of its 32 raw bytes, 16 hex digits)."""
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _read_pem(path) -> bytes:
    p = Path(path)
    try:
        if not p.is_file():
            raise SignatureError(f"key {p} is not a file")
        if p.stat().st_size > MAX_KEY_BYTES:
            raise SignatureError(f"key {p} is too large to be a PEM key")
        return p.read_bytes()
    except OSError as exc:
        raise SignatureError(f"key {p} cannot be read ({exc})") from None


def load_private_key(key):
    """An Ed25519 private key from a PEM file (unencrypted PKCS#8) or a key object."""
    ed25519 = _ed25519()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    from cryptography.hazmat.primitives import serialization

    try:
        obj = serialization.load_pem_private_key(_read_pem(key), password=None)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{key} is not an unencrypted PEM private key ({exc})") from None
    if not isinstance(obj, ed25519.Ed25519PrivateKey):
        raise SignatureError(f"{key} is a {type(obj).__name__}, not an Ed25519 key "
                             "(make one with `edgevfm keygen` or `openssl genpkey -algorithm ed25519`)")
    return obj


def load_public_key(key):
    """An Ed25519 public key from a PEM file (public, or private: its public half) or a key object."""
    ed25519 = _ed25519()
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.public_key()
    from cryptography.hazmat.primitives import serialization

    data = _read_pem(key)
    if b"PRIVATE KEY" in data:
        return load_private_key(key).public_key()
    try:
        obj = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{key} is not a PEM public key ({exc})") from None
    if not isinstance(obj, ed25519.Ed25519PublicKey):
        raise SignatureError(f"{key} is a {type(obj).__name__}, not an Ed25519 public key")
    return obj


def signature_record(manifest_bytes: bytes, private) -> bytes:
    public = private.public_key()
    rec = {"format": SIGNATURE_FORMAT, "algorithm": "ed25519", "signed": MANIFEST_NAME, "key_id": key_id(public),
           "public_key": base64.b64encode(_raw(public)).decode(),
           "signature": base64.b64encode(private.sign(manifest_bytes)).decode()}
    return (json.dumps(rec, indent=2) + "\n").encode()


def write_signature(root: str | Path, key) -> Path:
    """Sign ``root/manifest.json`` as it is on disk; writes ``root/manifest.sig`` atomically."""
    root = Path(root)
    private = load_private_key(key)
    data = (root / MANIFEST_NAME).read_bytes()
    out = root / SIGNATURE_NAME
    tmp = root / f".{SIGNATURE_NAME}.tmp-{os.getpid()}"
    tmp.write_bytes(signature_record(data, private))
    os.replace(tmp, out)
    return out


def sign_bundle(path: str | Path, key) -> tuple[Path, str]:
    """Verify a bundle folder (every file against its manifest), then sign it; returns (signature file, key id)."""
    from .bundle import open as open_bundle

    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"{root} is not a bundle folder; sign the folder, then zip it")
    private = load_private_key(key)  # a bad key fails before the (slow) verification
    open_bundle(root, verify=True)
    return write_signature(root, private), key_id(private.public_key())


def generate_key(path: str | Path) -> tuple[Path, Path]:
    """Write a new Ed25519 private key to ``path`` (mode 0600) and its public key to ``path.pub``."""
    ed25519 = _ed25519()
    from cryptography.hazmat.primitives import serialization

    priv_path = Path(path)
    pub_path = priv_path.with_name(priv_path.name + ".pub")
    for p in (priv_path, pub_path):
        if p.exists() or p.is_symlink():
            raise SignatureError(f"{p} already exists; refusing to overwrite a key")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise SignatureError(f"cannot write key {priv_path} ({exc})") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    return priv_path, pub_path


def verify_signature(root: Path, manifest_bytes: bytes, trusted_keys) -> str:
    """The id of the trusted key that signed ``manifest_bytes``; SignatureError otherwise."""
    keys = [load_public_key(k) for k in trusted_keys]
    if not keys:
        raise SignatureError("trusted_keys is empty: pass at least one public key, or None to skip the check")
    from cryptography.exceptions import InvalidSignature

    try:
        data = read_small(root, SIGNATURE_NAME, SIGNATURE_NAME, MAX_SIGNATURE_BYTES)
    except BundleError as exc:
        if "is missing" in str(exc):
            raise SignatureError(f"bundle {root} is not signed ({SIGNATURE_NAME} is missing) and trusted keys "
                                 f"were given; sign it with `edgevfm sign {root} --key KEY`") from None
        raise SignatureError(str(exc)) from None
    try:
        rec = json.loads(data.decode("utf-8"))
        sig = base64.b64decode(rec["signature"], validate=True)
        signer = rec.get("public_key", "")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SignatureError(f"bundle {root}: {SIGNATURE_NAME} is malformed ({type(exc).__name__}: {exc})") from None
    if not isinstance(rec, dict) or rec.get("algorithm") != "ed25519":
        raise SignatureError(f"bundle {root}: {SIGNATURE_NAME} is not an ed25519 signature")
    for key in keys:
        try:
            key.verify(sig, manifest_bytes)
            return key_id(key)
        except InvalidSignature:
            continue
    trusted = ", ".join(key_id(k) for k in keys)
    try:  # a valid signature by a key nobody trusted, or a broken one? (the embedded key only explains)
        claimed = _ed25519().Ed25519PublicKey.from_public_bytes(base64.b64decode(signer, validate=True))
        claimed.verify(sig, manifest_bytes)
    except Exception:  # noqa: BLE001 - any failure here means: not a valid signature of this manifest
        raise SignatureError(f"bundle {root}: the signature does not match {MANIFEST_NAME} (changed after signing, "
                             f"or a corrupt {SIGNATURE_NAME}); trusted keys: {trusted}") from None
    raise SignatureError(f"bundle {root} is signed by key {key_id(claimed)}, which is not trusted "
                         f"(trusted: {trusted})")
