# Reads an encrypted Finder backup with iOSbackup (PyPI), as iphone_backup_decrypt.py does, and
# walks the Library folder too (it fails on any MBFile without Size or the time fields).
import json, sys, hashlib, os, tempfile
from iOSbackup import iOSbackup
backup_dir, password, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
root, udid = os.path.split(backup_dir)
try:
    iOSbackup(udid=udid, cleartextpassword="not the password", backuproot=root)
    wrong = "accepted"
except Exception as e:
    wrong = type(e).__name__
backup = iOSbackup(udid=udid, cleartextpassword=password, backuproot=root)
out = {}
with tempfile.TemporaryDirectory() as target:
    for i, (domain, path) in enumerate(wanted):
        info = backup.getFileDecryptedCopy(relativePath=path, targetFolder=target, targetName=str(i))
        with open(info["decryptedFilePath"], "rb") as f:
            out[domain + "/" + path] = hashlib.sha1(f.read()).hexdigest()
    # Walks directories too: fails on any MBFile without Size or the time fields.
    backup.getFolderDecryptedCopy(relativePath="Library", targetFolder=os.path.join(target, "tree"))
print(json.dumps({"wrong_password": wrong, "files": out}))
