# Keepsake's interface in English: the words of the app's window (ui/src). fr.ftl has the same
# messages, in the same order. Variables are written { $name }; plurals choose by a number
# ({ $count -> [one] … *[other] … }). Names and paths from devices and disks, and sentences from
# the engine, come in as variables.

## Formats: sizes and durations

# sizes in powers of 1000, as the OS's file managers write them; $size is the number ("4.2")
size-b = { $size } B
size-kb = { $size } kB
size-mb = { $size } MB
size-gb = { $size } GB
size-tb = { $size } TB
# the time a backup has left
duration-seconds = { $seconds } s
duration-minutes = { $minutes } min { $seconds } s
duration-hours = { $hours } h { $minutes } min
# between the clauses of a sentence that lists things ("12 snapshots; 2 kept forever")
clause-separator = {"; "}

## App: what the controller says (main.ts)

# the titles of the system's folder picker
pick-recovery-key-folder = Save the recovery key in this folder
pick-location-folder = Choose where the snapshots go
pick-extract-folder = Extract into this folder
pick-new-location-folder = Add a backup location
# a backup's result, on the device's page: the first sentence, then those that apply
result-backed-up = Backed up { $device }: { $received } in { $files ->
        [one] { $files } file
       *[other] { $files } files
    }; the snapshot added { $added }.
result-cleaning-deleted = { $count ->
        [one] { $count } old snapshot deleted
       *[other] { $count } old snapshots deleted
    }, { $freed } freed.
result-cleaning-asked = Older snapshots take too much space: Keepsake asks before deleting them.
# $reason says why, from the engine
result-kept-as-sent = Its encrypted files were kept as the phone sent them ({ $reason }), which takes about twice the space: let this computer remember the backup password to save space.
result-cleaning-deleting = Deleting the older snapshots…
result-cleaning-keeping = Keeping all snapshots…
result-cleaning-kept = All snapshots were kept.
result-cleaning-nothing-deleted = Nothing was deleted: the snapshots it named are kept forever now.
result-cleaning-done = The older snapshots were deleted.
result-let-go = The snapshot kept for them is no longer kept forever.
wizard-asking = Asking { $device } about its backups…
wizard-asking-untrusted = Unlock { $device } and tap Trust on it: Keepsake needs to ask it about its backups.
wizard-loading-cancel = Cancel
# where the preferences' back button goes, when the wizard opened them
wizard-back-label = Settings of { $device }

## Sidebar

sidebar-label = Devices and preferences
sidebar-version = Version { $version }
sidebar-devices = Devices
sidebar-none-yet = None yet
sidebar-preferences = Preferences
# a device's one-line state, in the sidebar and on the home pane's tiles; $ago is "3 days ago"
state-away-last-backup = Not connected · last backup { $ago }
state-not-connected = Not connected
state-waiting-trust = Waiting: tap Trust on it
state-waiting-unlock = Waiting: unlock it
state-waiting-passcode = Waiting: enter its passcode
state-backing-up-percent = Backing up { $percent } %
state-saving = Saving the snapshot…
state-backing-up = Backing up…
state-needs-attention = Needs attention
# $via is "USB", "Wi-Fi" or "USB + Wi-Fi"
state-connected-via = Connected · { $via }
state-connected = Connected

## Devices: a device's page, the home pane, a backup's progress

device-last-backup = Last backup: { $time }
device-never-backed-up = Never backed up
# after the last backup's time, on the same line
device-last-attempt-failed = The last attempt failed: { $error }
device-damage-found = Damage found ({ $time }): { $summary }
device-last-backup-intact = Last backup read back intact: { $time }
device-all-snapshots-intact = All snapshots read back intact: { $time }
device-automatic-off = Automatic backups are off
device-waiting-for-location = Backups wait for { $location }: connect that disk, or choose another location in Settings
device-next-backup-now = Next automatic backup: now, while it is connected
device-next-backup = Next automatic backup: { $time } or later, when it is connected
# what a backup let go, in the sentence of mass-deletion-question; $size is what they took
mass-deletion-photos = { $removed } of { $before } photos and videos ({ $percent } %, { $size })
mass-deletion-attachments = { $removed } of { $before } message attachments ({ $percent } %, { $size })
# $what is one or two of the above, joined
mass-deletion-question = The last backup of { $device } no longer has { $what } that the backup before had. Were they deleted on purpose? The snapshot before still holds them and is kept forever until you say they may go.
mass-deletion-show = Show the snapshots
mass-deletion-let-go = They may go
cleaning-question = Older snapshots of { $device } take more space than allowed. { $count ->
        [one] Delete one of them
       *[other] Delete { $count } of them
    } to free { $size }?
