# The store's messages: its errors, phrased for people (what happened, what to do).

## Errors

store-io = { $path } : { $action } : { $error }
store-source = lecture de { $path } pour l'instantané : { $error }
store-not-a-repository = { $repo } n'est pas un dépôt Keepsake (pas de keepsake-repo.json) ; créez-en un avec `keepsake store init`
store-already-exists = { $repo } contient déjà un dépôt Keepsake ; ouvrez-le au lieu d'en créer un
store-newer-format = { $repo } : { $what } est au format { $found }, ce Keepsake ne lit que jusqu'au format { $supported } ; mettez Keepsake à jour pour l'ouvrir
store-bad-config = { $repo } : la configuration du dépôt est endommagée ({ $reason }) ; restaurez keepsake-repo.json depuis une copie du disque
store-wrong-password = mot de passe incorrect pour le dépôt { $repo }
store-key-required = { $repo } est chiffré avec { $expected } ; déverrouillez-le ainsi
store-key-not-found = { $repo } : sa clé n'est pas dans le trousseau de cet ordinateur (service { $service }, compte { $account }) ; ouvrez-le là où il a été créé, ou remettez-y la clé
store-wrong-key = { $repo } : l'entrée du trousseau (service { $service }, compte { $account }) contient une autre clé, pas celle de ce dépôt
store-credential-taken = le trousseau contient déjà une entrée pour le service { $service }, compte { $account } ; Keepsake n'en remplace jamais (ce peut être la seule clé d'un autre dépôt) : choisissez un autre compte
store-credential-store = { $repo } : le trousseau du système n'est pas disponible ({ $reason }) ; déverrouillez-le (sous Linux, un service Secret Service comme GNOME Keyring doit être lancé)
store-disk-full = le disque qui contient { $repo } est plein ; l'instantané n'a pas été écrit (les instantanés précédents sont intacts). Libérez de la place ou déplacez le dépôt, puis sauvegardez de nouveau
store-catalog-full = le disque qui contient { $repo } est plein ({ $action }) ; la modification n'a pas été faite et les instantanés sont intacts. Libérez de la place, puis réessayez
store-locked = { $repo } est utilisé par un autre processus Keepsake ({ $what }) ; attendez qu'il ait fini, puis réessayez
store-catalog = { $repo } : catalogue : { $error }
store-damaged-catalog = { $repo } : le catalogue est endommagé ({ $reason }) ; lancez `keepsake store check`
store-snapshot-not-found = { $repo } : il n'y a pas d'instantané { $snapshot } ; `keepsake store snapshots` les liste
store-snapshot-pinned = { $repo } : l'instantané { $snapshot } est épinglé ; désépinglez-le (`keepsake unpin { $snapshot }`) pour le supprimer
store-file-not-found = { $repo } : l'instantané { $snapshot } n'a pas de fichier { $path } ; `keepsake store ls` liste ses fichiers
store-chunk-unreadable = { $repo } : { $path } ne peut pas être lu dans l'instantané { $snapshot } : le bloc { $chunk } est endommagé ({ $fault }) ; lancez `keepsake store check` pour voir tout ce qu'il touche
store-unsafe-path = l'instantané { $snapshot } contient le chemin dangereux { $path } ; il n'a pas été restauré (rien n'est jamais écrit hors de { $target })

## Why a stored chunk could not be read back

store-fault-missing-pack = son fichier de paquet { $pack } est absent
store-fault-truncated = son fichier de paquet { $pack } est tronqué
store-fault-authentication = il échoue à l'authentification : modifié, ou chiffré avec une autre clé
store-fault-decompression = il ne peut pas être décompressé
store-fault-hash-mismatch = son contenu ne correspond pas à son identifiant
store-fault-read = la lecture de son paquet a échoué : { $error }

## What was being done when a file or folder failed (store-io's { $action })

store-action-creating-file = création d'un fichier
store-action-creating-folder = création d'un dossier
store-action-creating-the-folder = création du dossier
store-action-creating-lock-folder = création du dossier des verrous
store-action-creating-pack = création d'un paquet
store-action-creating-pack-folder = création du dossier du paquet
store-action-creating-repository = création du dépôt
store-action-creating-restore-folder = création du dossier de restauration
store-action-deleting-pack = suppression d'un paquet
store-action-deleting-staged-pack = suppression d'un paquet en attente
store-action-inspecting-folder = examen d'un dossier
store-action-inspecting-packs = examen des paquets
store-action-listing-folder = lecture du contenu du dossier
store-action-listing-packs = liste des paquets
store-action-listing-staged-packs = liste des paquets en attente
store-action-locking-key-slots = verrouillage des emplacements de clé
store-action-locking-repository = verrouillage du dépôt
store-action-making-restored-files-durable = écriture durable des fichiers restaurés
store-action-marking-write-in-progress = marquage d'une écriture en cours
store-action-opening-lock = ouverture du verrou
store-action-placing-restored-file = mise en place d'un fichier restauré
store-action-publishing-pack = publication d'un paquet
store-action-reading-file-metadata = lecture des métadonnées du fichier
store-action-reading-repository-config = lecture de la configuration du dépôt
store-action-setting-file-time-and-permissions = réglage de la date et des permissions du fichier
store-action-starting-pack-syncing-thread = démarrage du fil de synchronisation des paquets
store-action-starting-packing-thread = démarrage du fil d'empaquetage
store-action-syncing-folder = synchronisation du dossier
store-action-syncing-pack = synchronisation d'un paquet
store-action-taking-shared-lock-again = reprise du verrou partagé
store-action-writing-config = écriture de la configuration
store-action-writing-file = écriture d'un fichier
store-action-writing-pack = écriture d'un paquet
store-action-writing-restored-data = écriture des données restaurées

## What is of a newer format (store-newer-format's { $what })

store-what-catalog = le catalogue
store-what-repository = le dépôt

## The key source an encrypted repository needs (store-key-required's { $expected })

store-expected-password = un mot de passe
store-expected-password-or-recovery-key = un mot de passe ou une clé de récupération
store-expected-keyring = une clé gardée dans le trousseau du système

## Who holds the lock (store-locked's { $what })

store-lock-writer = une sauvegarde, un forget ou un gc y écrit
store-lock-gc = un gc supprime des paquets
store-lock-open-elsewhere = un autre processus l'a ouvert

## Why a configuration or catalog is damaged (the { $reason } of store-bad-config and store-damaged-catalog)

store-reason-catalog-missing = { $file } est absent
store-reason-catalog-no-schema = { $file } n'a pas de schéma
store-reason-not-a-config = ce n'est pas une configuration { $format }
store-reason-no-version = pas de version
store-reason-sqlite-group = sqlite_group doit être une puissance de deux d'au moins 512
store-reason-cdc-sizes = il faut 64 <= cdc_min <= cdc_avg <= cdc_max
store-reason-pack-sizes = pack_target et small_file_limit doivent être positifs
store-reason-unknown-cipher = chiffrement inconnu { $cipher }
store-reason-unknown-kdf = dérivation de clé inconnue { $kdf }
store-reason-salt-not-hex = le sel n'est pas en hexadécimal
store-reason-kdf-too-costly = sa dérivation de clé demande { $memory } Kio, { $passes } passes et { $lanes } voies, au-delà de ce que Keepsake permet ({ $max-memory } Kio, { $max-passes } passes, { $max-lanes } voies au plus)
store-reason-bad-argon2 = paramètres Argon2 invalides : { $error }
store-reason-wrapped-key-not-hex = la clé enveloppée n'est pas en hexadécimal
store-reason-wrapped-key-length = la clé enveloppée n'a pas la bonne longueur
store-reason-recovery-slot-closed = l'emplacement de récupération { $slot } ne s'ouvre pas
store-reason-id-changed = l'identifiant du dépôt a changé pendant qu'il était ouvert
store-reason-not-a-key = l'entrée enregistrée n'est pas une clé de dépôt Keepsake
store-reason-not-a-pack-name = { $name } n'est pas un nom de paquet
store-reason-refusing-to-delete-pack = suppression d'un paquet refusée : { $error }
store-reason-device-name-sealed = un nom d'appareil ne se déchiffre pas
store-reason-file-name-sealed = un nom de fichier ne se déchiffre pas
store-reason-malformed-chunk-id = le bloc { $chunk } a un identifiant mal formé
store-reason-chunk-not-recorded = le bloc { $chunk } est référencé mais pas enregistré, ou son paquet ne l'est pas
store-reason-bad-slice = { $path } dans l'instantané { $snapshot } : sa tranche ({ $len } octets à { $offset }) ne tient pas dans son bloc ({ $chunks } blocs) ou dans sa taille ({ $size } octets)

## What a caller asked that the store cannot do

store-invalid-repository-id = { $id } n'est pas un identifiant de dépôt
store-invalid-chunking = paramètres de découpage : { $reason }
store-invalid-no-slots = un dépôt à emplacements de clé en demande au moins un
store-invalid-no-key-slot = { $repo } : pas d'emplacement de clé { $slot }
store-invalid-last-key-slot = { $repo } : l'emplacement { $slot } est le seul moyen restant d'ouvrir le dépôt ; ajoutez-en un autre avant de le retirer
store-invalid-no-wrapped-key = { $repo } n'est pas chiffré avec une clé enveloppée : il n'a pas d'emplacements de clé
store-invalid-keyring-has-no-slots = { $repo } : sa clé est gardée par le seul trousseau du système (`store init --keyring`) ; il n'a pas d'emplacements de clé
store-invalid-unencrypted = { $repo } est stocké en clair : il n'a pas de clé à protéger
store-invalid-empty-device = un identifiant d'appareil ne peut pas être vide
store-invalid-path-not-relative = { $path } n'est pas un chemin relatif séparé par des « / »
store-invalid-path-component = { $path } a un élément vide, « . » ou « .. »
store-invalid-name-not-utf8 = { $path } a un nom qui n'est pas en UTF-8 ; renommez-le pour faire un instantané de ce dossier
store-invalid-note-too-long = une note de { $bytes } octets : { $max } au plus sont gardés
store-invalid-garbage-fraction = repack_garbage_fraction doit être compris entre 0 et 1
store-invalid-no-snapshot-of = le dépôt n'a pas d'instantané de { $device }
store-invalid-size-changes = { $path } de { $device } passerait de { $before } à { $after } octets
store-invalid-empty-interval = { $path } : un intervalle vide [{ $from }, { $to })
store-invalid-version-gone = { $path } de { $device } : sa version { $version } n'existe plus
store-invalid-version-changed = { $path } de { $device } : sa version { $version } a changé depuis qu'elle a été lue
store-invalid-already-there = { $path } de { $device } : un instantané de [{ $from }, { $to }) l'a déjà
store-invalid-writer-finished = l'écriture de l'instantané est déjà terminée
store-invalid-packing-thread-panicked = le fil d'empaquetage a paniqué
store-invalid-syncing-thread-panicked = le fil de synchronisation des paquets a paniqué
store-invalid-syncing-thread-stopped = le fil de synchronisation des paquets s'est arrêté
store-invalid-folder-scan-panicked = le parcours du dossier a paniqué
store-invalid-scan-thread-panicked = un fil de parcours a paniqué
store-invalid-pack-reader-stopped = la lecture des paquets s'est arrêtée
store-invalid-restore-writer-panicked = un fil d'écriture de la restauration a paniqué
store-invalid-restore-writer-stopped = le fil d'écriture de la restauration s'est arrêté

## Copies ailleurs (hors site)

store-action-sharing-lock = partage du verrou des lecteurs
store-action-removing-file = suppression d'un fichier
store-action-writing-download = écriture d'une copie téléchargée
store-action-reading-pack = lecture d'un paquet
store-invalid-export-path = { $path } ne peut être donné à SQLite (pas en UTF-8) : choisissez un autre dossier
store-invalid-pack-size = le paquet { $pack } est trop grand pour la mémoire de cet ordinateur
