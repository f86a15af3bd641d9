# The store's messages: its errors, phrased for people (what happened, what to do).

## Errors

store-io = { $path }: { $action }: { $error }
store-source = reading { $path } for the snapshot: { $error }
store-not-a-repository = { $repo } is not a Keepsake repository (no keepsake-repo.json); create one with `keepsake store init`
store-already-exists = { $repo } already holds a Keepsake repository; open it instead of creating one
store-newer-format = { $repo }: { $what } has format version { $found }, this Keepsake reads up to { $supported }; update Keepsake to open it
store-bad-config = { $repo }: the repository configuration is damaged ({ $reason }); restore keepsake-repo.json from a copy of the disk
store-wrong-password = wrong password for the repository at { $repo }
store-key-required = { $repo } is encrypted with { $expected }; unlock it with that
store-key-not-found = { $repo }: its key is not in this computer's credential store (service { $service }, account { $account }); open it where it was created, or put the key back there
store-wrong-key = { $repo }: the credential store's entry (service { $service }, account { $account }) holds another key, not this repository's
store-credential-taken = the credential store already holds an entry for service { $service }, account { $account }; Keepsake never replaces one (it may be another repository's only key): choose another account
store-credential-store = { $repo }: the OS credential store is unavailable ({ $reason }); unlock it (on Linux a Secret Service such as GNOME Keyring must be running)
store-disk-full = the disk holding { $repo } is full; the snapshot was not written (earlier snapshots are intact). Free some space or move the repository, then back up again
store-catalog-full = the disk holding { $repo } is full ({ $action }); the change was not made and the snapshots are intact. Free some space, then try again
store-locked = { $repo } is in use by another Keepsake process ({ $what }); wait for it to finish, then try again
store-catalog = { $repo }: catalog: { $error }
store-damaged-catalog = { $repo }: the catalog is damaged ({ $reason }); run `keepsake store check`
store-snapshot-not-found = { $repo }: there is no snapshot { $snapshot }; `keepsake store snapshots` lists them
store-snapshot-pinned = { $repo }: snapshot { $snapshot } is pinned; unpin it (`keepsake unpin { $snapshot }`) to delete it
store-file-not-found = { $repo }: snapshot { $snapshot } has no file { $path }; `keepsake store ls` lists its files
store-chunk-unreadable = { $repo }: { $path } in snapshot { $snapshot } cannot be read: chunk { $chunk } is damaged ({ $fault }); run `keepsake store check` to see everything it affects
store-unsafe-path = snapshot { $snapshot } holds the unsafe path { $path }; it was not restored (nothing is ever written outside { $target })

## Why a stored chunk could not be read back

store-fault-missing-pack = its pack file { $pack } is missing
store-fault-truncated = its pack file { $pack } is truncated
store-fault-authentication = it fails authentication: altered, or encrypted with another key
store-fault-decompression = it cannot be decompressed
store-fault-hash-mismatch = its content does not match its id
store-fault-read = reading its pack failed: { $error }

## What was being done when a file or folder failed (store-io's { $action })

store-action-creating-file = creating a file
store-action-creating-folder = creating a folder
store-action-creating-the-folder = creating the folder
store-action-creating-lock-folder = creating the lock folder
store-action-creating-pack = creating a pack
store-action-creating-pack-folder = creating the pack folder
store-action-creating-repository = creating the repository
store-action-creating-restore-folder = creating the restore folder
store-action-deleting-pack = deleting a pack
store-action-deleting-staged-pack = deleting a staged pack
store-action-inspecting-folder = inspecting a folder
store-action-inspecting-packs = inspecting the packs
store-action-listing-folder = listing the folder
store-action-listing-packs = listing packs
store-action-listing-staged-packs = listing staged packs
store-action-locking-key-slots = locking the key slots
store-action-locking-repository = locking the repository
store-action-making-restored-files-durable = making the restored files durable
store-action-marking-write-in-progress = marking a write in progress
store-action-opening-lock = opening the lock
store-action-placing-restored-file = placing a restored file
store-action-publishing-pack = publishing a pack
store-action-reading-file-metadata = reading the file's metadata
store-action-reading-repository-config = reading the repository config
store-action-setting-file-time-and-permissions = setting the file's time and permissions
store-action-starting-pack-syncing-thread = starting the pack syncing thread
store-action-starting-packing-thread = starting the packing thread
store-action-syncing-folder = syncing the folder
store-action-syncing-pack = syncing a pack
store-action-taking-shared-lock-again = taking the shared lock again
store-action-writing-config = writing the config
store-action-writing-file = writing a file
store-action-writing-pack = writing a pack
store-action-writing-restored-data = writing restored data

## What is of a newer format (store-newer-format's { $what })

store-what-catalog = the catalog
store-what-repository = the repository

## The key source an encrypted repository needs (store-key-required's { $expected })

store-expected-password = a password
store-expected-password-or-recovery-key = a password or recovery key
store-expected-keyring = a key in the OS credential store

## Who holds the lock (store-locked's { $what })

store-lock-writer = a backup, forget or gc is writing to it
store-lock-gc = gc is deleting packs
store-lock-open-elsewhere = another process has it open

## Why a configuration or catalog is damaged (the { $reason } of store-bad-config and store-damaged-catalog)

store-reason-catalog-missing = { $file } is missing
store-reason-catalog-no-schema = { $file } has no schema
store-reason-not-a-config = it is not a { $format } config
store-reason-no-version = no version
store-reason-sqlite-group = sqlite_group must be a power of two of at least 512
store-reason-cdc-sizes = need 64 <= cdc_min <= cdc_avg <= cdc_max
store-reason-pack-sizes = pack_target and small_file_limit must be positive
store-reason-unknown-cipher = unknown cipher { $cipher }
store-reason-unknown-kdf = unknown key derivation { $kdf }
store-reason-salt-not-hex = the salt is not hex
store-reason-kdf-too-costly = its key derivation asks for { $memory } KiB, { $passes } passes and { $lanes } lanes, beyond what Keepsake sets ({ $max-memory } KiB, { $max-passes } passes, { $max-lanes } lanes at most)
store-reason-bad-argon2 = bad Argon2 parameters: { $error }
store-reason-wrapped-key-not-hex = the wrapped key is not hex
store-reason-wrapped-key-length = the wrapped key has the wrong length
store-reason-recovery-slot-closed = the recovery slot { $slot } does not open
store-reason-id-changed = the repository id changed while it was open
store-reason-not-a-key = the stored entry is not a Keepsake repository key
store-reason-not-a-pack-name = { $name } is not the name of a pack
store-reason-refusing-to-delete-pack = refusing to delete a pack: { $error }
store-reason-device-name-sealed = a device name does not decrypt
store-reason-file-name-sealed = a file name does not decrypt
store-reason-malformed-chunk-id = chunk { $chunk } has a malformed id
store-reason-chunk-not-recorded = chunk { $chunk } is referenced but not recorded, or its pack is not
store-reason-bad-slice = { $path } in snapshot { $snapshot }: its slice ({ $len } bytes at { $offset }) does not fit its chunk ({ $chunks } chunks) or its size ({ $size } bytes)

## What a caller asked that the store cannot do

store-invalid-repository-id = { $id } is not a repository id
store-invalid-chunking = chunking parameters: { $reason }
store-invalid-no-slots = a repository with key slots needs at least one
store-invalid-no-key-slot = { $repo }: no key slot { $slot }
store-invalid-last-key-slot = { $repo }: slot { $slot } is the only way left to open the repository; add another before removing it
store-invalid-no-wrapped-key = { $repo } is not encrypted with a wrapped key: it has no key slots
store-invalid-keyring-has-no-slots = { $repo }: its key is held by the OS credential store alone (`store init --keyring`); it has no key slots
store-invalid-unencrypted = { $repo } is stored in clear: it has no key to protect
store-invalid-empty-device = a device id cannot be empty
store-invalid-path-not-relative = { $path } is not a relative '/'-separated path
store-invalid-path-component = { $path } has an empty, '.' or '..' component
store-invalid-name-not-utf8 = { $path } has a name that is not UTF-8; rename it to snapshot this folder
store-invalid-note-too-long = a note of { $bytes } bytes: at most { $max } are kept
store-invalid-garbage-fraction = repack_garbage_fraction must be between 0 and 1
store-invalid-no-snapshot-of = the store has no snapshot of { $device }
store-invalid-size-changes = { $path } of { $device } would change from { $before } to { $after } bytes
store-invalid-empty-interval = { $path }: an empty interval [{ $from }, { $to })
store-invalid-version-gone = { $path } of { $device }: its version { $version } is gone
store-invalid-version-changed = { $path } of { $device }: its version { $version } changed since it was read
store-invalid-already-there = { $path } of { $device }: a snapshot in [{ $from }, { $to }) has it already
store-invalid-writer-finished = the snapshot writer is already finished
store-invalid-packing-thread-panicked = the packing thread panicked
store-invalid-syncing-thread-panicked = the pack syncing thread panicked
store-invalid-syncing-thread-stopped = the pack syncing thread stopped
store-invalid-folder-scan-panicked = the folder scan panicked
store-invalid-scan-thread-panicked = a scan thread panicked
store-invalid-pack-reader-stopped = the pack reader stopped
store-invalid-restore-writer-panicked = a restore writer panicked
store-invalid-restore-writer-stopped = the restore writer stopped

## Copies elsewhere (offsite)

store-action-sharing-lock = sharing the readers' lock
store-action-removing-file = removing a file
store-action-writing-download = writing a downloaded copy
store-action-reading-pack = reading a pack
store-invalid-export-path = { $path } cannot be given to SQLite (not UTF-8): choose another folder
store-invalid-pack-size = pack { $pack } is too large for this computer's memory
