"""`edgevfm sign BUNDLE --key KEY` and `edgevfm keygen KEY`: Ed25519 signatures over bundle manifests."""
from __future__ import annotations


def add_sign_parsers(sub) -> None:
    p = sub.add_parser("sign", help="sign a bundle folder's manifest with an Ed25519 key (writes manifest.sig)")
    p.add_argument("bundle", help="bundle folder (its files are verified first)")
    p.add_argument("--key", required=True, metavar="KEY.pem",
                   help="Ed25519 private key, PEM (edgevfm keygen, or openssl genpkey -algorithm ed25519)")
    p.set_defaults(func=cmd_sign)
    p = sub.add_parser("keygen", help="make an Ed25519 key pair for signing bundles")
    p.add_argument("key", metavar="KEY.pem", help="private key file to write (0600); the public key goes to KEY.pem.pub")
    p.set_defaults(func=cmd_keygen)


def cmd_sign(args) -> int:
    from edgevfm_runtime.signing import sign_bundle

    sig, kid = sign_bundle(args.bundle, args.key)
    print(f"signed {args.bundle} with key {kid}: {sig}")
    print(f"verify on the device: edgevfm-rt check {args.bundle} --trust PUBLIC_KEY.pem")
    return 0


def cmd_keygen(args) -> int:
    from edgevfm_runtime.signing import generate_key

    priv, pub = generate_key(args.key)
    print(f"wrote {priv} (private: keep it secret) and {pub} (public: give it to devices as --trust)")
    return 0
