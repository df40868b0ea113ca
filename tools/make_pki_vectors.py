"""Write an E-Port-style test PKI (root, 中国电子业务证书管理中心 CA, leaf with private extensions) and its keys.

Usage: python tools/make_pki_vectors.py OUT_DIR [--algorithm rsa|sm2|ec] [--legacy-sha1] [--utf8string]

The files (``root.pem``, ``intermediate.pem``, ``leaf.pem``, ``leaf.key``, ``crl.der``) are TEST MATERIAL made
with :mod:`eport.pki.testing`: never use them in production. Try them with ``eport pki``::

    eport pki install-root OUT/root.pem --store OUT/store
    eport pki install-root OUT/intermediate.pem --store OUT/store
    eport pki sign-xml message.xml signed.xml --key OUT/leaf.key --cert OUT/leaf.pem
    eport pki verify-xml signed.xml --store OUT/store
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from eport.pki.signer import KeyAlgorithm
from eport.pki.sm2 import SM2PrivateKey
from eport.pki.testing import EportIdentity, make_chain, make_crl


def main(argv: list[str] | None = None) -> int:
    """Write the vectors; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--algorithm", choices=["rsa", "sm2", "ec"], default="rsa")
    parser.add_argument("--legacy-sha1", action="store_true", help="SHA-1-signed leaf (RSA only)")
    parser.add_argument("--utf8string", action="store_true", help="UTF8String extensions instead of IA5 with UTF-8")
    args = parser.parse_args(argv)
    chain = make_chain(
        KeyAlgorithm(args.algorithm),
        legacy_sha1=args.legacy_sha1,
        identity=EportIdentity(legacy_ia5=not args.utf8string),
    )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "root.pem").write_text(chain.root.to_pem())
    (out / "intermediate.pem").write_text(chain.intermediate.to_pem())
    (out / "leaf.pem").write_text(chain.leaf.to_pem())
    key = chain.leaf_key
    if isinstance(key, SM2PrivateKey):
        key_pem = key.to_pem()
    else:
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    (out / "leaf.key").write_bytes(key_pem)
    (out / "crl.der").write_bytes(make_crl(chain.intermediate, chain.intermediate_key))
    print(f"wrote test PKI to {out} (leaf cert_no {chain.leaf.cert_no}); NOT FOR PRODUCTION")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