cleaning-delete = Delete them
cleaning-keep = Keep them
# $problem says why, from the engine
devices-usbmuxd-problem = USB devices cannot be listed: { $problem }
device-snapshots-at = { $count ->
        [one] { $count } snapshot at { $location }
       *[other] { $count } snapshots at { $location }
    }
device-at = At { $location }
device-not-connected = Not connected
device-not-trusted = Not trusted yet
device-back-up-now = Back up now
device-back-up-now-label = Back up now: { $device }
device-snapshots = Snapshots
device-snapshots-label = Snapshots: { $device }
device-settings = Settings
device-settings-label = Settings: { $device }
device-away-snapshots-last = { $count ->
        [one] { $count } snapshot · Last backup: { $time }
       *[other] { $count } snapshots · Last backup: { $time }
    }
device-away-snapshots = { $count ->
        [one] { $count } snapshot
       *[other] { $count } snapshots
    }
device-away-hint = Its snapshots can be browsed, and restored onto another iPhone or iPad.
home-locked-location = The backups at { $location } are locked on this computer: open them in Preferences with the backup password of a device backed up there, or with their recovery key.
home-no-devices-title = Back up an iPhone or iPad
home-no-devices = No iPhone or iPad found. Connect one with a cable, unlock it and tap Trust.
home-choose = Choose a device
home-hint = Keepsake backs up the iPhones and iPads connected to this computer, and keeps the snapshots of those that are not.
recovery-done = Done
recovery-title = Keep this recovery key
recovery-hint = It opens these snapshots on any computer — if this one is lost, or after a reinstall. Write it down, save it or print it, and keep it apart from the backup disk. Preferences shows it again, on a computer that can open the snapshots.
recovery-save = Save as file…
recovery-saved = Saved as { $path }.
recovery-print = Print…
recovery-kept = I have kept the recovery key somewhere safe
progress-waiting-trust = Unlock { $device } and tap Trust on it to let this computer back it up.
progress-waiting-unlock = { $device } is locked: unlock it with its passcode.
progress-enter-passcode = Enter your passcode on { $device } to let the backup start.
progress-backing-up = Backing up…
# the parts of the line under the progress bar, joined with " · "
progress-received = { $received }
progress-received-of = { $received } of about { $expected }
progress-files = { $count ->
        [one] { $count } file
       *[other] { $count } files
    }
# $rate is a size ("4.2 MB"), per second
progress-rate = { $rate }/s
progress-time-left = { $time } left
progress-saving = Saving the snapshot…
progress-label = Backup progress
progress-cancel = Cancel
# $message says what went wrong, from the engine
load-error = Keepsake could not start its engine: { $message }
load-error-hint = Restart Keepsake. If this keeps happening, run `keepsake info -vv` in a terminal and report what it prints.

## Wizard: the first backup's set-up, and a device's backup settings

wizard-step-encryption = Encryption
wizard-step-location = Backup location
wizard-step-snapshots = Snapshots and automatic backups
wizard-retention-weeks = { $count ->
        [one] { $count } week
       *[other] { $count } weeks
    }
wizard-retention-months = { $count ->
        [one] { $count } month
       *[other] { $count } months
    }
wizard-retention-years = { $count ->
        [one] { $count } year
       *[other] { $count } years
    }
