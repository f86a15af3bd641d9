# The device crate's messages: talking to an iPhone or iPad, and to usbmuxd.

## Erreurs

device-usbmuxd-unreachable = impossible de joindre usbmuxd à { $addr } : { $source }. usbmuxd est-il installé et lancé ? (Debian/Ubuntu : `sudo apt install usbmuxd` ; il démarre quand un iPhone est branché.)
device-bad-usbmuxd-address = USBMUXD_SOCKET_ADDRESS={ $value } n'est pas une adresse : utilisez HÔTE:PORT ou UNIX:/chemin
device-usbmuxd-failed = usbmuxd à { $addr } n'a pas pu { $what } : { $source }
device-protocol = { $device } : échec ({ $what }) : { $source }
device-silent = { $device } ne répond plus ({ $what }) : rien n'est venu depuis { $seconds } s. Gardez-le près de l'ordinateur (en Wi-Fi) ou vérifiez son câble, déverrouillez-le, puis réessayez.
device-connection-lost = { $device } : la connexion à l'appareil a été perdue ({ $what } ; { $source }). Vérifiez le câble, gardez l'appareil déverrouillé, puis réessayez.
device-timeout = { $device } : aucune réponse ({ $what }) en { $seconds } s ; débranchez-le et rebranchez-le, puis déverrouillez-le
device-trust-refused = { $device } a refusé de faire confiance à cet ordinateur. Débranchez-le, rebranchez-le, déverrouillez-le et touchez « Se fier ».
device-trust-timeout = { $device } : personne n'a répondu à la demande de confiance en { $seconds } s. Déverrouillez-le, touchez « Se fier », puis réessayez.
device-backup-failed = { $device } : la sauvegarde a échoué : { $why }
device-folder = { $device } : l'écriture de { $path } dans la sauvegarde a échoué : { $source }
device-not-the-device = ce n'est pas { $device } : ce qui a répondu à son adresse n'a pas pu prouver qu'il est l'appareil jumelé à cet ordinateur (son certificat ou sa clé est celui d'un autre). Rien ne lui a été envoyé ni n'en a été enregistré. Branchez l'appareil avec un câble pour vérifier que c'est le vôtre.
device-malformed = { $device } : l'appareil a répondu par quelque chose que Keepsake ne sait pas lire ({ $what }) : { $detail }

## Ce que veut dire un code d'erreur de mobilebackup2, et que faire

device-backup-error-space = il n'y a pas assez d'espace libre là où la sauvegarde est rangée ({ $detail }). Libérez de l'espace ou choisissez un autre emplacement.
device-backup-error-password = le mot de passe de sauvegarde est faux ({ $detail }). Saisissez le mot de passe choisi pour les sauvegardes de cet appareil.
device-backup-error-locked = l'appareil est verrouillé ou son code n'a pas été saisi à temps ({ $detail }). Déverrouillez-le, saisissez le code quand il le demande, puis réessayez.
device-backup-error-other = l'appareil a signalé l'erreur { $code } : { $detail }. Réessayez ; si l'échec se répète, redémarrez l'appareil.

## Les étapes que nomment les erreurs : celles d'usbmuxd complètent « n'a pas pu … », celles de l'appareil sont entre parenthèses

device-step-connect = se connecter
device-step-list-devices = lister les appareils
device-step-listen-for-devices = guetter les appareils
device-step-read-pair-record = lire le jumelage
device-step-encode-pair-record = encoder le jumelage
device-step-save-pair-record = enregistrer le jumelage
device-step-read-buid = lire son BUID
device-step-connecting-to-service = connexion à un service de l'appareil
device-step-connecting-to-lockdownd = connexion à lockdownd
device-step-connecting-over-wifi = connexion en Wi-Fi
device-step-starting-session = ouverture d'une session
device-step-pairing = jumelage
device-step-observing-notifications = écoute des notifications
device-step-starting-notification-proxy = démarrage du relais de notifications
device-step-wifi-announcement = son annonce Wi-Fi
device-step-wifi-setting = le réglage des connexions Wi-Fi
device-step-turning-on-wifi = activation des connexions Wi-Fi
device-step-reading-will-encrypt = lecture de WillEncrypt
device-step-reading-disk-usage = lecture de l'occupation du disque
device-step-starting-backup-service = démarrage de mobilebackup2
device-step-handshake = la poignée de main DeviceLink
device-step-encoding-message = encodage d'un message
device-step-sending = envoi
device-step-receiving = réception
device-step-sending-file = envoi d'un fichier
device-step-receiving-file = réception d'un fichier
device-step-message = un message
device-step-request = une requête
device-step-file-path = un chemin de fichier
device-step-source-device = l'appareil source de la restauration
device-step-listing-apps = liste des apps installées
device-step-reading-icons = lecture des icônes des apps
