"""Ed25519 keys and the key files of docs/PROTOCOL.md §3 (`seed = …`, `public = …`)."""
import os
import stat

from nacl.signing import SigningKey


class Key:
    """An Ed25519 signing key; `public` is its 32-byte public key."""

    def __init__(self, seed):
        self._signing = SigningKey(bytes(seed))
        self.public = bytes(self._signing.verify_key)

    @classmethod
    def generate(cls):
        return cls(os.urandom(32))

    @classmethod
    def load(cls, path):
        """Reads NAME.key; refuses a file group or others can read, as the nodes do."""
        mode = os.stat(path).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PermissionError(f"{path}: a secret key file must not be readable by group or others (chmod 600)")
        fields = {}
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if "=" in line:
                    name, value = (part.strip() for part in line.split("=", 1))
                    fields[name] = value
        key = cls(bytes.fromhex(fields["seed"]))
        if "public" in fields and bytes.fromhex(fields["public"]) != key.public:
            raise ValueError(f"{path}: the public key does not match the seed")
        return key

    @staticmethod
    def load_public(path):
        """Reads NAME.pub: the 32-byte public key."""
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line.startswith("public"):
                    return bytes.fromhex(line.split("=", 1)[1].strip())
        raise ValueError(f"{path}: no public = line")

    def sign(self, message):
        return self._signing.sign(message).signature