wizard-window-any = At any time of day
wizard-window-night = At night (20:00–06:00)
# a window set with the command line; $from and $to are times ("12:00")
wizard-window-between = Between { $from } and { $to }
wizard-problem-current-password = Type the current backup password: the device asks for it.
wizard-problem-new-password = Choose the new password.
wizard-problem-password = Choose a password for the backups.
wizard-problem-passwords-differ = The passwords do not match: type the same password twice.
wizard-problem-location = Choose where the snapshots go, or add a folder or disk.
wizard-problem-store-password = Choose the snapshots' password, or untick it.
wizard-problem-store-passwords-differ = The snapshots' passwords do not match: type the same password twice.
# a location to choose; $free and $total are sizes
wizard-location-missing = { $path } — not connected
wizard-location-space-unknown = { $path } — free space unknown
wizard-location-free = { $path } — { $free } free
wizard-location-free-of = { $path } — { $free } free of { $total }
# $label is one of the four above
wizard-location-default = { $label } (default)
wizard-lost-password-warning = If you lose this password, nobody can open these snapshots: not you, not Keepsake, not Apple. Write it down somewhere safe.
wizard-remember-password = Remember the password on this computer
wizard-already-encrypted = { $device } encrypts its backups. With the password remembered, Keepsake keeps them as compactly as unencrypted ones and opens them without asking; otherwise it asks for it when you open a snapshot.
wizard-encryption-choices = Backup encryption
wizard-encryption-keep = Keep the password as it is
wizard-encryption-change = Change the password
wizard-encryption-off = Turn encryption off
wizard-current-password = Current password
wizard-new-password = New password
wizard-confirm-new-password = Confirm the new password
wizard-change-password-hint = Snapshots made before the change keep the current password: those taken without it remembered ask for it when you open them.
wizard-encryption-off-note = Backups from now on leave out saved passwords, Wi-Fi settings, website history and Health data. The snapshots already made stay encrypted with the current password.
wizard-encrypt-hint = Encrypted backups also keep saved passwords, Wi-Fi settings, website history and Health data.
wizard-encrypt = Encrypt the backups of this device
wizard-password = Password
wizard-confirm-password = Confirm the password
wizard-no-locations = No backup location yet: add a folder or a disk below.
wizard-locations = Backup locations
# an example of a folder on a disk
wizard-new-location-placeholder = /media/me/Backups
wizard-add-location = Add location
wizard-choose = Choose…
wizard-location-preferences = Backup location preferences…
wizard-add-folder-or-disk = Add a folder or disk
wizard-new-location-note = Keepsake encrypts the snapshots it keeps there. This computer remembers their key; on another computer the backup password of your device, or the recovery key you get next, opens them.
wizard-own-password = Also open them with a password of my own
wizard-store-password = Snapshots password
wizard-confirm-store-password = Confirm the snapshots password
wizard-recovery-title = Keep the recovery key
wizard-recovery-text = Your snapshots at { $location } are ready. If this computer is lost, this key opens them on any other one (so does the backup password of an encrypted device). Keepsake shows it only now; Preferences shows it again on a computer that can open them.
wizard-recovery-save = Save as file…
wizard-recovery-saved = Saved as { $path }. Keep the file apart from the backup disk.
wizard-recovery-print = Print…
wizard-recovery-kept = I have kept the recovery key somewhere safe
wizard-start-first-backup = Start the first backup
wizard-done = Done
wizard-keep-snapshots = Keep older snapshots (go back to any earlier day)
wizard-auto-delete = Delete old snapshots automatically when they take too much space
wizard-retention = Keep every snapshot at least
wizard-ask-first = Ask me before deleting anything
wizard-newest-only = Only the newest backup is kept.
wizard-auto-backup = Back up automatically when the device is connected
wizard-schedule = How often
wizard-schedule-daily = Every day
wizard-schedule-weekly = Every week
wizard-window = When
wizard-wifi = Also back up over Wi-Fi, when the device is on the same network
wizard-wifi-hint = The device is told to show itself on Wi-Fi to this computer while it is connected by cable.
wizard-cable-only = Backups happen only while the device is connected by cable.
wizard-title-first = Set up backups of { $device }
wizard-title = Backup settings of { $device }
# $title is one of the steps above
wizard-step = Step { $step } of { $steps }: { $title }
wizard-cancel = Cancel
wizard-back = Back
wizard-save = Save
wizard-next = Next

## Timeline: a device's snapshots along time

timeline-compare = What changed
# $from and $to are two snapshots' times
timeline-compare-label = What changed: { $from } to { $to }
timeline-kept-forever = Kept forever
timeline-keep-forever = Keep forever
timeline-kept-forever-label = Kept forever: the snapshot of { $time }
timeline-keep-forever-label = Keep forever: the snapshot of { $time }
timeline-kept-forever-title = Automatic deletion never removes this snapshot. Click to let it go when it is old.
timeline-keep-forever-title = Never delete this snapshot automatically (deleting it would free { $size })
timeline-empty = No snapshots of { $device } yet. Back it up to make the first one.
timeline-list-label = Snapshots of { $device }, newest first
timeline-snapshot-size = { $size } in { $files ->
        [one] { $files } file
       *[other] { $files } files
    }
