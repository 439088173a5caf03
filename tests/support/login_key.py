"""A P-256 key as the AWS CLI keeps it in an aws login cache (OpenSSL's traditional SEC1
PEM, curve named, public key included), and its public point as a JWK's x and y: prints
{"pem", "x", "y"} as JSON."""
import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

key = ec.generate_private_key(ec.SECP256R1())
pem = key.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.TraditionalOpenSSL,
    serialization.NoEncryption(),
).decode()
numbers = key.public_key().public_numbers()


def b64(n):
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()


print(json.dumps({"pem": pem, "x": b64(numbers.x), "y": b64(numbers.y)}))
