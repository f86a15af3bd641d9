# Keepsake's messages in English: the command line's and the app's notifications.
# Variables are written { $name }; plurals choose on a number ([one], *[other]).

## Notifications

backup-finished-title = Backup finished
backup-finished-body = { $device } is backed up.
backup-failed-title = The backup of { $device } failed
passcode-wanted-title = { $device } needs its passcode
passcode-wanted-body = Enter the passcode on { $device } to let the backup start.
cleaning-waiting-title = Older snapshots take too much space
cleaning-waiting-body = Keepsake asks before deleting { $snapshots ->
        [one] one old snapshot
       *[other] { $snapshots } old snapshots
    } of { $device }, which would free { $size }.
mass-deletion-title = Many photos or messages are gone from { $device }
mass-deletion-body = The snapshot before still holds them: it is kept until you say they may go.
no-recent-backup-title = No backup of { $device } for { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
no-recent-backup-body = Connect { $device } to this computer, or to the same Wi-Fi, to back it up.
location-missing-title = The backup disk is not connected
location-missing-body = Backups of { $device } wait for { $location }: connect that disk, or choose another location.
restore-finished-title = Restore finished
restore-finished-body = { $device } now holds the snapshot it was given.
restore-failed-title = The restore failed

## Shared by several commands

# a count of files, in the tables that align it
common-files = { $count ->
        [one] { $count } file
       *[other] { $count } files
    }
# the time a progress bar expects is left; $time is the bar's own field
progress-time-left = { $time } left

## Secrets: passwords and recovery keys, for every command

secret-store-password = the snapshots' password
secret-backup-password = the backup password
secret-recovery-key = the recovery key
secret-new-backup-password = the new backup password
secret-new-store-password = the new snapshots' password
secret-new-location-password = the new location's snapshots' password
# $secret is one of the above, capitalised
secret-needed = { $secret } is needed: set { $env } or give { $flag } FILE (never on the command line, where other programs can read it)
secret-prompt = { $secret }:
secret-empty = { $secret } cannot be empty
secret-again = Again, to confirm:
secret-mismatch = the two do not match: nothing was changed
secret-reading-terminal = reading from the terminal
secret-reading-file = reading { $secret } from { $path } ({ $flag })
# after an error, where to give the secrets it asks for: "(give A; B)"
secret-hint = (give { $ways })
secret-hint-way = { $secret }: ${ $env } or { $flag } FILE
secret-hint-separator = {"; "}

## devices

devices-none = No iPhone or iPad found. Connect one with a cable, unlock it and tap Trust.
devices-gone = { $udid }  { $device } disconnected

## pair

pair-waiting-for-trust = Waiting for you to tap Trust on { $device }…
pair-waiting-for-unlock = { $device } is locked: unlock it with its passcode…
pair-newly-paired = { $device } ({ $udid }) now trusts this computer.
pair-already-paired = { $device } ({ $udid }) already trusts this computer.

## backup

backup-connecting = Connecting
backup-waiting-for-trust = Waiting for you to tap Trust on { $device }…
backup-waiting-for-unlock = { $device } is locked: unlock it with its passcode…
backup-enter-passcode = Enter your passcode on { $device } to let the backup start…
backup-backing-up = Backing up { $device }
backup-received-of = { $received } of ~{ $total }
backup-transfer = { $received } in { $files ->
        [one] { $files } file
       *[other] { $files } files
    }, { $speed }/s
backup-saving = Saving the snapshot
backup-files-failed = warning: { $device } could not send { $count ->
        [one] { $count } file; the snapshot keeps its previous version
       *[other] { $count } files; the snapshot keeps their previous versions
    }: { $files }
backup-kept-as-sent = note: { $device }'s encrypted backup was kept as the phone sent it ({ $why }): such snapshots take about twice the space of decrypted ones. Give the backup password (--backup-password-file) or let this computer remember it (`keepsake encryption change --remember`) to save space.
backup-cleaning-failed = warning: the cleaning policy could not run after the backup: { $error }
backup-damage-found = warning: reading the snapshots back found damage: { $summary } (`keepsake verify` reads all of them)
backup-recovery-key = This backup set up { $repository }. Its recovery key opens these snapshots on any computer, for example if this one is lost. Write it down or print it, and keep it apart from the disk:
backup-recovery-key-again = (`keepsake locations recovery-key { $location }` shows it again on a computer that can open the snapshots.)
backup-done = Backed up { $device } in { $seconds } s: snapshot { $snapshot } ({ $received } received in { $files ->
        [one] { $files } file
       *[other] { $files } files
    }, { $removed } removed); it added { $added } to { $repository }.
backup-read-back = Read back intact: what it wrote and a sample of the rest ({ $size }).
# $what says what is gone ("312 photos")
backup-mass-deletion = Warning: { $device } no longer has { $what } that its backup before had. Snapshot { $snapshot } still holds them, and is kept forever until you say they may go (`keepsake unpin { $snapshot }`).
backup-cleaned = The cleaning policy deleted { $count ->
        [one] old snapshot { $snapshots }
       *[other] old snapshots { $snapshots }
    } ({ $size } freed).
backup-cleaning-asks = Old snapshots use more space than the policy allows: `keepsake clean` shows what would be deleted; `keepsake clean --yes` deletes it.
backup-offsite-copied = Copied offsite to { $remote }: { $packs ->
        [one] 1 pack
       *[other] { $packs } packs
    }, { $size }.
backup-offsite-failed = The backup is saved, but not its copy offsite: { $error }

## timeline

timeline-empty = No snapshots yet in { $repository }.
timeline-device = { $device }: { $count ->
        [one] { $count } snapshot
       *[other] { $count } snapshots
    }, last backup { $time }
# $files is common-files, aligned
timeline-snapshot = #{ $seq } { $time }  { $size } in { $files }   this backup cost { $cost }
timeline-kept-forever = kept forever
timeline-note = "{ $note }"

## browse

browse-no-location = no location given and no default location: use --location, or add one with `keepsake locations add <folder>`
browse-search-found = { $count ->
        [one] { $count } file matches
       *[other] { $count } files match
    } { $text }
browse-snapshot = Snapshot { $snapshot } of { $device }, { $time }:
browse-snapshot-encrypted = Snapshot { $snapshot } of { $device }, { $time } (encrypted):
# $files is common-files, aligned
browse-domain = { $size } in { $files }  { $domain }

## extract

extract-progress = Extracting
extract-done = Extracted { $count ->
        [one] { $count } file
       *[other] { $count } files
    } ({ $size }) into { $folder }

## diff

diff-none = No changes between snapshots { $older } and { $newer }.
diff-added = { $count } added ({ $size })
diff-removed = { $count } removed ({ $size })
diff-changed = { $count } changed ({ $size })
diff-domain = { $domain }: { $changes }

## export

export-progress = Exporting
export-done = Exported snapshot { $snapshot } ({ $count ->
        [one] { $count } file
       *[other] { $count } files
    }, { $size }) to { $folder }: Finder, iTunes and idevicebackup2 can restore it.

## convert

convert-progress = Converting
convert-nothing = Nothing to convert: { $device }'s { $count ->
        [one] snapshot at { $location } keeps
       *[other] { $count } snapshots at { $location } keep
    } what can be kept decrypted.