timeline-first-backup = First backup: { $size }
timeline-added = Added { $size }
# what the person wrote of a snapshot, quoted
timeline-note = “{ $note }”
# read out before a snapshot's time, size and what it added, which follow
timeline-open = Browse the snapshot of
timeline-back = ← Devices
timeline-title = Snapshots of { $device }

## History: what happened to a device's backups

history-skipped-not-connected = Not backed up that day because it was not connected (neither on the cable nor on Wi-Fi)
history-skipped-passcode = Not backed up that day because it was locked, or its passcode was not entered
history-skipped-location-missing = Not backed up that day because the backup disk was not there
history-skipped-no-location = Not backed up that day because no backup location was chosen
history-skipped-space = Not backed up that day because there was not enough space
history-skipped-password = Not backed up that day because the backup password was wrong or missing
history-skipped-connection-lost = Not backed up that day because the connection to it was lost
history-skipped-error = Not backed up that day because of an error
history-backed-up = Backed up
history-backed-up-added = Backed up: { $size } added
# $error says why, from the engine
history-failed = Failed: { $error }
history-cancelled = Cancelled: nothing of it was kept
history-title = History
history-empty = Nothing has happened to { $device }'s backups yet.
history-label = What happened to { $device }'s backups, newest first
history-more = The { $shown } newest of { $total }; `keepsake history` lists them all.

## Save space: converting the snapshots kept as the phone sent them

convert-text = { $count ->
        [one] One snapshot of { $device } was taken without its backup password: it keeps the phone's encrypted files as they came, which take more space. Keepsake can keep them decrypted in its own encrypted store instead; exports and restores stay exactly what the phone sent.
       *[other] { $count } snapshots of { $device } were taken without its backup password: they keep the phone's encrypted files as they came, which take more space. Keepsake can keep them decrypted in its own encrypted store instead; exports and restores stay exactly what the phone sent.
    }
convert-saving-label = Saving space
convert-button = Save space
convert-saving = Saving space…
# $after and $before are sizes
convert-done = Done: { $files ->
        [one] { $files } file
       *[other] { $files } files
    } kept decrypted in { $snapshots ->
        [one] { $snapshots } snapshot
       *[other] { $snapshots } snapshots
    }; the snapshots take { $after } now, { $before } before.
convert-password = Enter the backup password of { $device } to open these snapshots.

## Backup password: an encrypted snapshot asks for it

password-wrong = That password is not right: try again.
password-label = Backup password
password-snapshot = The backups of { $device } are encrypted. Enter the backup password to open this snapshot.
password-open = Open

## Comparison: what changed between two snapshots

diff-added = { $count ->
        [one] { $count } file added ({ $size })
       *[other] { $count } files added ({ $size })
    }
diff-changed = { $count } changed ({ $size })
diff-removed = { $count } removed ({ $size })
compare-same = Choose two different snapshots.
compare-comparing = Comparing…
compare-nothing = Nothing changed between these snapshots.
compare-changed = { $count ->
        [one] { $count } domain changed from { $from } to { $to }.
       *[other] { $count } domains changed from { $from } to { $to }.
    }
compare-back = ← Snapshots
compare-title = What changed on { $device }
compare-from = From
compare-to = To
compare-button = Compare

## Browser: what a snapshot holds

# the phone's kinds of data, named as its own apps are
kind-photos = Photos
kind-messages = Messages
kind-contacts = Contacts
kind-calls = Calls
kind-notes = Notes
kind-calendars = Calendars
kind-voice-memos = Voice Memos
kind-safari = Safari
kind-health = Health
kind-passwords = Passwords
kind-settings = Settings
# the places iOS keeps each kind in
place-camera-roll = Photos and videos
place-messages = The messages database
place-attachments = Attachments
place-contacts = The contacts database
place-call-history = The call history
place-notes = Notes
place-old-notes = Notes of older iOS versions
place-calendars = The calendars database
place-recordings = Recordings
place-shared-recordings = Recordings shared with the Voice Memos app
place-safari = Bookmarks, history and tabs
place-health = Health data
place-keychain = The keychain
place-preferences = Preferences of the phone and its apps
place-system-preferences = System preferences
place-managed-preferences = Preferences set by an organisation
# an app's domains: its own, an extension's ($name is its id), a group it shares
app-domain-own = App data
app-domain-extension = Extension: { $name }
app-domain-group = Shared group: { $name }
browser-files-and-size = { $count ->
        [one] { $count } file, { $size }
       *[other] { $count } files, { $size }
    }
