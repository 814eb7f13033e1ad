"""Signed bundles: with trusted keys, a bundle whose signature is missing, wrong, broken or from
another key is refused (SignatureError); a tampered model with re-computed hashes is caught only so."""
import json
import os

import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import BundleError, SignatureError
from edgevfm_runtime.signing import SIGNATURE_NAME, generate_key, sign_bundle

from _cases_bundle import bcopy, edit, isolated, keypair, link_copy, no_hang, zip_dir  # noqa: F401 - fixtures
from tamper import perturbed_copy


@pytest.fixture
def signed(bcopy, keypair):
    sign_bundle(bcopy, keypair[0])
    return bcopy


def test_signed_bundle_opens_with_its_key(signed, keypair):
    b = rt.open(signed, trusted_keys=[keypair[1]])
    assert b.signed_by and len(b.signed_by) == 16
    assert rt.open(signed, trusted_keys=[keypair[0]]).signed_by == b.signed_by  # a private key trusts its half
    assert rt.open(signed).signed_by is None


def test_signing_does_not_change_the_manifest(bcopy, keypair):
    before = (bcopy / "manifest.json").read_bytes()
    sign_bundle(bcopy, keypair[0])
    assert (bcopy / "manifest.json").read_bytes() == before and (bcopy / SIGNATURE_NAME).is_file()


def test_tampered_model_with_recomputed_hashes(sam_bundle, tmp_path, keypair):
    """sha256 alone catches accidents, not an editor: only the signature refuses this bundle."""
    src = link_copy(sam_bundle, tmp_path / "src")
    sign_bundle(src, keypair[0])
    bad = perturbed_copy(src, tmp_path / "bad")  # copies manifest.sig too, re-records sha256 + size
    assert rt.open(bad).components  # hashes agree: accepted without a key
    with pytest.raises(SignatureError, match="signature does not match manifest.json"):
        rt.open(bad, trusted_keys=[keypair[1]])


def _other_key(tmp_path):
    return generate_key(tmp_path / "other.pem")


