# Offsite copies on an S3-compatible object store.

offsite-bad-address = { $address } is not an offsite address ({ $why }). Write it as s3://host/bucket/prefix, or s3+http://host:port/bucket/prefix for a server without HTTPS.
offsite-refused = { $remote } refused the keys ({ $detail }). Check the access key and its secret, and that they may read and write this bucket.
offsite-unreachable = waiting for { $remote }: it cannot be reached ({ $detail }). Check the network; Keepsake tries again later.
offsite-write-refused = { $remote } accepts no more data ({ $detail }): the bucket may be full (a quota) or the server failing. Free space there or raise its quota; the local backups are intact.
offsite-no-copy = { $remote } holds no copy of repository { $repository }.
offsite-diverged = the copy of repository { $repository } on { $remote } has snapshots this computer's never had (written from another copy of the disk?). Nothing was changed there; send this copy under another prefix.
offsite-busy = { $remote } kept changing while Keepsake sent its copy (another computer writing?). Nothing is lost; try again.
offsite-damaged = { $remote }: { $what } cannot be read as Keepsake wrote it ({ $detail }).
offsite-local = { $path }: { $source }
offsite-read-only = the copy on { $remote } is read here, not written: back up to a local location, whose copy goes offsite.

## A device's offsite copy (core)

core-offsite-bad-access-key = the access key is missing or holds spaces: copy it as the object store shows it.
core-offsite-none = { $device } has no offsite copy: set one in its settings.
error-offsite-no-secret = this computer does not remember the secret of the access key to { $remote }: give it again in the device's offsite settings.