convert-done = Converted { $files ->
        [one] { $files } file
       *[other] { $files } files
    } ({ $size }) of { $device }'s { $snapshots ->
        [one] { $snapshots } snapshot
       *[other] { $snapshots } snapshots
    } at { $location }: { $after } stored now, { $before } before.
convert-left-as-sent = { $count } kept as sent: { $why }
convert-not-opened = { $count ->
        [one] { $count } snapshot could not be opened: give the backup password it was taken with
       *[other] { $count } snapshots could not be opened: give the backup password they were taken with
    } (--backup-password-file).

## import

import-progress = Importing
import-recovery-key = This import set the location up. Its recovery key opens these snapshots on any computer; keep it apart from the disk:
import-done = Imported { $folder } as snapshot { $snapshot } of { $device } ({ $count ->
        [one] { $count } file
       *[other] { $count } files
    }; it added { $size }).

## restore

restore-progress = Restoring
restore-done = Restored snapshot { $snapshot } onto { $device } ({ $count ->
        [one] { $count } file
       *[other] { $count } files
    }). The device applies it when it restarts.

## verify

verify-progress = Verifying
verify-affected = { $device } { $path }: in { $snapshots }
verify-damage-found = damage found at { $location }

## encryption

encryption-on-remembered = { $device } encrypts its backups; this computer remembers the password.
encryption-on = { $device } encrypts its backups. Without its password the snapshots cannot be browsed.
encryption-off = { $device } does not encrypt its backups.

