# Les messages de Keepsake en français : ceux de la ligne de commande et les notifications de l'app.
# Les variables s'écrivent { $nom } ; les pluriels choisissent selon un nombre ([one], *[other]).

## Notifications

backup-finished-title = Sauvegarde terminée
backup-finished-body = { $device } est sauvegardé.
backup-failed-title = La sauvegarde de { $device } a échoué
passcode-wanted-title = { $device } attend son code
passcode-wanted-body = Saisissez le code sur { $device } pour que la sauvegarde commence.
cleaning-waiting-title = Les anciens instantanés prennent trop de place
cleaning-waiting-body = Keepsake demande avant de supprimer { $snapshots ->
        [one] un ancien instantané
       *[other] { $snapshots } anciens instantanés
    } de { $device }, ce qui libérerait { $size }.
mass-deletion-title = Beaucoup de photos ou de messages ont disparu de { $device }
mass-deletion-body = L'instantané précédent les contient encore : il est conservé jusqu'à ce que vous disiez qu'ils peuvent partir.
no-recent-backup-title = Aucune sauvegarde de { $device } depuis { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }
no-recent-backup-body = Connectez { $device } à cet ordinateur, ou au même Wi-Fi, pour le sauvegarder.
location-missing-title = Le disque de sauvegarde n'est pas connecté
location-missing-body = Les sauvegardes de { $device } attendent { $location } : connectez ce disque, ou choisissez un autre emplacement.
restore-finished-title = Restauration terminée
restore-finished-body = { $device } contient maintenant l'instantané qui lui a été donné.
restore-failed-title = La restauration a échoué

## Partagés par plusieurs commandes

# un nombre de fichiers, dans les tableaux qui l'alignent
common-files = { $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }
# le temps qu'une barre de progression prévoit encore ; $time est le champ de la barre
progress-time-left = reste { $time }

## Secrets : mots de passe et clés de récupération, pour toutes les commandes

secret-store-password = le mot de passe des instantanés
secret-backup-password = le mot de passe de sauvegarde
secret-recovery-key = la clé de récupération
secret-new-backup-password = le nouveau mot de passe de sauvegarde
secret-new-store-password = le nouveau mot de passe des instantanés
secret-new-location-password = le mot de passe des instantanés du nouvel emplacement
# $secret est l'un de ceux ci-dessus, avec une majuscule
secret-needed = { $secret } est nécessaire : définissez { $env } ou donnez { $flag } FICHIER (jamais sur la ligne de commande, que d'autres programmes peuvent lire)
secret-prompt = { $secret } :
secret-empty = { $secret } ne peut pas être vide
secret-again = Encore une fois, pour confirmer :
secret-mismatch = les deux ne correspondent pas : rien n'a été modifié
secret-reading-terminal = en lisant le terminal
secret-reading-file = en lisant { $secret } dans { $path } ({ $flag })
# après une erreur, où donner les secrets qu'elle demande : « (donnez A ; B) »
secret-hint = (donnez { $ways })
secret-hint-way = { $secret } : ${ $env } ou { $flag } FICHIER
secret-hint-separator = {" ; "}

## devices

devices-none = Aucun iPhone ni iPad trouvé. Branchez-en un avec un câble, déverrouillez-le et touchez « Se fier ».
devices-gone = { $udid }  { $device } déconnecté

## pair

pair-waiting-for-trust = En attente : touchez « Se fier » sur { $device }…
pair-waiting-for-unlock = { $device } est verrouillé : déverrouillez-le avec son code…
pair-newly-paired = { $device } ({ $udid }) fait maintenant confiance à cet ordinateur.
pair-already-paired = { $device } ({ $udid }) fait déjà confiance à cet ordinateur.

## backup

backup-connecting = Connexion
backup-waiting-for-trust = En attente : touchez « Se fier » sur { $device }…
backup-waiting-for-unlock = { $device } est verrouillé : déverrouillez-le avec son code…
backup-enter-passcode = Saisissez votre code sur { $device } pour que la sauvegarde commence…
backup-backing-up = Sauvegarde de { $device }
backup-received-of = { $received } sur ~{ $total }
backup-transfer = { $received } en { $files ->
        [one] { $files } fichier
       *[other] { $files } fichiers
    }, { $speed }/s
backup-saving = Enregistrement de l'instantané
backup-files-failed = attention : { $device } n'a pas pu envoyer { $count ->
        [one] { $count } fichier ; l'instantané en garde la version précédente
       *[other] { $count } fichiers ; l'instantané en garde les versions précédentes
    } : { $files }
