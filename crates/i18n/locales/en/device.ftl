# The device crate's messages: talking to an iPhone or iPad, and to usbmuxd.

## Errors

device-usbmuxd-unreachable = cannot reach usbmuxd at { $addr }: { $source }. Is usbmuxd installed and running? (Debian/Ubuntu: `sudo apt install usbmuxd`; it starts when an iPhone is plugged in.)
device-bad-usbmuxd-address = USBMUXD_SOCKET_ADDRESS={ $value } is not an address: use HOST:PORT or UNIX:/path
device-usbmuxd-failed = usbmuxd at { $addr } failed to { $what }: { $source }
device-protocol = { $device }: { $what } failed: { $source }
device-silent = { $device } stopped answering while { $what }: nothing came for { $seconds } s. Keep it close to the computer (on Wi-Fi) or check its cable, unlock it, and try again.
device-connection-lost = { $device }: the connection to the device was lost while { $what } ({ $source }). Check the cable, keep the device unlocked, and try again.
device-timeout = { $device }: no answer to { $what } within { $seconds } s; unplug and reconnect it, then unlock it
device-trust-refused = { $device } refused to trust this computer. Unplug it, plug it in again, unlock it and tap Trust.
device-trust-timeout = { $device }: nobody answered the Trust prompt within { $seconds } s. Unlock it, tap Trust, then try again.
device-backup-failed = { $device }: the backup failed: { $why }
device-folder = { $device }: writing { $path } to the backup failed: { $source }
device-not-the-device = this is not { $device }: whatever answered at its address could not prove it is the device paired with this computer (its certificate or key is another's). Nothing was sent to it or saved from it. Connect the device with a cable to check it is yours.
device-malformed = { $device }: the device answered { $what } with something Keepsake cannot read: { $detail }

## What a mobilebackup2 error code means, and what to do

device-backup-error-space = there is not enough free space where the backup is stored ({ $detail }). Free some space or choose another location.
device-backup-error-password = the backup password is wrong ({ $detail }). Enter the password set for this device's backups.
device-backup-error-locked = the device is locked or its passcode was not entered in time ({ $detail }). Unlock it, enter the passcode when it asks, and try again.
device-backup-error-other = the device reported error { $code }: { $detail }. Try again; if it keeps failing, restart the device.

## The steps errors name: usbmuxd's complete "failed to …", the device's "while …"

device-step-connect = connect
device-step-list-devices = list devices
device-step-listen-for-devices = listen for devices
device-step-read-pair-record = read the pair record
device-step-encode-pair-record = encode the pair record
device-step-save-pair-record = save the pair record
device-step-read-buid = read its BUID
device-step-connecting-to-service = connecting to a device service
device-step-connecting-to-lockdownd = connecting to lockdownd
device-step-connecting-over-wifi = connecting over Wi-Fi
device-step-starting-session = starting a session
device-step-pairing = pairing
device-step-observing-notifications = observing notifications
device-step-starting-notification-proxy = starting the notification proxy
device-step-wifi-announcement = its Wi-Fi announcement
device-step-wifi-setting = the Wi-Fi connections setting
device-step-turning-on-wifi = turning on Wi-Fi connections
device-step-reading-will-encrypt = reading WillEncrypt
device-step-reading-disk-usage = reading the disk usage
device-step-starting-backup-service = starting mobilebackup2
device-step-handshake = the DeviceLink handshake
device-step-encoding-message = encoding a message
device-step-sending = sending
device-step-receiving = receiving
device-step-sending-file = sending a file
device-step-receiving-file = receiving a file
device-step-message = a message
device-step-request = a request
device-step-file-path = a file path
device-step-source-device = the restore's source device
device-step-listing-apps = listing the installed apps
device-step-reading-icons = reading the apps' icons
