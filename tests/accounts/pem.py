"""Keys, certificates and SAML metadata for the tests of providers, certificates and SSH keys.

RSA keys take a while to generate, so each is made once per test session (``lru_cache``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID


def rsa_key(name: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A private key per ``name`` (the same one each time in a session)."""
    return _rsa_key(name, bits)


@lru_cache(maxsize=None)
def _rsa_key(name: str, bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def certificate(subject: str, key, *, issuer: str | None = None, issuer_key=None, days: int = 365,
                starts_in_days: int = -1) -> x509.Certificate:
    """A certificate of ``key`` for ``subject``, issued by ``issuer`` (``issuer_key`` signs) or
    self-signed, valid from ``starts_in_days`` for ``days``."""
    now = datetime.now(UTC)
    start = now + timedelta(days=starts_in_days)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or subject)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + timedelta(days=days)))
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@lru_cache(maxsize=None)
def server_bundle() -> dict[str, str]:
    """A leaf certificate (www.example.com) with its key, issued by an intermediate issued by
    a root: ``body``, ``key``, ``chain`` (intermediate then root), ``wrong_chain`` (root then
    intermediate) and ``expiration`` (ISO)."""
    root_key, middle_key, leaf_key = rsa_key("root"), rsa_key("middle"), rsa_key("leaf")
    root = certificate("Example Root", root_key, days=3650)
    middle = certificate("Example Intermediate", middle_key, issuer="Example Root", issuer_key=root_key)
    leaf = certificate("www.example.com", leaf_key, issuer="Example Intermediate", issuer_key=middle_key)
    return {"body": pem(leaf), "key": private_pem(leaf_key), "chain": pem(middle) + pem(root),
            "wrong_chain": pem(root) + pem(middle), "expiration": leaf.not_valid_after_utc.isoformat()}


@lru_cache(maxsize=None)
def self_signed(name: str = "signing", **kwargs) -> str:
    """A self-signed RSA certificate (PEM) per ``name``."""
    return pem(certificate(name, rsa_key(name), **kwargs))


def ec_certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return pem(certificate("ec", key))


def ssh_rsa(name: str = "ssh", bits: int = 2048, comment: str = " alice@laptop") -> str:
    """An ``ssh-rsa`` public key line (OpenSSH format)."""
    key = rsa_key(name, bits).public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + comment


def ssh_pem(name: str = "ssh") -> str:
    """The same key as :func:`ssh_rsa` as a PEM public key."""
    return rsa_key(name).public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def ssh_ed25519() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def ec_public_pem() -> str:
    return ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def saml_metadata(entity_id: str = "https://idp.example.com/saml", *, valid_until: str | None = None,
                  prologue: str = '<?xml version="1.0" encoding="UTF-8"?>\n', root: str = "md:EntityDescriptor",
                  namespace: str = "urn:oasis:names:tc:SAML:2.0:metadata") -> str:
    """SAML 2.0 IdP metadata of at least 1,000 characters (IAM's minimum), after ``prologue``
    (the XML declaration, or a DOCTYPE to test)."""
    until = f' validUntil="{valid_until}"' if valid_until else ""
    certificate_text = "".join(self_signed("idp").splitlines()[1:-1])
    return prologue + (
        f'<{root} xmlns:md="{namespace}" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}"{until}>\n'
        '  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
        '    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>\n'
        f'      <ds:X509Certificate>{certificate_text}</ds:X509Certificate>\n'
        '    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n'
        '    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{entity_id}/sso"/>\n'
        f'  </md:IDPSSODescriptor>\n</{root}>\n')