backup-kept-as-sent = remarque : la sauvegarde chiffrée de { $device } a été conservée telle que l'appareil l'a envoyée ({ $why }) : ces instantanés prennent environ deux fois la place d'instantanés déchiffrés. Donnez le mot de passe de sauvegarde (--backup-password-file) ou laissez cet ordinateur le mémoriser (`keepsake encryption change --remember`) pour gagner de la place.
backup-cleaning-failed = attention : le nettoyage prévu après la sauvegarde n'a pas pu se faire : { $error }
backup-damage-found = attention : la relecture des instantanés a trouvé des dommages : { $summary } (`keepsake verify` les relit tous)
backup-recovery-key = Cette sauvegarde a préparé { $repository }. Sa clé de récupération ouvre ces instantanés sur n'importe quel ordinateur, par exemple si celui-ci est perdu. Notez-la ou imprimez-la, et gardez-la à l'écart du disque :
backup-recovery-key-again = (`keepsake locations recovery-key { $location }` l'affiche à nouveau sur un ordinateur qui peut ouvrir les instantanés.)
backup-done = { $device } sauvegardé en { $seconds } s : instantané { $snapshot } ({ $received } reçus en { $files ->
        [one] { $files } fichier
       *[other] { $files } fichiers
    }, { $removed ->
        [one] { $removed } supprimé
       *[other] { $removed } supprimés
    }) ; il a ajouté { $added } à { $repository }.
backup-read-back = Relu sans erreur : ce que la sauvegarde a écrit et un échantillon du reste ({ $size }).
# $what dit ce qui a disparu (« 312 photos »)
backup-mass-deletion = Attention : { $device } n'a plus { $what } que sa sauvegarde précédente avait. L'instantané { $snapshot } les contient encore, et il est conservé pour toujours jusqu'à ce que vous disiez qu'ils peuvent partir (`keepsake unpin { $snapshot }`).
backup-cleaned = Les règles de nettoyage ont supprimé { $count ->
        [one] l'ancien instantané { $snapshots }
       *[other] les anciens instantanés { $snapshots }
    } ({ $size } libérés).
backup-cleaning-asks = Les anciens instantanés prennent plus de place que les règles ne le permettent : `keepsake clean` montre ce qui serait supprimé ; `keepsake clean --yes` le supprime.
backup-offsite-copied = Copié hors site sur { $remote } : { $packs ->
        [one] 1 paquet
       *[other] { $packs } paquets
    }, { $size }.
backup-offsite-failed = La sauvegarde est enregistrée, mais pas sa copie hors site : { $error }

## timeline

timeline-empty = Aucun instantané pour l'instant dans { $repository }.
timeline-device = { $device } : { $count ->
        [one] { $count } instantané
       *[other] { $count } instantanés
    }, dernière sauvegarde le { $time }
# $files est common-files, aligné
timeline-snapshot = #{ $seq } { $time }  { $size } en { $files }   cette sauvegarde a coûté { $cost }
timeline-kept-forever = conservé pour toujours
timeline-note = « { $note } »

## browse

browse-no-location = aucun emplacement indiqué et aucun emplacement par défaut : utilisez --location, ou ajoutez-en un avec `keepsake locations add <dossier>`
browse-search-found = { $count ->
        [one] { $count } fichier correspond à
       *[other] { $count } fichiers correspondent à
    } { $text }
browse-snapshot = Instantané { $snapshot } de { $device }, { $time } :
browse-snapshot-encrypted = Instantané { $snapshot } de { $device }, { $time } (chiffré) :
# $files est common-files, aligné
browse-domain = { $size } en { $files }  { $domain }

## extract

extract-progress = Extraction
extract-done = { $count ->
        [one] { $count } fichier extrait
       *[other] { $count } fichiers extraits
    } ({ $size }) dans { $folder }

## diff

diff-none = Aucun changement entre les instantanés { $older } et { $newer }.
diff-added = { $count ->
        [one] { $count } ajouté
       *[other] { $count } ajoutés
    } ({ $size })
diff-removed = { $count ->
        [one] { $count } supprimé
       *[other] { $count } supprimés
    } ({ $size })
diff-changed = { $count ->
        [one] { $count } modifié
       *[other] { $count } modifiés
    } ({ $size })
diff-domain = { $domain } : { $changes }

## export

export-progress = Exportation
export-done = Instantané { $snapshot } exporté ({ $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }, { $size }) dans { $folder } : le Finder, iTunes et idevicebackup2 peuvent le restaurer.

## convert

convert-progress = Conversion
convert-nothing = Rien à convertir : { $count ->
        [one] l'instantané de { $device } dans { $location } garde
       *[other] les { $count } instantanés de { $device } dans { $location } gardent
    } déchiffré ce qui peut l'être.
convert-done = { $files ->
        [one] { $files } fichier converti
       *[other] { $files } fichiers convertis
    } ({ $size }) { $snapshots ->
        [one] dans { $snapshots } instantané
       *[other] dans { $snapshots } instantanés
    } de { $device } dans { $location } : { $after } occupés maintenant, { $before } avant.
convert-left-as-sent = { $count ->
        [one] { $count } conservé tel qu'envoyé
       *[other] { $count } conservés tels qu'envoyés
    } : { $why }
convert-not-opened = { $count ->
        [one] { $count } instantané n'a pas pu être ouvert : donnez le mot de passe de sauvegarde avec lequel il a été pris
       *[other] { $count } instantanés n'ont pas pu être ouverts : donnez le mot de passe de sauvegarde avec lequel ils ont été pris
    } (--backup-password-file).

## import

import-progress = Importation
import-recovery-key = Cette importation a préparé l'emplacement. Sa clé de récupération ouvre ces instantanés sur n'importe quel ordinateur ; gardez-la à l'écart du disque :
import-done = { $folder } importé comme instantané { $snapshot } de { $device } ({ $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    } ; il a ajouté { $size }).

## restore

restore-progress = Restauration
restore-done = Instantané { $snapshot } restauré sur { $device } ({ $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }). L'appareil l'appliquera à son redémarrage.

## verify

verify-progress = Vérification
verify-affected = { $device } { $path } : dans { $snapshots }
verify-damage-found = des dommages ont été trouvés dans { $location }

## encryption

encryption-on-remembered = { $device } chiffre ses sauvegardes ; cet ordinateur mémorise le mot de passe.
encryption-on = { $device } chiffre ses sauvegardes. Sans son mot de passe, les instantanés ne peuvent pas être parcourus.
encryption-off = { $device } ne chiffre pas ses sauvegardes.

## store

store-locating = en situant { $path }
store-reading-password-file = en lisant le fichier de mot de passe { $path }
store-opening = en ouvrant { $path }
store-init-needs-password = un nouveau dépôt est chiffré : définissez { $env } ou passez --password-file (ou --no-encryption)
store-created-encrypted = Dépôt { $repo } créé (chiffré)
store-created-unencrypted = Dépôt { $repo } créé (non chiffré)
store-add-progress = lecture
store-added = Instantané { $snapshot } de { $device } : { $files ->
        [one] { $files } fichier
       *[other] { $files } fichiers
    } ({ $read ->
        [one] { $read } lu
       *[other] { $read } lus
    }, { $unchanged ->
        [one] { $unchanged } inchangé
       *[other] { $unchanged } inchangés
    }, { $removed ->
        [one] { $removed } supprimé
       *[other] { $removed } supprimés
    }), { $size } lus, { $added } ajoutés au dépôt
store-no-snapshots = Aucun instantané pour l'instant : `keepsake store add` en crée un.
store-restore-progress = restauration
store-restored = { $count ->
        [one] { $count } fichier restauré
       *[other] { $count } fichiers restaurés
    }, { $size }, dans { $target }
store-forgot = { $count ->
        [one] { $count } instantané oublié ; lancez `keepsake store gc` pour récupérer sa place
       *[other] { $count } instantanés oubliés ; lancez `keepsake store gc` pour récupérer leur place
    }
store-gc = { $size } récupérés ({ $deleted ->
        [one] { $deleted } paquet supprimé
       *[other] { $deleted } paquets supprimés
    }, { $repacked ->
        [one] { $repacked } réempaqueté
       *[other] { $repacked } réempaquetés
    }) ; le dépôt occupe maintenant { $total }
store-check-progress = vérification
store-checked = { $count ->
        [one] { $count } bloc vérifié
       *[other] { $count } blocs vérifiés
    } ({ $size })
store-catalog-problem = catalogue : { $problem }
store-damaged-chunk = bloc { $chunk } endommagé dans le paquet { $pack } : { $fault }
store-unrestorable = impossible de restaurer { $path } de { $device } dans { $count ->
        [one] l'instantané
       *[other] les instantanés
    } { $snapshots }
store-damaged = { $repo } est endommagé : { $chunks ->
        [one] { $chunks } bloc endommagé
       *[other] { $chunks } blocs endommagés
    }, { $problems ->
        [one] { $problems } problème de catalogue
       *[other] { $problems } problèmes de catalogue
    } (listés ci-dessus)
# `keepsake store stats` : un tableau d'intitulés et de valeurs
store-stats-repository = Dépôt
store-stats-newest = Dernières sauvegardes
store-stats-overhead = Surcoût des instantanés
store-stats-reclaimable = Récupérable (gc)
store-stats-packs = { $size } en { $count ->
        [one] { $count } paquet
       *[other] { $count } paquets
    }
store-stats-stored = { $size } stockés
store-stats-device = Appareil { $device } : { $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }, { $size }
store-stats-snapshot = instantané { $id } ({ $device } #{ $seq }) : le supprimer libère { $size }

## settings

settings-default-location = Emplacement par défaut : { $location }
settings-no-default-location = Pas encore d'emplacement par défaut : ajoutez-en un avec `keepsake locations add <dossier>`.
settings-no-devices = Pas encore d'appareil : branchez-en un et lancez `keepsake settings <appareil>`.
settings-wifi-shown = { $device } se montre maintenant en Wi-Fi à cet ordinateur.
settings-wifi-hidden = { $device } ne se montre plus en Wi-Fi à cet ordinateur.
settings-wifi-later = { $device } n'est pas connecté : ce réglage lui sera appliqué à sa prochaine sauvegarde par câble.
settings-wifi-failed = { $error }. Ce réglage sera appliqué à { $device } à sa prochaine sauvegarde par câble.
# les réglages d'un appareil : un intitulé, puis sa valeur, alignés
settings-label-location = Emplacement :
settings-label-snapshots = Instantanés :
settings-label-deletion = Suppression automatique :
settings-label-automatic = Sauvegardes automatiques :
settings-label-password = Mot de passe :
settings-label-wifi = En Wi-Fi :
settings-label-settings = Réglages :
settings-label-last-backup = Dernière sauvegarde :
settings-label-last-attempt = Dernière tentative :
settings-label-waiting = En attente de vous :
settings-label-offsite = Copie hors site :
settings-offsite-copied = { $remote }, copiée le { $time }
settings-offsite-not-yet = { $remote }, pas encore copiée (après la prochaine sauvegarde)
settings-offsite-waiting = { $remote }, en attente : { $error }
settings-location-none = aucun (ajoutez-en un avec `keepsake locations add <dossier>`)
settings-location-missing = { $location } (absent : un disque débranché ?)
settings-location-default = { $location } (par défaut)
settings-snapshots-on = activés
settings-snapshots-off = désactivés
settings-deletion-asking = activée, chaque instantané est gardé au moins { $retention }, en demandant d'abord
settings-deletion-silent = activée, chaque instantané est gardé au moins { $retention }, sans demander
settings-deletion-off = désactivée
settings-retention-weeks = { $count ->
        [one] { $count } semaine
       *[other] { $count } semaines
    }
settings-retention-months = { $count ->
        [one] { $count } mois
       *[other] { $count } mois
    }
settings-retention-years = { $count ->
        [one] { $count } an
       *[other] { $count } ans
    }
settings-automatic-off = désactivées
settings-automatic-daily = chaque jour
settings-automatic-weekly = chaque semaine
settings-automatic-window = { $schedule }, entre { $start } et { $end } (heure locale)
settings-password-remembered = mémorisé dans le trousseau de cet ordinateur
settings-password-to-remember = sera mémorisé la prochaine fois qu'il sera donné
settings-password-not-remembered = non mémorisé
settings-password-to-remember-unreachable = sera mémorisé (le trousseau est inaccessible)
settings-password-not-remembered-unreachable = non mémorisé (le trousseau est inaccessible)
settings-wifi-yes = oui, sur le même réseau
settings-wifi-no = non, par câble seulement
settings-confirmed = confirmés
settings-not-confirmed = pas encore confirmés : `keepsake settings { $udid } --confirm` les accepte
settings-never = jamais
settings-last-attempt = échouée ({ $count } fois de suite) : { $error }
settings-waiting = supprimer { $count ->
        [one] { $count } ancien instantané
       *[other] { $count } anciens instantanés
    } pour libérer { $size } ? (`keepsake clean`)

## locations

locations-moved = { $from } est maintenant monté sur { $to } : Keepsake le suit là-bas.
locations-elsewhere = Des sauvegardes d'un autre ordinateur se trouvent sur { $disk } : `keepsake timeline --location { $disk }` les montre (avec un mot de passe de sauvegarde ou --recovery-key), `keepsake locations add { $disk }` les ajoute.
locations-set-up = { $location } est prêt pour les sauvegardes. Sa clé de récupération ouvre ces instantanés sur n'importe quel ordinateur, par exemple si celui-ci est perdu. Notez-la ou imprimez-la, et gardez-la à l'écart du disque :
locations-set-up-already = { $location } est déjà prêt (`keepsake locations recovery-key` affiche sa clé de récupération).
locations-not-encrypted = { $location } n'est pas chiffré : il n'a pas besoin de clé de récupération
locations-recovery-key = La clé de récupération de { $location } :
locations-recovery-key-keep = Elle ouvre ces instantanés sur n'importe quel ordinateur. Gardez-la à l'écart du disque.
locations-keys = Ce qui ouvre les instantanés de { $location } :
locations-key-password = le mot de passe des instantanés
locations-key-recovery-key = la clé de récupération
locations-key-backup-password = le mot de passe de sauvegarde de { $device }
locations-key-computer = l'ordinateur { $computer }
locations-none = Aucun emplacement pour l'instant : ajoutez un dossier ou un disque avec `keepsake locations add <chemin>`.
locations-missing = absent (un disque débranché ?)
locations-free = { $free } libres sur { $total }
locations-present = présent
locations-devices = { $count ->
        [one] { $count } appareil
       *[other] { $count } appareils
    }

## clean

clean-no-repository = { $location } ne contient aucun instantané Keepsake (pas de dossier { $folder })
clean-location-missing = { $device } : son emplacement { $location } est absent (un disque débranché ?)
clean-no-snapshots-of = aucun instantané de { $device } ici
clean-nothing = Aucun instantané à examiner.
clean-device = { $device } dans { $location }
clean-waiting = En attente de votre réponse : les supprimer ?
clean-nothing-to-delete = Rien à supprimer.
clean-would-delete = Les règles de nettoyage supprimeraient :
clean-request-snapshot = instantané { $snapshot } du { $time }  { $size }  libère { $frees }
clean-request-total = libère au moins { $frees } (les instantanés plus anciens occupent { $overhead } ; la limite est de { $budget }, la moitié de la dernière sauvegarde)
clean-deleted = { $count ->
        [one] { $count } instantané supprimé
       *[other] { $count } instantanés supprimés
    } ; { $size } rendus au disque.
clean-declined = Refusé : rien n'a été supprimé.
clean-nothing-deleted = Rien n'a été supprimé.
clean-run-yes-or-decline = Lancez `keepsake clean --yes` pour les supprimer, ou `keepsake clean --decline` pour les garder.
clean-run-yes = Lancez `keepsake clean --yes` pour les supprimer.

## move

move-copying = Copie des instantanés
move-verifying = Vérification des copies
move-removing = Suppression des anciens instantanés
move-copied = { $count ->
        [one] { $count } instantané de { $device } copié
       *[other] { $count } instantanés de { $device } copiés
    } vers { $location } ({ $size } lus) ; les nouvelles sauvegardes iront là.
move-moved = { $count ->
        [one] { $count } instantané de { $device } déplacé
       *[other] { $count } instantanés de { $device } déplacés
    } vers { $location } ({ $size } lus) ; les nouvelles sauvegardes iront là.

## history

history-empty = Aucune sauvegarde pour l'instant.
history-backed-up = sauvegardé
history-backed-up-snapshot = sauvegardé : instantané { $snapshot }
history-backed-up-snapshot-added = sauvegardé : instantané { $snapshot }, { $size } ajoutés
history-backed-up-added = sauvegardé, { $size } ajoutés
history-failed = échec de la sauvegarde : { $error }
history-cancelled = sauvegarde annulée (rien n'en a été conservé)
history-skipped = prévu, mais non sauvegardé : { $reason }
history-copied-offsite = copie hors site sur { $remote } ({ $size } envoyés)
history-offsite-failed = pas de copie hors site : { $error }
history-reason-not-connected = non connecté (ni par câble ni en Wi-Fi)
history-reason-passcode = verrouillé, ou son code n'a pas été saisi
history-reason-location-missing = le disque de sauvegarde n'était pas là
history-reason-no-location = aucun emplacement de sauvegarde choisi pour l'instant
history-reason-space = pas assez d'espace
history-reason-password = le mot de passe de sauvegarde était faux ou manquant
history-reason-connection-lost = la connexion à l'appareil a été perdue
history-reason-error = une erreur

## pins : pin, unpin et note

pins-pinned = L'instantané { $snapshot } est épinglé : la suppression automatique ne l'enlève jamais.
pins-unpinned = L'instantané { $snapshot } n'est plus épinglé.
pins-not-pinned = L'instantané { $snapshot } n'était pas épinglé.
pins-note-set = Instantané { $snapshot } : « { $note } ».
pins-note-cleared = L'instantané { $snapshot } n'a plus de note.

## agent

# le tour d'un appareil : « iPhone : sauvegardé »
agent-line = { $device } : { $what }
agent-offsite-copied = { $what } ; copie hors site sur { $remote } ({ $size } envoyés)
agent-offsite-waiting = { $what } ; la copie hors site attend : { $error }
agent-auto-backup-off = les sauvegardes automatiques sont désactivées
agent-not-confirmed = attend que ses réglages soient confirmés (`keepsake settings { $udid } --confirm`)
agent-not-due = déjà sauvegardé aujourd'hui
agent-outside-window = hors de sa plage de sauvegarde ; elle commence à { $time }
agent-backing-off = la dernière tentative a échoué ; prochain essai à { $time }
agent-not-reachable = hors de portée
agent-no-location = aucun emplacement de sauvegarde (`keepsake locations add <dossier>`)
agent-location-missing = attend son emplacement { $location } (un disque débranché ?)
agent-already-running = une sauvegarde est déjà en cours
agent-backed-up = sauvegardé
agent-backed-up-cleaned = sauvegardé ; { $count ->
        [one] { $count } ancien instantané supprimé
       *[other] { $count } anciens instantanés supprimés
    }, { $size } libérés
agent-backed-up-asks = sauvegardé ; demande avant de supprimer { $count ->
        [one] { $count } ancien instantané
       *[other] { $count } anciens instantanés
    } pour libérer { $size } (`keepsake clean`)
agent-cleaning-failed = sauvegardé, mais le nettoyage a échoué : { $error }
agent-failed = la sauvegarde a échoué : { $error }

## errors (ceux du moteur, montrés par la ligne de commande et l'app)

error-no-home-directory = pas de dossier personnel : Keepsake en a besoin pour ses réglages (définissez HOME)
error-corrupt-settings = { $path } est endommagé ({ $detail }) ; mettez-le de côté et Keepsake repartira de zéro
error-encode = enregistrement des réglages : { $error }
error-credential-store = le trousseau du système n'est pas disponible ({ $error }), donc Keepsake ne peut pas mémoriser les mots de passe ; il les demandera. Sous Linux, un service Secret Service (GNOME Keyring ou KWallet) doit être lancé et déverrouillé.
error-location-missing = l'emplacement de sauvegarde { $location } n'est pas là (un disque débranché ?). Branchez-le, ou choisissez un autre emplacement.
error-no-backups = { $location } ne contient aucune sauvegarde Keepsake (pas de dossier Keepsake.Backups) : sauvegardez-y d'abord un appareil, ou choisissez l'emplacement qui contient ses sauvegardes
error-store-locked = { $repository } est chiffré et cet ordinateur ne se souvient pas de sa clé : ouvrez-le avec le mot de passe de sauvegarde d'un appareil sauvegardé là, sa clé de récupération ou le mot de passe des instantanés
error-wrong-store-secret = aucun des mots de passe ou clés donnés n'ouvre { $repository } : il faut le mot de passe de sauvegarde d'un appareil sauvegardé là, la clé de récupération montrée quand l'emplacement a été préparé, ou le mot de passe des instantanés. Rien n'a été modifié.
error-needs-store-password = { $location } : cet ordinateur n'a pas de trousseau (Secret Service) où garder la clé des instantanés, donc les nouvelles sauvegardes à cet endroit ont besoin d'un mot de passe pour être rouvertes : donnez le mot de passe des instantanés
error-already-backing-up = { $device } est déjà en cours de sauvegarde (par cette fenêtre de Keepsake, une autre ou son agent) ; attendez la fin de cette sauvegarde, ou annulez-la
error-cancelled = la sauvegarde de { $device } a été annulée ; rien n'a été enregistré et les instantanés précédents sont intacts. La prochaine sauvegarde réutilise ce qui était déjà stocké.
error-not-enough-space = pas assez d'espace libre sur { $location } pour sauvegarder { $device } : { $free } libres, environ { $needed } nécessaires. Libérez de la place, ou choisissez un autre emplacement de sauvegarde.
error-no-device = aucun iPhone ni iPad trouvé. Branchez-en un avec un câble et déverrouillez-le.
error-no-such-device = aucun appareil ne correspond à { $wanted } ; connectés : { $available }
error-which-device = plusieurs appareils sont connectés ({ $available }) : dites lequel (UDID ou nom)
error-backup-locked = les sauvegardes de { $device } sont chiffrées par l'appareil et cet ordinateur ne connaît pas leur mot de passe : elles ne peuvent être ni parcourues ni restaurées. Donnez le mot de passe de sauvegarde ; s'il est perdu, personne ne pourra ouvrir ces instantanés.
error-wrong-backup-password = mauvais mot de passe de sauvegarde pour les instantanés de { $device } : réessayez
error-not-a-backup = l'instantané { $snapshot } ne contient pas de sauvegarde d'appareil lisible : { $detail }
error-not-in-snapshot = { $what } n'est pas dans l'instantané { $snapshot }
error-not-a-backup-folder = { $folder } n'est pas une sauvegarde d'appareil complète ({ $detail }) ; rien n'a été importé
error-export-target-not-empty = { $folder } contient déjà des fichiers : exportez dans un dossier vide
error-settings-not-confirmed = { $device } n'a encore jamais été sauvegardé : vérifiez ses réglages de sauvegarde avec `keepsake settings { $udid }` et confirmez-les avec `keepsake settings { $udid } --confirm`
error-location-in-use = { $location } est l'emplacement où se sauvegardent { $devices } : donnez-leur d'abord un autre emplacement
error-unknown-location = { $location } n'est pas un des emplacements de Keepsake (voir `keepsake locations`)
error-no-location = { $device } n'a pas d'emplacement de sauvegarde : ajoutez-en un avec `keepsake locations add <dossier>` ou donnez-lui-en un avec `keepsake settings <appareil> --location <dossier>`
error-snapshot-pinned = l'instantané { $snapshot } est conservé pour toujours : désépinglez-le avant de le supprimer
error-restore-onto-another = l'instantané { $snapshot } est une sauvegarde de { $from } ; le restaurer sur { $onto } remplace tout le contenu de { $onto } (ses apps, données et réglages ; { $onto } garde sa propre identité). Confirmez pour continuer (`keepsake restore { $snapshot } --device … --yes`).
error-no-such-snapshot = pas d'instantané { $snapshot } dans { $repository }

## Les phrases du moteur gardées dans l'historique, les notes et les rapports

verify-summary-sampled = La nouvelle sauvegarde et un échantillon du reste ({ $bytes } en tout) se relisent intacts à { $location }.
verify-summary-all = Les { $bytes } de données rangées à { $location } se relisent intactes.
verify-summary-problems = { $count ->
        [one] 1 problème trouvé
       *[other] { $count } problèmes trouvés
    } à { $location } : lancez de nouveau Vérifier, puis sauvegardez vers un autre emplacement.
verify-summary-damaged = { $count ->
        [one] 1 fichier à { $location } ne peut être restauré
       *[other] { $count } fichiers à { $location } ne peuvent être restaurés
    } en entier ({ $files }) : sauvegardez de nouveau pour que les données abîmées soient rangées à neuf.
mass-deletion-part = { $removed } sur { $before } { $kind ->
        [photos] photos et vidéos
       *[attachments] pièces jointes de messages
    } ({ $percent } %)
mass-deletion-part-sized = { $removed } sur { $before } { $kind ->
        [photos] photos et vidéos
       *[attachments] pièces jointes de messages
    } ({ $percent } %, { $size })
mass-deletion-both = { $first } et { $second }
mass-deletion-pin-note = Conservé : la sauvegarde suivante n'avait plus { $what }.
kept-as-sent-plain-location = l'emplacement n'est pas chiffré sur le disque
kept-as-sent-wrong-password = le mot de passe de sauvegarde ne l'a pas ouverte
kept-as-sent-no-password = le mot de passe de sauvegarde n'est pas disponible
device-unknown-name = iPhone ou iPad inconnu
device-advice-trust = Déverrouillez { $device } et touchez « Se fier » quand il demande s'il faut faire confiance à cet ordinateur.
device-advice-no-usbmuxd = L'appareil est branché mais usbmuxd ne le voit pas : installez et lancez usbmuxd, puis rebranchez le câble.
core-empty-backup-password = un mot de passe de sauvegarde ne peut pas être vide
core-pair-record-vanished = { $device } : le jumelage a disparu ; lancez `keepsake pair`
core-backup-refused = { $device } : la sauvegarde a été refusée : { $error }
core-saving-snapshot-failed = { $device } : l'enregistrement de l'instantané a échoué : { $error }
core-device-went-away = l'appareil est parti
core-move-target-has-history = { $location } contient déjà des instantanés de { $device } ; Keepsake ne fusionne pas deux historiques
core-move-already-there = { $device } est déjà sauvegardé vers { $location }
core-move-left-uncopied = { $old } contient des instantanés de { $device } dont { $location } n'a pas de copie ; ils sont gardés
core-move-copy-differs = la copie de l'instantané { $snapshot } en diffère ; les anciens instantanés sont gardés
core-move-copy-damaged = { $location } ne se relit pas intact ({ $problems } problèmes de catalogue, { $chunks } blocs abîmés) ; les anciens instantanés sont gardés
core-cleaning-spares-newest = l'instantané { $snapshot } est la sauvegarde la plus récente de { $device } ; le nettoyage ne la supprime jamais
core-nothing-to-convert = { $location } : aucun instantané de { $device } à convertir

## Les phrases de l'app de bureau faites en Rust

app-agent-backed-up = { $device } a été sauvegardé automatiquement.
app-agent-backed-up-asks = { $device } a été sauvegardé automatiquement. Les anciens instantanés prennent trop de place : Keepsake demande avant de les supprimer.
app-agent-backed-up-cleaned = { $device } a été sauvegardé automatiquement. { $count ->
        [one] 1 ancien instantané supprimé
       *[other] { $count } anciens instantanés supprimés
    }, { $freed } libérés.
app-agent-cleaning-failed = { $device } a été sauvegardé automatiquement, mais les anciens instantanés n'ont pas pu être nettoyés : { $error }
app-agent-failed = La sauvegarde automatique de { $device } a échoué : { $error }. Keepsake réessaiera plus tard.
app-offsite-copied = Copié hors site sur { $remote } ({ $size } envoyés).
app-offsite-up-to-date = La copie hors site sur { $remote } est à jour.
app-offsite-already-copying = La copie hors site de { $device } est déjà en cours d'envoi.
app-internal-error = Keepsake a rencontré une erreur interne ({ $what }) ; réessayez, et signalez-la si elle se répète
app-autostart-failed = Keepsake n'a pas pu changer le démarrage à l'ouverture de session : { $error }

## keepsake offsite

secret-s3-secret = le secret de la clé d'accès
offsite-needs-access-key = quelle clé d'accès ? Donnez-la avec --access-key ou ${ $env }.
offsite-push-progress = Envoi
offsite-up-to-date = { $remote } a déjà cette copie : rien à envoyer.
offsite-pushed = Envoyé vers { $remote } (commit { $generation }) : { $packs ->
        [one] 1 paquet
       *[other] { $packs } paquets
    }, { $size } ; { $kept } déjà là.
offsite-none = { $remote } ne contient aucune copie Keepsake.
offsite-listed = { $repository }  { $snapshots ->
        [one] 1 instantané
       *[other] { $snapshots } instantanés
    }  commit { $generation }  { $time }
offsite-restored = { $count ->
        [one] 1 fichier restauré
       *[other] { $count } fichiers restaurés
    } ({ $size }) depuis la copie hors site vers { $target }.
offsite-collected = { $catalogs ->
        [one] 1 ancien catalogue supprimé
       *[other] { $catalogs } anciens catalogues supprimés
    } et { $packs ->
        [one] 1 paquet inutile
       *[other] { $packs } paquets inutiles
    } : { $size } libérés.
