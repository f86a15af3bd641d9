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