## store

store-locating = locating { $path }
store-reading-password-file = reading the password file { $path }
store-opening = opening { $path }
store-init-needs-password = a new repository is encrypted: set { $env } or pass --password-file (or --no-encryption)
store-created-encrypted = Created repository { $repo } (encrypted)
store-created-unencrypted = Created repository { $repo } (not encrypted)
store-add-progress = reading
store-added = Snapshot { $snapshot } of { $device }: { $files ->
        [one] { $files } file
       *[other] { $files } files
    } ({ $read } read, { $unchanged } unchanged, { $removed } removed), { $size } read, { $added } new in the repository
store-no-snapshots = No snapshots yet: `keepsake store add` makes one.
store-restore-progress = restoring
store-restored = Restored { $count ->
        [one] { $count } file
       *[other] { $count } files
    }, { $size } into { $target }
store-forgot = { $count ->
        [one] Forgot { $count } snapshot; run `keepsake store gc` to reclaim its space
       *[other] Forgot { $count } snapshots; run `keepsake store gc` to reclaim their space
    }
store-gc = Reclaimed { $size } ({ $deleted ->
        [one] { $deleted } pack
       *[other] { $deleted } packs
    } deleted, { $repacked } repacked); the repository now holds { $total }
store-check-progress = checking
store-checked = Checked { $count ->
        [one] { $count } chunk
       *[other] { $count } chunks
    } ({ $size })
store-catalog-problem = catalog: { $problem }
store-damaged-chunk = damaged chunk { $chunk } in pack { $pack }: { $fault }
store-unrestorable = cannot restore { $path } of { $device } in { $count ->
        [one] snapshot
       *[other] snapshots
    } { $snapshots }
store-damaged = { $repo } is damaged: { $chunks ->
        [one] { $chunks } damaged chunk
       *[other] { $chunks } damaged chunks
    }, { $problems ->
        [one] { $problems } catalog problem
       *[other] { $problems } catalog problems
    } (listed above)
# `keepsake store stats`: a table of labels and values
store-stats-repository = Repository
store-stats-newest = Newest backups
store-stats-overhead = Snapshot overhead
store-stats-reclaimable = Reclaimable (gc)
store-stats-packs = { $size } in { $count ->
        [one] { $count } pack
       *[other] { $count } packs
    }
store-stats-stored = { $size } stored
store-stats-device = Device { $device }: { $count ->
        [one] { $count } file
       *[other] { $count } files
    }, { $size }