def _rsa_key(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    p = tmp_path / "rsa.pub"
    pub = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    p.write_bytes(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return p


def _sig(b, fn):
    p = b / SIGNATURE_NAME
    rec = json.loads(p.read_text())
    out = fn(rec)
    p.unlink()
    if isinstance(out, bytes):
        p.write_bytes(out)
    elif out == "fifo":
        os.mkfifo(p)
    elif out == "dir":
        p.mkdir()
    elif out != "missing":
        p.write_text(json.dumps(out))


CASES = [
    ("unsigned", lambda b, t: (b / SIGNATURE_NAME).unlink(), None, "is not signed"),
    ("manifest edited after signing", lambda b, t: edit(b, lambda m: m["model"].update(license="mine")), None,
     "signature does not match"),
    ("signed by an untrusted key", lambda b, t: sign_bundle(b, _other_key(t)[0]), None, "which is not trusted"),
    ("signature bytes flipped", lambda b, t: _sig(b, lambda r: {**r, "signature": "A" * 86 + "=="}), None,
     "signature does not match"),
    ("signature not base64", lambda b, t: _sig(b, lambda r: {**r, "signature": "!!"}), None, "is malformed"),
    ("signature file garbage", lambda b, t: _sig(b, lambda r: b"\xff\xfe garbage"), None, "is malformed"),
    ("signature file empty JSON", lambda b, t: _sig(b, lambda r: {}), None, "is malformed"),
    ("other algorithm", lambda b, t: _sig(b, lambda r: {**r, "algorithm": "rsa"}), None, "not an ed25519 signature"),
    ("signature is a FIFO", lambda b, t: _sig(b, lambda r: "fifo"), None, "is a FIFO"),
    ("signature is a folder", lambda b, t: _sig(b, lambda r: "dir"), None, "is a folder"),
    ("signature symlinked out", lambda b, t: ((t / "s").write_text("{}"), (b / SIGNATURE_NAME).unlink(),
                                              (b / SIGNATURE_NAME).symlink_to(t / "s")), None, "outside the bundle"),
    ("trusted key list empty", None, [], "trusted_keys is empty"),
    ("trusted key is RSA", None, "rsa", "not an Ed25519 public key"),
    ("trusted key missing", None, "missing", "is not a file"),
    ("trusted key not PEM", None, "garbage", "is not a PEM public key"),
]


@pytest.mark.parametrize("tamper, keys, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_trusted_keys(signed, keypair, tmp_path, tamper, keys, message):
    if tamper:
        tamper(signed, tmp_path)
    if keys == "rsa":
        keys = [_rsa_key(tmp_path)]
    elif keys == "missing":
        keys = [tmp_path / "nope.pub"]
    elif keys == "garbage":
        (tmp_path / "g.pub").write_bytes(b"-----BEGIN PUBLIC KEY-----\nzzz\n-----END PUBLIC KEY-----\n")
        keys = [tmp_path / "g.pub"]
    elif keys is None:
        keys = [keypair[1]]
    with no_hang(60), pytest.raises(SignatureError, match=message) as exc:
        rt.open(signed, trusted_keys=keys)
    assert isinstance(exc.value, BundleError) and "\n" not in str(exc.value)


def test_any_of_several_trusted_keys(signed, keypair, tmp_path):
    other = _other_key(tmp_path)
    assert rt.open(signed, trusted_keys=[other[1], keypair[1]]).signed_by


def test_signed_zip_with_trust(signed, keypair, tmp_path, isolated):
    z = zip_dir(signed, tmp_path / "s.zip")
    assert rt.open(z, trusted_keys=[keypair[1]]).signed_by
    with pytest.raises(SignatureError):
        rt.open(z, trusted_keys=[_other_key(tmp_path)[1]])


@pytest.mark.parametrize("what, message", [
    ("zip", "not a bundle folder; sign the folder, then zip it"),
    ("tampered", "decoder.onnx"),
    ("public key", "is not an unencrypted PEM private key"),
], ids=["zip", "hash mismatch", "public key as signing key"])
def test_sign_refuses(bcopy, keypair, tmp_path, isolated, what, message):
    key = keypair[0]
    target = bcopy
    if what == "zip":
        target = tmp_path / "b.zip"
        with __import__("zipfile").ZipFile(target, "w") as zf:
            zf.write(bcopy / "manifest.json", "b/manifest.json")
    elif what == "tampered":
        (bcopy / "decoder.onnx").unlink()
        (bcopy / "decoder.onnx").write_bytes(b"x")
    elif what == "public key":
        key = keypair[1]
    with pytest.raises(BundleError, match=message):
        sign_bundle(target, key)
    assert not (bcopy / SIGNATURE_NAME).exists()


def test_keygen_refuses_to_overwrite(keypair):
    with pytest.raises(SignatureError, match="already exists"):
        generate_key(keypair[0])
    assert oct(keypair[0].stat().st_mode & 0o777) == "0o600"


def test_openssl_key_works(bcopy, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    key, pub = tmp_path / "o.pem", tmp_path / "o.pub"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)], check=True)
    sign_bundle(bcopy, key)
    assert rt.open(bcopy, trusted_keys=[pub]).signed_by


def test_export_with_a_bad_key_fails_before_any_work(tmp_path):
    from edgevfm.export.pipeline import export

    (tmp_path / "k.pem").write_text("not a key")
    with pytest.raises(SignatureError, match="is not an unencrypted PEM private key"):
        export("sam", target="onnx-fp32", weights="random:0", output=tmp_path / "out", sign=tmp_path / "k.pem",
               emit=lambda s: None)
    assert not (tmp_path / "out").exists()


def test_toolkit_sign_and_runtime_trust_cli(bcopy, keypair, tmp_path, capsys):
    from edgevfm.cli.main import main as toolkit
    from edgevfm_runtime.cli import main as rt_main

    assert toolkit(["keygen", str(tmp_path / "new.pem")]) == 0
    assert toolkit(["sign", str(bcopy), "--key", str(keypair[0])]) == 0
    assert rt_main(["info", str(bcopy), "--trust", str(keypair[1])]) == 0
    assert "signature: valid" in capsys.readouterr().out
    assert rt_main(["info", str(bcopy), "--trust", str(tmp_path / "new.pem.pub")]) == 2
    err = capsys.readouterr().err
    assert "not trusted" in err and err.count("\n") == 1 and "Traceback" not in err
    assert toolkit(["keygen", str(tmp_path / "new.pem")]) == 2
    assert "already exists" in capsys.readouterr().err