# an example of a folder on this computer
browser-target-placeholder = /home/me/Restored
browser-breadcrumb = Where you are in the snapshot
browser-search-placeholder = A file, a folder or an app
browser-search = Search this snapshot
browser-progress = Progress
browser-export = Export as Finder backup
browser-export-title = Write the whole snapshot into the folder above as a backup Finder, iTunes and idevicebackup2 can restore
browser-restore = Restore to device…
browser-back = ← Snapshots
# $time is the snapshot's
browser-title = { $device } on { $time }
browser-target = Folder on this computer
browser-choose = Choose…
browser-crumb-snapshot = Snapshot
browser-opening = Opening the snapshot…
browser-kinds = On the phone
browser-no-kinds = This snapshot holds none of the phone's own data: no photos, messages, contacts or the like.
browser-apps = Apps
browser-no-apps = No app keeps data in this snapshot.
browser-domains = All domains
browser-domains-hint = Every part of the snapshot, by the names iOS gives them.
browser-app-version = Version { $version }
browser-column-domain = Domain
browser-column-files = Files
browser-column-size = Size
browser-column-name = Name
browser-column-where = Where
browser-column-actions = Actions
browser-extract = Extract
browser-extract-label = Extract: { $name }
browser-searching = Searching…
# $text is what the person typed
browser-search-none = No file in this snapshot matches “{ $text }”.
browser-search-some = { $count ->
        [one] { $count } file found: showing the first { $shown } of { $count }. Type more to narrow it.
       *[other] { $count } files found: showing the first { $shown } of { $count }. Type more to narrow it.
    }
browser-search-found = { $count ->
        [one] { $count } file found.
       *[other] { $count } files found.
    }
browser-open-hit-folder = Open the folder it is in
browser-no-target-export = Type the folder to export into first.
browser-no-target-extract = Type the folder to extract into first.
browser-exporting = Exporting the snapshot…
browser-exported = Exported { $files ->
        [one] { $files } file
       *[other] { $files } files
    } ({ $size }) into { $folder }: Finder, iTunes and idevicebackup2 can restore it.
browser-extracting = Extracting { $name }…
browser-extracted = { $count ->
        [one] Extracted { $count } file ({ $size }) into { $folder }.
       *[other] Extracted { $count } files ({ $size }) into { $folder }.
    }
restore-confirm = Restore
restore-connect = Connect the device to restore onto ({ $device }, or a new phone), unlock it and tap Trust.
restore-replace = Replace everything on { $device } with this snapshot of { $time }? What is on the device now and not in the snapshot is lost. Keep the device connected and unlocked; turn off Find My on it first.
# $device is the snapshot's, $target the other device it goes onto
restore-onto-other = Restore this snapshot of { $device } ({ $time }) onto { $target }? Everything on { $target } is replaced with it — its apps, data and settings — and { $target } keeps its own identity. Keep it connected and unlocked; turn off Find My on it first.
restore-other-device = { $device } (another device)
restore-onto = Restore onto
restore-password-needed = This backup is encrypted: its password is needed.
restore-cancel = Cancel
restore-restoring = Restoring { $device }…
restore-done = Restored { $files ->
        [one] { $files } file
       *[other] { $files } files
    } to { $device }.

## Preferences: the backup locations, backups from elsewhere, starting at login

preferences-not-connected = Not connected
preferences-space-unknown = Free space unknown
# $free and $total are sizes
preferences-space-free = { $free } free
preferences-space-free-of = { $free } free of { $total }
preferences-automatic = Automatic backups
preferences-autostart = Start Keepsake when I log in (in the tray, without the window)
verify-running = Verifying { $location }: reading every snapshot back…
verify-progress = Verification progress
verify-intact = { $location } is intact
# $size is what was read, in $pieces pieces
verify-intact-text = Every snapshot was read back: { $size } in { $pieces } pieces, all as they were written.
verify-damaged = Damage found at { $location }
verify-damaged-files = { $count ->
        [one] { $count } file cannot be restored whole.
       *[other] { $count } files cannot be restored whole.
    } Back up again so the damaged data is stored anew; snapshots that hold them:
verify-damaged-index = The snapshots' index has problems. Back up to another location too, and keep this disk for now.
# $snapshots lists the snapshots' numbers
verify-damaged-file = { $path } (snapshots { $snapshots })
# an example of a Finder backup folder, named after its device
import-folder-placeholder = /media/me/Backup/00008110-…
import-button = Add to the snapshots
import-adding = Adding { $folder }…
# $snapshot is the snapshot's number, $udid the device's
import-added = Added as snapshot { $snapshot } of { $udid } ({ $files ->
        [one] { $files } file
       *[other] { $files } files
    }; it added { $size }).
import-title = Add a Finder backup
import-hint = A backup folder Finder, iTunes or idevicebackup2 made (the folder named after the device's UDID) becomes a snapshot of its device. It must be complete: an unfinished backup is refused and nothing is added.
import-folder = Backup folder
import-into = Into
import-no-location = Add a location first.
import-recovery-key = This set the location up: its recovery key opens the snapshots on any computer. Keep it apart from the disk:
recovery-key-none = These snapshots are stored in clear: they need no recovery key.
# an example of a disk
open-backups-placeholder = /media/me/Old disk
# $devices lists the devices' names
open-backups-opened = Opened: backups of { $devices }. They are listed with the devices.
open-backups-empty = Opened: there are no snapshots there yet.
open-backups-locked = This computer does not know these backups' key yet: type the backup password of a device backed up there, or the recovery key.
open-backups-title = Backups from another computer
open-backups-hint = A disk that holds Keepsake.Backups from another computer (or from before a reinstall) opens with the backup password of a phone backed up there, or with its recovery key.
open-backups-found = Found on the disks in sight:
open-backups-open-found = Open
open-backups-open-found-label = Open the backups on { $location }
open-backups-path = Folder or disk
open-backups-choose-label = Choose the folder or disk to open
open-backups-secret = Backup password or recovery key
open-backups-button = Open backups
# an example of a folder on a disk
preferences-new-location-placeholder = /media/me/Backups
preferences-default = Default
preferences-devices = { $count ->
        [one] { $count } device
       *[other] { $count } devices
    }
preferences-no-device = No device
preferences-make-default = Make default
preferences-make-default-label = Make default: { $location }
preferences-recovery-key = Recovery key
preferences-recovery-key-label = Recovery key: { $location }
preferences-verify = Verify
preferences-verify-label = Verify: { $location }
preferences-remove = Remove
preferences-remove-label = Remove: { $location }
# $label says where it goes back to (wizard-back-label)
preferences-back-to = ← { $label }
preferences-back = ← Devices
preferences-title = Backup locations
preferences-hint = Snapshots are kept in a Keepsake.Backups folder at each location. Removing a location here leaves its snapshots on the disk.
preferences-no-locations = No backup location yet.
preferences-column-location = Location
preferences-column-space = Space
preferences-column-used-by = Used by
preferences-column-actions = Actions
preferences-add-folder-or-disk = Add a folder or disk
preferences-add-location = Add location
preferences-choose = Choose…
recovery-key-of = The recovery key of { $location }
recovery-key-hint = It opens these snapshots on any computer. Keep it apart from the disk.

## Charts: the snapshots drawn along time, and the space they take

# a stretch of time
span-minutes = { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
span-hours = { $count ->
        [one] { $count } hour
       *[other] { $count } hours
    }
span-days = { $count ->
        [one] { $count } day
       *[other] { $count } days
    }
# the drawing in words, clauses joined with clause-separator; $day, $from and $to are dates ("3 Nov"), $span a stretch of time
chart-no-snapshots = No snapshots yet
chart-summary-one-day = { $count ->
        [one] { $count } snapshot on { $day }
       *[other] { $count } snapshots on { $day }
    }
chart-summary = { $count ->
        [one] { $count } snapshot from { $from } to { $to }
       *[other] { $count } snapshots from { $from } to { $to }
    }
chart-summary-kept = { $count } kept forever
chart-summary-gap = no backup for { $span } from { $from }
chart-summary-gaps = { $count } times no backup for more than { $span }, the longest { $longest }
chart-label = Timeline: { $summary }. Choose a snapshot to find it in the list below.
# $from and $to are two snapshots' times
chart-gap-title = No backup for { $span }: from { $from } to { $to }
# written in the drawing, over the gap
chart-gap-label = no backup for { $span }
# a snapshot's mark; $size is what it added
chart-mark = { $time }: added { $size }
chart-mark-kept = { $time }: added { $size }, kept forever
chart-title = Along time
chart-legend = What the timeline shows
chart-legend-mark = A snapshot: the bigger, the more it added
chart-legend-kept = Kept forever
chart-legend-gap = No backup for more than { $span }
# a size that is an estimate
space-about = about { $size }
# the bar in words, parts joined with clause-separator
space-bar-newest = Newest backup { $size }
space-bar-extra = older snapshots { $size } more
space-bar-allowance = allowance { $size }
space-bar-over = { $size } over the allowance
space-bar-within = within the allowance
space-bar-cleaning = the next cleaning would free { $size }
space-legend = What the bar shows
space-legend-newest = Newest backup: { $size }
space-legend-extra = Older snapshots, beyond the newest: { $size }
space-legend-over = Over the allowance: { $size }
space-legend-allowance = Allowance, half the newest backup: { $size }
space-legend-frees = Freed by the next cleaning: { $size }
space-summary-newest-only = All the space is the newest backup's, { $newest }. Older snapshots may take up to { $allowance } more (half of it) before the oldest are deleted.
space-summary-over = The older snapshots take { $extra } beyond the newest backup, which takes { $newest }: { $over } more than they are allowed ({ $allowance }, half the newest backup).
space-summary-within = The older snapshots take { $extra } beyond the newest backup, which takes { $newest }: within what they are allowed ({ $allowance }, half the newest backup).
space-title = Space
space-cleaning = { $count ->
        [one] The next cleaning would delete { $count } snapshot and free { $size }.
       *[other] The next cleaning would delete { $count } snapshots and free { $size }.
    }
space-disk-free = The disk has { $size } free.
space-estimated = Another device backs up to this location too, so these numbers are estimates.

## Offsite: a device's copy on an S3-compatible object store

offsite-title = Offsite copy
offsite-none-hint = Keep a copy away from home, on an S3-compatible object store (a provider's or a server of your own): after each backup, only what the copy lacks is sent.
offsite-set-up = Set up an offsite copy…
offsite-set-up-label = Set up an offsite copy of { $device }
offsite-change = Change…
offsite-change-label = Change the offsite copy of { $device }
offsite-copy-now = Copy now
offsite-not-yet = Copies go to { $remote }: the newest backup goes there next.
offsite-copied = Copied to { $remote } on { $time }, with the newest backup.
offsite-behind = Copied to { $remote } on { $time }; the newest backup goes there next.
offsite-waiting = Waiting for { $remote }: { $why }
offsite-next-try = Next try: { $time }.
offsite-next-try-soon = Keepsake tries again in a few minutes.
offsite-reason-unreachable = it cannot be reached.
offsite-reason-refused = it refused the access key.
offsite-reason-full = it accepts no more data (full?).
offsite-reason-diverged = its copy has snapshots this computer never made.
offsite-reason-no-secret = this computer does not remember the access key's secret.
offsite-reason-error = the copy failed.
offsite-advice-unreachable = Check the network, and that the server is on. The backups here are saved meanwhile.
offsite-advice-refused = Check the access key and its secret (Change…), and that they may write to this bucket.
offsite-advice-full = Free space in the bucket or raise its quota; the backups here are intact.
offsite-advice-diverged = Another computer wrote to this copy from a copy of the disk: send this one under another folder (Change…).
offsite-advice-no-secret = Give the access key's secret again (Change…).
offsite-form-title = Offsite copy of { $device }
offsite-form-hint = The bucket's address and an access key that may read and write it. The secret is kept in this computer's credential store; the copy is encrypted like the backups here.
offsite-address = Address
offsite-address-hint = s3://host/bucket/folder, or s3+http://host:port/bucket/folder for a server without HTTPS.
offsite-access-key = Access key
offsite-secret = Secret
offsite-secret-hint = Never shown again, never written to Keepsake's files.
offsite-secret-unchanged = unchanged
offsite-bandwidth = Bandwidth limit (KB/s)
offsite-bandwidth-hint = Empty: as fast as the network goes.
offsite-save = Check and save
offsite-checking = Checking…
offsite-cancel = Cancel
offsite-remove = Stop copying offsite
offsite-progress-label = Copying offsite
offsite-sent = { $sent } of { $total } sent
result-offsite-saved = The offsite copy is set: the next backup goes there too.
result-offsite-removed = No more offsite copies; what the bucket holds stays there.
result-offsite-copying = Copying offsite…

## Models: Apple's product names stay as Apple writes them (views/models.ts)

# a device whose model is not known yet
model-unknown = iPhone or iPad
