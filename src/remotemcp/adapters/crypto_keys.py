"""Key material with `cryptography`, shared by every key-custody adapter that holds or exports keys.

The in-memory provider uses all of it; an SQL provider (keys encrypted at rest) will too; Vault and
PKCS#11 providers, which never see the private key, still need `public_jwk`, `jwk_thumbprint` and
`der_to_raw_ecdsa` because those backends return public keys and DER-encoded ECDSA signatures.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from remotemcp.domain.randomness import b64url

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

SUPPORTED_ALGORITHMS = frozenset({"RS256", "PS256", "ES256"})
MIN_RSA_KEY_SIZE = 2048

# RFC 7638 §3.2: exactly the required members of each key type, nothing optional.
_THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
_JWK_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def check_key_spec(alg: str, rsa_key_size: int = MIN_RSA_KEY_SIZE) -> None:
    """Refuse a configuration that cannot produce a usable key, at start-up rather than first use."""
    if alg not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"unsupported signing algorithm {alg!r}; use one of {sorted(SUPPORTED_ALGORITHMS)}")
    if alg != "ES256" and rsa_key_size < MIN_RSA_KEY_SIZE:
        raise ValueError(f"RSA keys must have at least {MIN_RSA_KEY_SIZE} bits (RFC 7518 §3.3)")


def generate_private_key(alg: str, rsa_key_size: int = MIN_RSA_KEY_SIZE) -> PrivateKey:
    """A fresh private key of the type `alg` needs (RFC 7518 §3.1)."""
    check_key_spec(alg, rsa_key_size)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_key_size)


def _int_to_b64url(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(length, "big"))


def _coordinate_size(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


def public_jwk(public_key: PublicKey, alg: str) -> dict[str, Any]:
    """The RFC 7517 public JWK of `public_key`, with `kid` (its RFC 7638 thumbprint), `alg` and
    `use: sig`. Only public members are ever produced."""
    jwk: dict[str, Any]
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        jwk = {"kty": "RSA", "n": _int_to_b64url(numbers.n), "e": _int_to_b64url(numbers.e)}
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve
        crv = _JWK_CURVES.get(curve.name)
        if crv is None:
            raise ValueError(f"curve {curve.name} has no JOSE name")
        ec_numbers = public_key.public_numbers()
        # RFC 7518 §6.2.1.2: coordinates are fixed-length, left-padded to the curve size.
        size = _coordinate_size(curve)
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": _int_to_b64url(ec_numbers.x, size),
            "y": _int_to_b64url(ec_numbers.y, size),
        }
    else:
        raise TypeError(f"unsupported public key type {type(public_key).__name__}")
    jwk["kid"] = jwk_thumbprint(jwk)
    jwk["alg"] = alg
    jwk["use"] = "sig"
    return jwk


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint with SHA-256, base64url: a kid every party can recompute."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise ValueError(f"cannot compute a thumbprint for kty {kty!r}")
    missing = [name for name in members if name not in jwk]
    if missing:
        raise ValueError(f"JWK lacks required members {missing}")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def der_to_raw_ecdsa(der_signature: bytes, coordinate_size: int) -> bytes:
    """JWS wants ECDSA signatures as R||S, each left-padded to the curve size (RFC 7518 §3.4);
    `cryptography`, Vault and most HSM APIs return DER."""
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(coordinate_size, "big") + s.to_bytes(coordinate_size, "big")


def sign_with(private_key: PrivateKey, alg: str, signing_input: bytes) -> bytes:
    """The JWS signature of `signing_input` under `alg`, in the encoding JWS expects."""
    if alg == "RS256" and isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256" and isinstance(private_key, rsa.RSAPrivateKey):
        # RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)
        return private_key.sign(signing_input, pss, hashes.SHA256())
    if (
        alg == "ES256"
        and isinstance(private_key, ec.EllipticCurvePrivateKey)
        and isinstance(private_key.curve, ec.SECP256R1)
    ):
        der = private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        return der_to_raw_ecdsa(der, _coordinate_size(private_key.curve))
    raise ValueError(f"a {type(private_key).__name__} cannot sign {alg!r}")
