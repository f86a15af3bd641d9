# Reads an encrypted Finder backup with iphone_backup_decrypt (PyPI): argv = folder, password,
# JSON list of [domain, path]. Prints one JSON line: how a wrong password failed, and the SHA-1 of
# each file's plaintext. Used by the Rust interop tests (mobilesync, core).
import json, sys, hashlib
from iphone_backup_decrypt import EncryptedBackup
backup_dir, password, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    EncryptedBackup(backup_directory=backup_dir, passphrase="not the password").test_decryption()
    wrong = "accepted"
except Exception as e:
    wrong = type(e).__name__
backup = EncryptedBackup(backup_directory=backup_dir, passphrase=password)
backup.test_decryption()
out = {}
for domain, path in wanted:
    data = backup.extract_file_as_bytes(path, domain_like=domain)
    out[domain + "/" + path] = hashlib.sha1(data).hexdigest()
print(json.dumps({"wrong_password": wrong, "files": out}))