store-stats-snapshot = snapshot { $id } ({ $device } #{ $seq }): deleting it frees { $size }

## settings

settings-default-location = Default location: { $location }
settings-no-default-location = No default location yet: add one with `keepsake locations add <folder>`.
settings-no-devices = No devices yet: connect one and run `keepsake settings <device>`.
settings-wifi-shown = { $device } now shows itself on Wi-Fi to this computer.
settings-wifi-hidden = { $device } no longer shows itself on Wi-Fi to this computer.
settings-wifi-later = { $device } is not connected: this is set on it at its next backup by cable.
settings-wifi-failed = { $error }. It is set on { $device } at its next backup by cable.
# a device's settings: a label, then its value, aligned
settings-label-location = Location:
settings-label-snapshots = Snapshots:
settings-label-deletion = Automatic deletion:
settings-label-automatic = Automatic backups:
settings-label-password = Password:
settings-label-wifi = Over Wi-Fi:
settings-label-settings = Settings:
settings-label-last-backup = Last backup:
settings-label-last-attempt = Last attempt:
settings-label-waiting = Waiting for you:
settings-label-offsite = Offsite copy:
settings-offsite-copied = { $remote }, copied { $time }
settings-offsite-not-yet = { $remote }, not copied yet (after the next backup)
settings-offsite-waiting = { $remote }, waiting: { $error }
settings-location-none = none (add one with `keepsake locations add <folder>`)
settings-location-missing = { $location } (not there: an unplugged disk?)
settings-location-default = { $location } (the default)
settings-snapshots-on = on
settings-snapshots-off = off
settings-deletion-asking = on, keeping every snapshot at least { $retention }, asking first
settings-deletion-silent = on, keeping every snapshot at least { $retention }, without asking
settings-deletion-off = off
settings-retention-weeks = { $count ->
        [one] { $count } week
       *[other] { $count } weeks
    }
settings-retention-months = { $count ->
        [one] { $count } month
       *[other] { $count } months
    }
settings-retention-years = { $count ->
        [one] { $count } year
       *[other] { $count } years
    }
settings-automatic-off = off
settings-automatic-daily = daily
settings-automatic-weekly = weekly
settings-automatic-window = { $schedule }, between { $start } and { $end } (local time)
settings-password-remembered = remembered in this computer's credential store
settings-password-to-remember = to be remembered when next given
settings-password-not-remembered = not remembered
settings-password-to-remember-unreachable = to be remembered (the credential store cannot be reached)
settings-password-not-remembered-unreachable = not remembered (the credential store cannot be reached)
settings-wifi-yes = yes, when on the same network
settings-wifi-no = no, by cable only
settings-confirmed = confirmed
settings-not-confirmed = not confirmed yet: `keepsake settings { $udid } --confirm` accepts them
settings-never = never
settings-last-attempt = failed ({ $count } in a row): { $error }
settings-waiting = delete { $count ->
        [one] { $count } old snapshot
       *[other] { $count } old snapshots
    } to free { $size }? (`keepsake clean`)

## locations

locations-moved = { $from } is now mounted at { $to }: Keepsake follows it there.
locations-elsewhere = Backups from another computer are on { $disk }: `keepsake timeline --location { $disk }` shows them (with a backup password or --recovery-key), `keepsake locations add { $disk }` adds them.
locations-set-up = { $location } is set up for backups. Its recovery key opens these snapshots on any computer, for example if this one is lost. Write it down or print it, and keep it apart from the disk:
locations-set-up-already = { $location } is set up already (`keepsake locations recovery-key` shows its recovery key).
locations-not-encrypted = { $location } is not encrypted: it needs no recovery key
locations-recovery-key = The recovery key of { $location }:
locations-recovery-key-keep = It opens these snapshots on any computer. Keep it apart from the disk.
locations-keys = What opens the snapshots at { $location }:
locations-key-password = the snapshots' password
locations-key-recovery-key = the recovery key
locations-key-backup-password = the backup password of { $device }
locations-key-computer = the computer { $computer }
locations-none = No locations yet: add a folder or a disk with `keepsake locations add <path>`.
locations-missing = missing (an unplugged disk?)
locations-free = { $free } free of { $total }
locations-present = present
locations-devices = { $count ->
        [one] { $count } device
       *[other] { $count } devices
    }

## clean

clean-no-repository = { $location } holds no Keepsake snapshots (no { $folder } folder there)
clean-location-missing = { $device }: its location { $location } is not there (an unplugged disk?)
clean-no-snapshots-of = no snapshots of { $device } here
clean-nothing = No snapshots to look at.
clean-device = { $device } at { $location }
clean-waiting = Waiting for your answer: delete these?
clean-nothing-to-delete = Nothing to delete.
clean-would-delete = The cleaning policy would delete:
clean-request-snapshot = snapshot { $snapshot } of { $time }  { $size }  frees { $frees }
clean-request-total = frees at least { $frees } (older snapshots take { $overhead }; the budget is { $budget }, half the newest backup)
clean-deleted = Deleted { $count ->
        [one] { $count } snapshot
       *[other] { $count } snapshots
    }; { $size } given back to the disk.
clean-declined = Declined: nothing deleted.
clean-nothing-deleted = Nothing deleted.
clean-run-yes-or-decline = Run `keepsake clean --yes` to delete them, or `keepsake clean --decline` to keep them.
clean-run-yes = Run `keepsake clean --yes` to delete them.

## move

move-copying = Copying snapshots
move-verifying = Verifying the copies
move-removing = Deleting the old snapshots
move-copied = { $count ->
        [one] { $count } snapshot
       *[other] { $count } snapshots
    } of { $device } copied to { $location } ({ $size } read); new backups go there.
move-moved = { $count ->
        [one] { $count } snapshot
       *[other] { $count } snapshots
    } of { $device } moved to { $location } ({ $size } read); new backups go there.

## history

history-empty = No backups yet.
history-backed-up = backed up
history-backed-up-snapshot = backed up: snapshot { $snapshot }
history-backed-up-snapshot-added = backed up: snapshot { $snapshot }, { $size } added
history-backed-up-added = backed up, { $size } added
history-failed = failed: { $error }
history-cancelled = cancelled (nothing of it was kept)
history-skipped = due, not backed up: { $reason }
history-copied-offsite = copied offsite to { $remote } ({ $size } sent)
history-offsite-failed = not copied offsite: { $error }
history-reason-not-connected = not connected (neither on the cable nor on Wi-Fi)
history-reason-passcode = locked, or its passcode was not entered
history-reason-location-missing = the backup disk was not there
history-reason-no-location = no backup location chosen yet
history-reason-space = not enough space
history-reason-password = the backup password was wrong or missing
history-reason-connection-lost = the connection to the device was lost
history-reason-error = an error

## pins: pin, unpin and note

pins-pinned = Snapshot { $snapshot } is pinned: automatic deletion never removes it.
pins-unpinned = Snapshot { $snapshot } is no longer pinned.
pins-not-pinned = Snapshot { $snapshot } was not pinned.
pins-note-set = Snapshot { $snapshot }: "{ $note }".
pins-note-cleared = Snapshot { $snapshot } has no note now.

## agent

# one device's turn: "iPhone: backed up"
agent-line = { $device }: { $what }
agent-offsite-copied = { $what }; copied offsite to { $remote } ({ $size } sent)
agent-offsite-waiting = { $what }; the offsite copy waits: { $error }
agent-auto-backup-off = automatic backups are off
agent-not-confirmed = waiting for its settings to be confirmed (`keepsake settings { $udid } --confirm`)
agent-not-due = already backed up today
agent-outside-window = outside its backup window; it opens at { $time }
agent-backing-off = last attempt failed; next try at { $time }
agent-not-reachable = not in reach
agent-no-location = no backup location (`keepsake locations add <folder>`)
agent-location-missing = waiting for its location { $location } (an unplugged disk?)
agent-already-running = a backup of it is already running
agent-backed-up = backed up
agent-backed-up-cleaned = backed up; { $count ->
        [one] { $count } old snapshot
       *[other] { $count } old snapshots
    } deleted, { $size } freed
agent-backed-up-asks = backed up; asks to delete { $count ->
        [one] { $count } old snapshot
       *[other] { $count } old snapshots
    } to free { $size } (`keepsake clean`)
agent-cleaning-failed = backed up, but cleaning failed: { $error }
agent-failed = backup failed: { $error }

## errors (the engine's, shown by the CLI and the app)

error-no-home-directory = no home directory: Keepsake needs one for its settings (set HOME)
error-corrupt-settings = { $path } is damaged ({ $detail }); move it aside and Keepsake will start afresh
error-encode = encoding settings: { $error }
error-credential-store = the OS credential store is not available ({ $error }), so Keepsake cannot remember passwords; it will ask for them instead. On Linux a Secret Service (GNOME Keyring or KWallet) must be running and unlocked.
error-location-missing = the backup location { $location } is not there (an unplugged disk?). Connect it, or choose another location.
error-no-backups = { $location } holds no Keepsake backups (no Keepsake.Backups folder there): back a device up to it first, or choose the location that has its backups
error-store-locked = { $repository } is encrypted and this computer does not remember its key: open it with the backup password of a device backed up there, its recovery key or the snapshots' password
error-wrong-store-secret = none of the passwords or keys given opens { $repository }: it takes the backup password of a device backed up there, the recovery key shown when the location was set up, or the snapshots' password. Nothing was changed.
error-needs-store-password = { $location }: this computer has no credential store (Secret Service) to keep the snapshots' key in, so new backups there need a password to reopen them: give the snapshots' password
error-already-backing-up = { $device } is already being backed up (by this or another Keepsake window or agent); wait for that backup to finish, or cancel it
error-cancelled = the backup of { $device } was cancelled; nothing was saved and the earlier snapshots are as they were. The next backup reuses what was already stored.
error-not-enough-space = not enough free space at { $location } to back up { $device }: { $free } free, about { $needed } needed. Free some space there, or choose another backup location.
error-no-device = no iPhone or iPad found. Connect one with a cable and unlock it.
error-no-such-device = no device matches { $wanted }; connected: { $available }
error-which-device = several devices are connected ({ $available }): say which one (UDID or name)
error-backup-locked = the backups of { $device } are encrypted by the device and this computer does not know their password, so they cannot be browsed or restored. Give the backup password; if it is lost, these snapshots cannot be opened by anyone.
error-wrong-backup-password = wrong backup password for { $device }'s snapshots: try again
error-not-a-backup = snapshot { $snapshot } does not hold a readable device backup: { $detail }
error-not-in-snapshot = { $what } is not in snapshot { $snapshot }
error-not-a-backup-folder = { $folder } is not a complete device backup ({ $detail }); nothing was imported
error-export-target-not-empty = { $folder } already holds files: export into an empty folder
error-settings-not-confirmed = { $device } has not been backed up before: review its backup settings with `keepsake settings { $udid }` and confirm them with `keepsake settings { $udid } --confirm`
error-location-in-use = { $location } is where { $devices } back up: give them another location first
error-unknown-location = { $location } is not one of Keepsake's locations (see `keepsake locations`)
error-no-location = { $device } has no backup location: add one with `keepsake locations add <folder>` or give it one with `keepsake settings <device> --location <folder>`
error-snapshot-pinned = snapshot { $snapshot } is pinned: unpin it before deleting it
error-restore-onto-another = snapshot { $snapshot } is a backup of { $from }; restoring it onto { $onto } replaces everything on { $onto } with it (its apps, data and settings; { $onto } keeps its own identity). Confirm to go ahead (`keepsake restore { $snapshot } --device … --yes`).
error-no-such-snapshot = no snapshot { $snapshot } in { $repository }

## The engine's sentences kept in history, notes and reports

verify-summary-sampled = The new backup and a sample of the rest ({ $bytes } in all) read back intact at { $location }.
verify-summary-all = All { $bytes } of stored data at { $location } read back intact.
verify-summary-problems = { $count ->
        [one] 1 problem found
       *[other] { $count } problems found
    } at { $location }: run Verify again, then back up to another location.
verify-summary-damaged = { $count ->
        [one] 1 file
       *[other] { $count } files
    } at { $location } cannot be restored whole ({ $files }): back up again so the damaged data is stored anew.
mass-deletion-part = { $removed } of { $before } { $kind ->
        [photos] photos and videos
       *[attachments] message attachments
    } ({ $percent } %)
mass-deletion-part-sized = { $removed } of { $before } { $kind ->
        [photos] photos and videos
       *[attachments] message attachments
    } ({ $percent } %, { $size })
mass-deletion-both = { $first } and { $second }
mass-deletion-pin-note = Kept: the backup after it no longer had { $what }.
kept-as-sent-plain-location = the location is not encrypted at rest
kept-as-sent-wrong-password = the backup password did not open it
kept-as-sent-no-password = the backup password is not at hand
device-unknown-name = Unknown iPhone or iPad
device-advice-trust = Unlock { $device } and tap Trust when it asks whether to trust this computer.
device-advice-no-usbmuxd = The device is plugged in but usbmuxd does not see it: install and start usbmuxd, then reconnect the cable.
core-empty-backup-password = a backup password cannot be empty
core-pair-record-vanished = { $device }: the pair record vanished; run `keepsake pair`
core-backup-refused = { $device }: the backup was refused: { $error }
core-saving-snapshot-failed = { $device }: saving the snapshot failed: { $error }
core-device-went-away = the device went away
core-move-target-has-history = { $location } already holds snapshots of { $device }; Keepsake does not merge two histories
core-move-already-there = { $device } already backs up to { $location }
core-move-left-uncopied = { $old } holds snapshots of { $device } that { $location } has no copy of; they are kept
core-move-copy-differs = the copy of snapshot { $snapshot } differs from it; the old snapshots are kept
core-move-copy-damaged = { $location } does not read back intact ({ $problems } catalog problems, { $chunks } damaged chunks); the old snapshots are kept
core-cleaning-spares-newest = snapshot { $snapshot } is { $device }'s newest backup; cleaning never deletes it
core-nothing-to-convert = { $location }: no snapshot of { $device } to convert

## The desktop app's sentences made in Rust

app-agent-backed-up = Backed up { $device } automatically.
app-agent-backed-up-asks = Backed up { $device } automatically. Older snapshots take too much space: Keepsake asks before deleting them.
app-agent-backed-up-cleaned = Backed up { $device } automatically. { $count ->
        [one] 1 old snapshot deleted
       *[other] { $count } old snapshots deleted
    }, { $freed } freed.
app-agent-cleaning-failed = Backed up { $device } automatically, but the older snapshots could not be cleaned up: { $error }
app-agent-failed = The automatic backup of { $device } failed: { $error }. Keepsake tries again later.
app-offsite-copied = Copied offsite to { $remote } ({ $size } sent).
app-offsite-up-to-date = The offsite copy on { $remote } is up to date.
app-offsite-already-copying = { $device }'s offsite copy is being sent already.
app-internal-error = Keepsake hit an internal error ({ $what }); try again, and report it if it keeps happening
app-autostart-failed = Keepsake could not change starting at login: { $error }

## keepsake offsite

secret-s3-secret = the access key's secret
offsite-needs-access-key = which access key? Give it with --access-key or ${ $env }.
offsite-push-progress = Sending
offsite-up-to-date = { $remote } already has this copy: nothing to send.
offsite-pushed = Sent to { $remote } (commit { $generation }): { $packs ->
        [one] 1 pack
       *[other] { $packs } packs
    }, { $size }; { $kept } already there.
offsite-none = { $remote } holds no Keepsake copy.
offsite-listed = { $repository }  { $snapshots ->
        [one] 1 snapshot
       *[other] { $snapshots } snapshots
    }  commit { $generation }  { $time }
offsite-restored = Restored { $count ->
        [one] 1 file
       *[other] { $count } files
    } ({ $size }) from the offsite copy to { $target }.
offsite-collected = Deleted { $catalogs ->
        [one] 1 old catalog
       *[other] { $catalogs } old catalogs
    } and { $packs ->
        [one] 1 unneeded pack
       *[other] { $packs } unneeded packs
    }: { $size } freed.
