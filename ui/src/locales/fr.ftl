# L'interface de Keepsake en français : les mots de la fenêtre de l'app (ui/src). en.ftl a les
# mêmes messages, dans le même ordre. Les variables s'écrivent { $nom } ; les pluriels choisissent
# selon un nombre ({ $count -> [one] … *[other] … }). Les noms et chemins venus des appareils et
# des disques, et les phrases du moteur, arrivent en variables.

## Formats: sizes and durations

# tailles en puissances de 1000, comme les écrivent les gestionnaires de fichiers ; $size est le nombre (« 4,2 »)
size-b = { $size } o
size-kb = { $size } ko
size-mb = { $size } Mo
size-gb = { $size } Go
size-tb = { $size } To
# le temps qu'il reste à une sauvegarde
duration-seconds = { $seconds } s
duration-minutes = { $minutes } min { $seconds } s
duration-hours = { $hours } h { $minutes } min
# entre les propositions d'une phrase qui énumère (« 12 instantanés ; 2 conservés pour toujours »)
clause-separator = {" ; "}

## App: what the controller says (main.ts)

# les titres du sélecteur de dossier du système
pick-recovery-key-folder = Enregistrer la clé de récupération dans ce dossier
pick-location-folder = Choisissez où vont les instantanés
pick-extract-folder = Extraire dans ce dossier
pick-new-location-folder = Ajouter un emplacement de sauvegarde
# le résultat d'une sauvegarde, sur la page de l'appareil : la première phrase, puis celles qui s'appliquent
result-backed-up = { $files ->
        [one] { $device } sauvegardé : { $received } en { $files } fichier ; l'instantané a ajouté { $added }.
       *[other] { $device } sauvegardé : { $received } en { $files } fichiers ; l'instantané a ajouté { $added }.
    }
result-cleaning-deleted = { $count ->
        [one] { $count } ancien instantané supprimé, libérant { $freed }.
       *[other] { $count } anciens instantanés supprimés, libérant { $freed }.
    }
result-cleaning-asked = Les anciens instantanés prennent trop de place : Keepsake demande avant de les supprimer.
# $reason dit pourquoi, venu du moteur
result-kept-as-sent = Ses fichiers chiffrés ont été conservés tels que le téléphone les a envoyés ({ $reason }), ce qui prend environ deux fois plus de place : laissez cet ordinateur retenir le mot de passe de sauvegarde pour gagner de la place.
result-cleaning-deleting = Suppression des anciens instantanés…
result-cleaning-keeping = Conservation de tous les instantanés…
result-cleaning-kept = Tous les instantanés ont été conservés.
result-cleaning-nothing-deleted = Rien n'a été supprimé : les instantanés proposés sont désormais conservés pour toujours.
result-cleaning-done = Les anciens instantanés ont été supprimés.
result-let-go = L'instantané qui les contenait n'est plus conservé pour toujours.
wizard-asking = Interrogation de { $device } sur ses sauvegardes…
wizard-asking-untrusted = Déverrouillez { $device } et touchez Se fier : Keepsake doit l'interroger sur ses sauvegardes.
wizard-loading-cancel = Annuler
# où mène le bouton de retour des préférences, quand l'assistant les a ouvertes
wizard-back-label = Réglages de { $device }

## Sidebar

sidebar-label = Appareils et préférences
sidebar-version = Version { $version }
sidebar-devices = Appareils
sidebar-none-yet = Aucun pour l'instant
sidebar-preferences = Préférences
# l'état d'un appareil en une ligne, dans la barre latérale et sur les tuiles de l'accueil ; $ago vaut « il y a 3 jours »
state-away-last-backup = Non connecté · dernière sauvegarde { $ago }
state-not-connected = Non connecté
state-waiting-trust = En attente : touchez Se fier dessus
state-waiting-unlock = En attente : déverrouillez-le
state-waiting-passcode = En attente : saisissez son code
state-backing-up-percent = Sauvegarde : { $percent } %
state-saving = Enregistrement de l'instantané…
state-backing-up = Sauvegarde en cours…
state-needs-attention = Demande votre attention
# $via vaut « USB », « Wi-Fi » ou « USB + Wi-Fi »
state-connected-via = Connecté · { $via }
state-connected = Connecté

## Devices: a device's page, the home pane, a backup's progress

device-last-backup = Dernière sauvegarde : { $time }
device-never-backed-up = Jamais sauvegardé
# après l'heure de la dernière sauvegarde, sur la même ligne
device-last-attempt-failed = La dernière tentative a échoué : { $error }
device-damage-found = Dommages détectés ({ $time }) : { $summary }
device-last-backup-intact = Dernière sauvegarde relue intacte : { $time }
device-all-snapshots-intact = Tous les instantanés relus intacts : { $time }
device-automatic-off = Les sauvegardes automatiques sont désactivées
device-waiting-for-location = Les sauvegardes attendent { $location } : connectez ce disque, ou choisissez un autre emplacement dans les Réglages
device-next-backup-now = Prochaine sauvegarde automatique : maintenant, tant qu'il est connecté
device-next-backup = Prochaine sauvegarde automatique : { $time } ou plus tard, quand il sera connecté
# ce qu'une sauvegarde a laissé partir, dans la phrase de mass-deletion-question ; $size est la place qu'ils prenaient
mass-deletion-photos = { $removed ->
        [one] { $removed } photo ou vidéo sur { $before } ({ $percent } %, { $size })
       *[other] { $removed } photos et vidéos sur { $before } ({ $percent } %, { $size })
    }
mass-deletion-attachments = { $removed ->
        [one] { $removed } pièce jointe de message sur { $before } ({ $percent } %, { $size })
       *[other] { $removed } pièces jointes de messages sur { $before } ({ $percent } %, { $size })
    }
# $what est l'un des deux ci-dessus, ou les deux
mass-deletion-question = La dernière sauvegarde de { $device } n'a plus { $what } que contenait la sauvegarde précédente. Ont-elles été supprimées volontairement ? L'instantané précédent les contient encore ; il est conservé pour toujours jusqu'à ce que vous disiez qu'elles peuvent partir.
mass-deletion-show = Afficher les instantanés
mass-deletion-let-go = Elles peuvent partir
cleaning-question = { $count ->
        [one] Les anciens instantanés de { $device } prennent plus de place que permis. En supprimer un pour libérer { $size } ?
       *[other] Les anciens instantanés de { $device } prennent plus de place que permis. En supprimer { $count } pour libérer { $size } ?
    }
cleaning-delete = Les supprimer
cleaning-keep = Les conserver
# $problem dit pourquoi, venu du moteur
devices-usbmuxd-problem = Impossible de lister les appareils USB : { $problem }
device-snapshots-at = { $count ->
        [one] { $count } instantané sur { $location }
       *[other] { $count } instantanés sur { $location }
    }
device-at = Sur { $location }
device-not-connected = Non connecté
device-not-trusted = Pas encore approuvé
device-back-up-now = Sauvegarder maintenant
device-back-up-now-label = Sauvegarder maintenant : { $device }
device-snapshots = Instantanés
device-snapshots-label = Instantanés : { $device }
device-settings = Réglages
device-settings-label = Réglages : { $device }
device-away-snapshots-last = { $count ->
        [one] { $count } instantané · Dernière sauvegarde : { $time }
       *[other] { $count } instantanés · Dernière sauvegarde : { $time }
    }
device-away-snapshots = { $count ->
        [one] { $count } instantané
       *[other] { $count } instantanés
    }
device-away-hint = Ses instantanés peuvent être parcourus, et restaurés sur un autre iPhone ou iPad.
home-locked-location = Les sauvegardes sur { $location } sont verrouillées sur cet ordinateur : ouvrez-les dans les Préférences avec le mot de passe de sauvegarde d'un appareil qui y est sauvegardé, ou avec leur clé de récupération.
home-no-devices-title = Sauvegarder un iPhone ou un iPad
home-no-devices = Aucun iPhone ni iPad trouvé. Connectez-en un avec un câble, déverrouillez-le et touchez Se fier.
home-choose = Choisissez un appareil
home-hint = Keepsake sauvegarde les iPhone et iPad connectés à cet ordinateur, et conserve les instantanés de ceux qui ne le sont pas.
recovery-done = Terminé
recovery-title = Conservez cette clé de récupération
recovery-hint = Elle ouvre ces instantanés sur n'importe quel ordinateur — si celui-ci est perdu, ou après une réinstallation. Notez-la, enregistrez-la ou imprimez-la, et gardez-la à l'écart du disque de sauvegarde. Les Préférences l'affichent à nouveau, sur un ordinateur qui peut ouvrir les instantanés.
recovery-save = Enregistrer dans un fichier…
recovery-saved = Enregistrée sous { $path }.
recovery-print = Imprimer…
recovery-kept = J'ai conservé la clé de récupération en lieu sûr
progress-waiting-trust = Déverrouillez { $device } et touchez Se fier pour que cet ordinateur puisse le sauvegarder.
progress-waiting-unlock = { $device } est verrouillé : déverrouillez-le avec son code.
progress-enter-passcode = Saisissez votre code sur { $device } pour que la sauvegarde commence.
progress-backing-up = Sauvegarde en cours…
# les parties de la ligne sous la barre de progression, jointes par « · »
progress-received = { $received }
progress-received-of = { $received } sur environ { $expected }
progress-files = { $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }
# $rate est une taille (« 4,2 Mo »), par seconde
progress-rate = { $rate }/s
progress-time-left = reste { $time }
progress-saving = Enregistrement de l'instantané…
progress-label = Progression de la sauvegarde
progress-cancel = Annuler
# $message dit ce qui n'a pas marché, venu du moteur
load-error = Keepsake n'a pas pu démarrer son moteur : { $message }
load-error-hint = Redémarrez Keepsake. Si cela se reproduit, lancez `keepsake info -vv` dans un terminal et signalez ce qu'il affiche.

## Wizard: the first backup's set-up, and a device's backup settings

wizard-step-encryption = Chiffrement
wizard-step-location = Emplacement de sauvegarde
wizard-step-snapshots = Instantanés et sauvegardes automatiques
wizard-retention-weeks = { $count ->
        [one] { $count } semaine
       *[other] { $count } semaines
    }
wizard-retention-months = { $count } mois
wizard-retention-years = { $count ->
        [one] { $count } an
       *[other] { $count } ans
    }
wizard-window-any = À toute heure
wizard-window-night = La nuit (20:00–06:00)
# une plage réglée en ligne de commande ; $from et $to sont des heures (« 12:00 »)
wizard-window-between = Entre { $from } et { $to }
wizard-problem-current-password = Saisissez le mot de passe de sauvegarde actuel : l'appareil le demande.
wizard-problem-new-password = Choisissez le nouveau mot de passe.
wizard-problem-password = Choisissez un mot de passe pour les sauvegardes.
wizard-problem-passwords-differ = Les mots de passe ne correspondent pas : saisissez deux fois le même.
wizard-problem-location = Choisissez où vont les instantanés, ou ajoutez un dossier ou un disque.
wizard-problem-store-password = Choisissez le mot de passe des instantanés, ou décochez la case.
wizard-problem-store-passwords-differ = Les mots de passe des instantanés ne correspondent pas : saisissez deux fois le même.
# un emplacement à choisir ; $free et $total sont des tailles
wizard-location-missing = { $path } — non connecté
wizard-location-space-unknown = { $path } — espace libre inconnu
wizard-location-free = { $path } — { $free } libres
wizard-location-free-of = { $path } — { $free } libres sur { $total }
# $label est l'un des quatre ci-dessus
wizard-location-default = { $label } (par défaut)
wizard-lost-password-warning = Si vous perdez ce mot de passe, personne ne pourra ouvrir ces instantanés : ni vous, ni Keepsake, ni Apple. Notez-le en lieu sûr.
wizard-remember-password = Retenir le mot de passe sur cet ordinateur
wizard-already-encrypted = { $device } chiffre ses sauvegardes. Avec le mot de passe retenu, Keepsake les conserve de façon aussi compacte que des sauvegardes non chiffrées et les ouvre sans le demander ; sinon, il le demande quand vous ouvrez un instantané.
wizard-encryption-choices = Chiffrement des sauvegardes
wizard-encryption-keep = Garder le mot de passe tel quel
wizard-encryption-change = Changer le mot de passe
wizard-encryption-off = Désactiver le chiffrement
wizard-current-password = Mot de passe actuel
wizard-new-password = Nouveau mot de passe
wizard-confirm-new-password = Confirmez le nouveau mot de passe
wizard-change-password-hint = Les instantanés faits avant le changement gardent le mot de passe actuel : ceux pris sans qu'il soit retenu le demandent quand vous les ouvrez.
wizard-encryption-off-note = Les sauvegardes n'incluront plus les mots de passe enregistrés, les réglages Wi-Fi, l'historique des sites web ni les données Santé. Les instantanés déjà faits restent chiffrés avec le mot de passe actuel.
wizard-encrypt-hint = Les sauvegardes chiffrées incluent aussi les mots de passe enregistrés, les réglages Wi-Fi, l'historique des sites web et les données Santé.
wizard-encrypt = Chiffrer les sauvegardes de cet appareil
wizard-password = Mot de passe
wizard-confirm-password = Confirmez le mot de passe
wizard-no-locations = Aucun emplacement de sauvegarde pour l'instant : ajoutez un dossier ou un disque ci-dessous.
wizard-locations = Emplacements de sauvegarde
# un exemple de dossier sur un disque
wizard-new-location-placeholder = /media/moi/Sauvegardes
wizard-add-location = Ajouter l'emplacement
wizard-choose = Choisir…
wizard-location-preferences = Préférences des emplacements de sauvegarde…
wizard-add-folder-or-disk = Ajouter un dossier ou un disque
wizard-new-location-note = Keepsake chiffre les instantanés qu'il y conserve. Cet ordinateur retient leur clé ; sur un autre ordinateur, le mot de passe de sauvegarde de votre appareil, ou la clé de récupération que vous recevrez ensuite, les ouvre.
wizard-own-password = Les ouvrir aussi avec un mot de passe à moi
wizard-store-password = Mot de passe des instantanés
wizard-confirm-store-password = Confirmez le mot de passe des instantanés
wizard-recovery-title = Conservez la clé de récupération
wizard-recovery-text = Vos instantanés sur { $location } sont prêts. Si cet ordinateur est perdu, cette clé les ouvre sur n'importe quel autre (le mot de passe de sauvegarde d'un appareil chiffré aussi). Keepsake ne l'affiche que maintenant ; les Préférences l'affichent à nouveau sur un ordinateur qui peut les ouvrir.
wizard-recovery-save = Enregistrer dans un fichier…
wizard-recovery-saved = Enregistrée sous { $path }. Gardez le fichier à l'écart du disque de sauvegarde.
wizard-recovery-print = Imprimer…
wizard-recovery-kept = J'ai conservé la clé de récupération en lieu sûr
wizard-start-first-backup = Lancer la première sauvegarde
wizard-done = Terminé
wizard-keep-snapshots = Conserver les anciens instantanés (revenir à n'importe quel jour passé)
wizard-auto-delete = Supprimer automatiquement les anciens instantanés quand ils prennent trop de place
wizard-retention = Conserver chaque instantané au moins
wizard-ask-first = Me demander avant de supprimer quoi que ce soit
wizard-newest-only = Seule la sauvegarde la plus récente est conservée.
wizard-auto-backup = Sauvegarder automatiquement quand l'appareil est connecté
wizard-schedule = Fréquence
wizard-schedule-daily = Tous les jours
wizard-schedule-weekly = Toutes les semaines
wizard-window = Quand
wizard-wifi = Sauvegarder aussi via Wi-Fi, quand l'appareil est sur le même réseau
wizard-wifi-hint = L'appareil est invité à se montrer à cet ordinateur sur le Wi-Fi tant qu'il est connecté par câble.
wizard-cable-only = Les sauvegardes n'ont lieu que lorsque l'appareil est connecté par câble.
wizard-title-first = Configurer les sauvegardes de { $device }
wizard-title = Réglages de sauvegarde de { $device }
# $title est l'une des étapes ci-dessus
wizard-step = Étape { $step } sur { $steps } : { $title }
wizard-cancel = Annuler
wizard-back = Retour
wizard-save = Enregistrer
wizard-next = Suivant

## Timeline: a device's snapshots along time

timeline-compare = Changements
# $from et $to sont les heures de deux instantanés
timeline-compare-label = Changements : du { $from } au { $to }
timeline-kept-forever = Conservé pour toujours
timeline-keep-forever = Conserver pour toujours
timeline-kept-forever-label = Conservé pour toujours : l'instantané du { $time }
timeline-keep-forever-label = Conserver pour toujours : l'instantané du { $time }
timeline-kept-forever-title = La suppression automatique ne retire jamais cet instantané. Cliquez pour le laisser partir quand il sera ancien.
timeline-keep-forever-title = Ne jamais supprimer cet instantané automatiquement (le supprimer libérerait { $size })
timeline-empty = Aucun instantané de { $device } pour l'instant. Sauvegardez-le pour créer le premier.
timeline-list-label = Instantanés de { $device }, du plus récent au plus ancien
timeline-snapshot-size = { $files ->
        [one] { $size } en { $files } fichier
       *[other] { $size } en { $files } fichiers
    }
timeline-first-backup = Première sauvegarde : { $size }
timeline-added = Ajout : { $size }
# ce que la personne a écrit d'un instantané, entre guillemets
timeline-note = « { $note } »
# lu avant l'heure d'un instantané, sa taille et ce qu'il a ajouté, qui suivent
timeline-open = Parcourir l'instantané du
timeline-back = ← Appareils
timeline-title = Instantanés de { $device }

## History: what happened to a device's backups

history-skipped-not-connected = Pas de sauvegarde ce jour-là : il n'était pas connecté (ni par câble ni en Wi-Fi)
history-skipped-passcode = Pas de sauvegarde ce jour-là : il était verrouillé, ou son code n'a pas été saisi
history-skipped-location-missing = Pas de sauvegarde ce jour-là : le disque de sauvegarde n'était pas là
history-skipped-no-location = Pas de sauvegarde ce jour-là : aucun emplacement de sauvegarde n'était choisi
history-skipped-space = Pas de sauvegarde ce jour-là : il n'y avait pas assez de place
history-skipped-password = Pas de sauvegarde ce jour-là : le mot de passe de sauvegarde était faux ou manquant
history-skipped-connection-lost = Pas de sauvegarde ce jour-là : la connexion avec lui a été perdue
history-skipped-error = Pas de sauvegarde ce jour-là, à cause d'une erreur
history-backed-up = Sauvegardé
history-backed-up-added = Sauvegardé : ajout de { $size }
# $error dit pourquoi, venu du moteur
history-failed = Échec : { $error }
history-cancelled = Annulé : rien n'en a été conservé
history-title = Historique
history-empty = Il ne s'est encore rien passé pour les sauvegardes de { $device }.
history-label = Ce qui est arrivé aux sauvegardes de { $device }, du plus récent au plus ancien
history-more = Les { $shown } plus récents sur { $total } ; `keepsake history` les liste tous.

## Save space: converting the snapshots kept as the phone sent them

convert-text = { $count ->
        [one] Un instantané de { $device } a été pris sans son mot de passe de sauvegarde : il garde les fichiers chiffrés du téléphone tels qu'ils sont arrivés, qui prennent plus de place. Keepsake peut plutôt les conserver déchiffrés dans son propre stockage chiffré ; les exportations et restaurations restent exactement ce que le téléphone a envoyé.
       *[other] { $count } instantanés de { $device } ont été pris sans son mot de passe de sauvegarde : ils gardent les fichiers chiffrés du téléphone tels qu'ils sont arrivés, qui prennent plus de place. Keepsake peut plutôt les conserver déchiffrés dans son propre stockage chiffré ; les exportations et restaurations restent exactement ce que le téléphone a envoyé.
    }
convert-saving-label = Gain de place
convert-button = Gagner de la place
convert-saving = Gain de place en cours…
# $after et $before sont des tailles
convert-done = Terminé : { $files ->
        [one] { $files } fichier est désormais conservé déchiffré
       *[other] { $files } fichiers sont désormais conservés déchiffrés
    } dans { $snapshots ->
        [one] { $snapshots } instantané
       *[other] { $snapshots } instantanés
    } ; les instantanés prennent maintenant { $after }, contre { $before } avant.
convert-password = Saisissez le mot de passe de sauvegarde de { $device } pour ouvrir ces instantanés.

## Backup password: an encrypted snapshot asks for it

password-wrong = Ce mot de passe n'est pas le bon : réessayez.
password-label = Mot de passe de sauvegarde
password-snapshot = Les sauvegardes de { $device } sont chiffrées. Saisissez le mot de passe de sauvegarde pour ouvrir cet instantané.
password-open = Ouvrir

## Comparison: what changed between two snapshots

diff-added = { $count ->
        [one] { $count } fichier ajouté ({ $size })
       *[other] { $count } fichiers ajoutés ({ $size })
    }
diff-changed = { $count ->
        [one] { $count } modifié ({ $size })
       *[other] { $count } modifiés ({ $size })
    }
diff-removed = { $count ->
        [one] { $count } supprimé ({ $size })
       *[other] { $count } supprimés ({ $size })
    }
compare-same = Choisissez deux instantanés différents.
compare-comparing = Comparaison…
compare-nothing = Rien n'a changé entre ces instantanés.
compare-changed = { $count ->
        [one] { $count } domaine a changé du { $from } au { $to }.
       *[other] { $count } domaines ont changé du { $from } au { $to }.
    }
compare-back = ← Instantanés
compare-title = Ce qui a changé sur { $device }
compare-from = Depuis
compare-to = Jusqu'à
compare-button = Comparer

## Browser: what a snapshot holds

# les types de données du téléphone, nommés comme ses propres apps
kind-photos = Photos
kind-messages = Messages
kind-contacts = Contacts
kind-calls = Appels
kind-notes = Notes
kind-calendars = Calendriers
kind-voice-memos = Dictaphone
kind-safari = Safari
kind-health = Santé
kind-passwords = Mots de passe
kind-settings = Réglages
# les endroits où iOS range chaque type
place-camera-roll = Photos et vidéos
place-messages = La base de données des messages
place-attachments = Pièces jointes
place-contacts = La base de données des contacts
place-call-history = L'historique des appels
place-notes = Notes
place-old-notes = Notes des anciennes versions d'iOS
place-calendars = La base de données des calendriers
place-recordings = Enregistrements
place-shared-recordings = Enregistrements partagés avec l'app Dictaphone
place-safari = Signets, historique et onglets
place-health = Données Santé
place-keychain = Le trousseau
place-preferences = Préférences du téléphone et de ses apps
place-system-preferences = Préférences système
place-managed-preferences = Préférences définies par une organisation
# les domaines d'une app : le sien, celui d'une extension ($name est son identifiant), un groupe qu'elle partage
app-domain-own = Données de l'app
app-domain-extension = Extension : { $name }
app-domain-group = Groupe partagé : { $name }
browser-files-and-size = { $count ->
        [one] { $count } fichier, { $size }
       *[other] { $count } fichiers, { $size }
    }
# un exemple de dossier sur cet ordinateur
browser-target-placeholder = /home/moi/Restauré
browser-breadcrumb = Où vous êtes dans l'instantané
browser-search-placeholder = Un fichier, un dossier ou une app
browser-search = Rechercher dans cet instantané
browser-progress = Progression
browser-export = Exporter en sauvegarde Finder
browser-export-title = Écrire tout l'instantané dans le dossier ci-dessus, en une sauvegarde que Finder, iTunes et idevicebackup2 savent restaurer
browser-restore = Restaurer sur l'appareil…
browser-back = ← Instantanés
# $time est celle de l'instantané
browser-title = { $device } le { $time }
browser-target = Dossier sur cet ordinateur
browser-choose = Choisir…
browser-crumb-snapshot = Instantané
browser-opening = Ouverture de l'instantané…
browser-kinds = Sur le téléphone
browser-no-kinds = Cet instantané ne contient aucune des données propres au téléphone : ni photos, ni messages, ni contacts, ni rien de tel.
browser-apps = Apps
browser-no-apps = Aucune app ne garde de données dans cet instantané.
browser-domains = Tous les domaines
browser-domains-hint = Chaque partie de l'instantané, sous les noms que lui donne iOS.
browser-app-version = Version { $version }
browser-column-domain = Domaine
browser-column-files = Fichiers
browser-column-size = Taille
browser-column-name = Nom
browser-column-where = Emplacement
browser-column-actions = Actions
browser-extract = Extraire
browser-extract-label = Extraire : { $name }
browser-searching = Recherche…
# $text est ce que la personne a tapé
browser-search-none = Aucun fichier de cet instantané ne correspond à « { $text } ».
browser-search-some = { $count ->
        [one] { $count } fichier trouvé : affichage des { $shown } premiers sur { $count }. Précisez la recherche pour réduire la liste.
       *[other] { $count } fichiers trouvés : affichage des { $shown } premiers sur { $count }. Précisez la recherche pour réduire la liste.
    }
browser-search-found = { $count ->
        [one] { $count } fichier trouvé.
       *[other] { $count } fichiers trouvés.
    }
browser-open-hit-folder = Ouvrir le dossier qui le contient
browser-no-target-export = Saisissez d'abord le dossier où exporter.
browser-no-target-extract = Saisissez d'abord le dossier où extraire.
browser-exporting = Exportation de l'instantané…
browser-exported = { $files ->
        [one] { $files } fichier exporté ({ $size }) dans { $folder } : Finder, iTunes et idevicebackup2 peuvent le restaurer.
       *[other] { $files } fichiers exportés ({ $size }) dans { $folder } : Finder, iTunes et idevicebackup2 peuvent le restaurer.
    }
browser-extracting = Extraction de { $name }…
browser-extracted = { $count ->
        [one] { $count } fichier extrait ({ $size }) dans { $folder }.
       *[other] { $count } fichiers extraits ({ $size }) dans { $folder }.
    }
restore-confirm = Restaurer
restore-connect = Connectez l'appareil sur lequel restaurer ({ $device }, ou un nouveau téléphone), déverrouillez-le et touchez Se fier.
restore-replace = Remplacer tout le contenu de { $device } par cet instantané du { $time } ? Ce qui se trouve maintenant sur l'appareil et pas dans l'instantané sera perdu. Gardez l'appareil connecté et déverrouillé ; désactivez d'abord Localiser sur celui-ci.
# $device est celui de l'instantané, $target l'autre appareil sur lequel il va
restore-onto-other = Restaurer cet instantané de { $device } ({ $time }) sur { $target } ? Tout le contenu de { $target } sera remplacé — ses apps, données et réglages — et { $target } gardera sa propre identité. Gardez-le connecté et déverrouillé ; désactivez d'abord Localiser sur celui-ci.
restore-other-device = { $device } (un autre appareil)
restore-onto = Restaurer sur
restore-password-needed = Cette sauvegarde est chiffrée : son mot de passe est nécessaire.
restore-cancel = Annuler
restore-restoring = Restauration de { $device }…
restore-done = { $files ->
        [one] { $files } fichier restauré sur { $device }.
       *[other] { $files } fichiers restaurés sur { $device }.
    }

## Preferences: the backup locations, backups from elsewhere, starting at login

preferences-not-connected = Non connecté
preferences-space-unknown = Espace libre inconnu
# $free et $total sont des tailles
preferences-space-free = { $free } libres
preferences-space-free-of = { $free } libres sur { $total }
preferences-automatic = Sauvegardes automatiques
preferences-autostart = Lancer Keepsake à l'ouverture de session (dans la barre d'état, sans la fenêtre)
verify-running = Vérification de { $location } : relecture de chaque instantané…
verify-progress = Progression de la vérification
verify-intact = { $location } est intact
# $size est ce qui a été lu, en $pieces morceaux
verify-intact-text = Chaque instantané a été relu : { $size } en { $pieces } morceaux, tous tels qu'ils ont été écrits.
verify-damaged = Dommages détectés sur { $location }
verify-damaged-files = { $count ->
        [one] { $count } fichier ne peut pas être restauré en entier. Sauvegardez à nouveau pour que les données endommagées soient réenregistrées ; instantanés qui le contiennent :
       *[other] { $count } fichiers ne peuvent pas être restaurés en entier. Sauvegardez à nouveau pour que les données endommagées soient réenregistrées ; instantanés qui les contiennent :
    }
verify-damaged-index = L'index des instantanés présente des problèmes. Sauvegardez aussi sur un autre emplacement, et gardez ce disque pour l'instant.
# $snapshots liste les numéros des instantanés
verify-damaged-file = { $path } (instantanés { $snapshots })
# un exemple de dossier de sauvegarde Finder, nommé d'après son appareil
import-folder-placeholder = /media/moi/Sauvegarde/00008110-…
import-button = Ajouter aux instantanés
import-adding = Ajout de { $folder }…
# $snapshot est le numéro de l'instantané, $udid celui de l'appareil
import-added = { $files ->
        [one] Ajouté comme instantané { $snapshot } de { $udid } ({ $files } fichier ; il a ajouté { $size }).
       *[other] Ajouté comme instantané { $snapshot } de { $udid } ({ $files } fichiers ; il a ajouté { $size }).
    }
import-title = Ajouter une sauvegarde Finder
import-hint = Un dossier de sauvegarde créé par Finder, iTunes ou idevicebackup2 (le dossier qui porte l'UDID de l'appareil) devient un instantané de son appareil. Il doit être complet : une sauvegarde inachevée est refusée et rien n'est ajouté.
import-folder = Dossier de sauvegarde
import-into = Vers
import-no-location = Ajoutez d'abord un emplacement.
import-recovery-key = Cet ajout a configuré l'emplacement : sa clé de récupération ouvre les instantanés sur n'importe quel ordinateur. Gardez-la à l'écart du disque :
recovery-key-none = Ces instantanés sont stockés en clair : ils n'ont pas besoin de clé de récupération.
# un exemple de disque
open-backups-placeholder = /media/moi/Ancien disque
# $devices liste les noms des appareils
open-backups-opened = Ouvert : sauvegardes de { $devices }. Elles apparaissent avec les appareils.
open-backups-empty = Ouvert : il n'y a pas encore d'instantanés à cet endroit.
open-backups-locked = Cet ordinateur ne connaît pas encore la clé de ces sauvegardes : saisissez le mot de passe de sauvegarde d'un appareil qui y est sauvegardé, ou la clé de récupération.
open-backups-title = Sauvegardes d'un autre ordinateur
open-backups-hint = Un disque contenant un dossier Keepsake.Backups d'un autre ordinateur (ou d'avant une réinstallation) s'ouvre avec le mot de passe de sauvegarde d'un téléphone qui y est sauvegardé, ou avec sa clé de récupération.
open-backups-found = Trouvées sur les disques connectés :
open-backups-open-found = Ouvrir
open-backups-open-found-label = Ouvrir les sauvegardes sur { $location }
open-backups-path = Dossier ou disque
open-backups-choose-label = Choisir le dossier ou le disque à ouvrir
open-backups-secret = Mot de passe de sauvegarde ou clé de récupération
open-backups-button = Ouvrir les sauvegardes
# un exemple de dossier sur un disque
preferences-new-location-placeholder = /media/moi/Sauvegardes
preferences-default = Par défaut
preferences-devices = { $count ->
        [one] { $count } appareil
       *[other] { $count } appareils
    }
preferences-no-device = Aucun appareil
preferences-make-default = Définir par défaut
preferences-make-default-label = Définir par défaut : { $location }
preferences-recovery-key = Clé de récupération
preferences-recovery-key-label = Clé de récupération : { $location }
preferences-verify = Vérifier
preferences-verify-label = Vérifier : { $location }
preferences-remove = Retirer
preferences-remove-label = Retirer : { $location }
# $label dit où il ramène (wizard-back-label)
preferences-back-to = ← { $label }
preferences-back = ← Appareils
preferences-title = Emplacements de sauvegarde
preferences-hint = Les instantanés sont conservés dans un dossier Keepsake.Backups à chaque emplacement. Retirer un emplacement ici laisse ses instantanés sur le disque.
preferences-no-locations = Aucun emplacement de sauvegarde pour l'instant.
preferences-column-location = Emplacement
preferences-column-space = Espace
preferences-column-used-by = Utilisé par
preferences-column-actions = Actions
preferences-add-folder-or-disk = Ajouter un dossier ou un disque
preferences-add-location = Ajouter l'emplacement
preferences-choose = Choisir…
recovery-key-of = La clé de récupération de { $location }
recovery-key-hint = Elle ouvre ces instantanés sur n'importe quel ordinateur. Gardez-la à l'écart du disque.

## Charts: the snapshots drawn along time, and the space they take

# une durée
span-minutes = { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
span-hours = { $count ->
        [one] { $count } heure
       *[other] { $count } heures
    }
span-days = { $count ->
        [one] { $count } jour
       *[other] { $count } jours
    }
# le dessin en mots, propositions jointes par clause-separator ; $day, $from et $to sont des dates (« 3 nov. »), $span une durée
chart-no-snapshots = Aucun instantané pour l'instant
chart-summary-one-day = { $count ->
        [one] { $count } instantané le { $day }
       *[other] { $count } instantanés le { $day }
    }
chart-summary = { $count ->
        [one] { $count } instantané du { $from } au { $to }
       *[other] { $count } instantanés du { $from } au { $to }
    }
chart-summary-kept = { $count ->
        [one] { $count } conservé pour toujours
       *[other] { $count } conservés pour toujours
    }
chart-summary-gap = aucune sauvegarde pendant { $span } à partir du { $from }
chart-summary-gaps = { $count } interruptions de plus de { $span }, la plus longue de { $longest }
chart-label = Frise : { $summary }. Choisissez un instantané pour le retrouver dans la liste ci-dessous.
# $from et $to sont les heures de deux instantanés
chart-gap-title = Aucune sauvegarde pendant { $span } : du { $from } au { $to }
# écrit dans le dessin, au-dessus de l'interruption
chart-gap-label = aucune sauvegarde pendant { $span }
# la marque d'un instantané ; $size est ce qu'il a ajouté
chart-mark = { $time } : ajout de { $size }
chart-mark-kept = { $time } : ajout de { $size }, conservé pour toujours
chart-title = Au fil du temps
chart-legend = Ce que montre la frise
chart-legend-mark = Un instantané : plus il est gros, plus il a ajouté
chart-legend-kept = Conservé pour toujours
chart-legend-gap = Aucune sauvegarde pendant plus de { $span }
# une taille estimée
space-about = environ { $size }
# la barre en mots, parties jointes par clause-separator
space-bar-newest = Sauvegarde la plus récente { $size }
space-bar-extra = anciens instantanés { $size } de plus
space-bar-allowance = marge { $size }
space-bar-over = { $size } au-delà de la marge
space-bar-within = dans la marge
space-bar-cleaning = le prochain nettoyage libérerait { $size }
space-legend = Ce que montre la barre
space-legend-newest = Sauvegarde la plus récente : { $size }
space-legend-extra = Anciens instantanés, en plus de la plus récente : { $size }
space-legend-over = Au-delà de la marge : { $size }
space-legend-allowance = Marge, la moitié de la sauvegarde la plus récente : { $size }
space-legend-frees = Libéré par le prochain nettoyage : { $size }
space-summary-newest-only = Tout l'espace est celui de la sauvegarde la plus récente, { $newest }. Les anciens instantanés peuvent prendre jusqu'à { $allowance } de plus (sa moitié) avant que les plus anciens soient supprimés.
space-summary-over = Les anciens instantanés prennent { $extra } en plus de la sauvegarde la plus récente, qui prend { $newest } : { $over } de plus que permis ({ $allowance }, la moitié de la sauvegarde la plus récente).
space-summary-within = Les anciens instantanés prennent { $extra } en plus de la sauvegarde la plus récente, qui prend { $newest } : dans les limites permises ({ $allowance }, la moitié de la sauvegarde la plus récente).
space-title = Espace
space-cleaning = { $count ->
        [one] Le prochain nettoyage supprimerait { $count } instantané et libérerait { $size }.
       *[other] Le prochain nettoyage supprimerait { $count } instantanés et libérerait { $size }.
    }
space-disk-free = Espace libre sur le disque : { $size }.
space-estimated = Un autre appareil sauvegarde aussi sur cet emplacement : ces chiffres sont donc des estimations.

## Hors site : la copie d'un appareil sur un stockage objet compatible S3

offsite-title = Copie hors site
offsite-none-hint = Gardez une copie loin de chez vous, sur un stockage objet compatible S3 (celui d'un fournisseur ou votre propre serveur) : après chaque sauvegarde, seul ce qui manque à la copie est envoyé.
offsite-set-up = Créer une copie hors site…
offsite-set-up-label = Créer une copie hors site de { $device }
offsite-change = Modifier…
offsite-change-label = Modifier la copie hors site de { $device }
offsite-copy-now = Copier maintenant
offsite-not-yet = Les copies vont sur { $remote } : la dernière sauvegarde y part ensuite.
offsite-copied = Copiée sur { $remote } le { $time }, avec la dernière sauvegarde.
offsite-behind = Copiée sur { $remote } le { $time } ; la dernière sauvegarde y part ensuite.
offsite-waiting = En attente de { $remote } : { $why }
offsite-next-try = Prochain essai : { $time }.
offsite-next-try-soon = Keepsake réessaie dans quelques minutes.
offsite-reason-unreachable = il est injoignable.
offsite-reason-refused = il a refusé la clé d'accès.
offsite-reason-full = il n'accepte plus de données (plein ?).
offsite-reason-diverged = sa copie a des instantanés que cet ordinateur n'a jamais faits.
offsite-reason-no-secret = cet ordinateur ne se souvient pas du secret de la clé d'accès.
offsite-reason-error = la copie a échoué.
offsite-advice-unreachable = Vérifiez le réseau, et que le serveur est allumé. Les sauvegardes d'ici sont enregistrées en attendant.
offsite-advice-refused = Vérifiez la clé d'accès et son secret (Modifier…), et qu'ils peuvent écrire dans ce bucket.
offsite-advice-full = Libérez de la place dans le bucket ou augmentez son quota ; les sauvegardes d'ici sont intactes.
offsite-advice-diverged = Un autre ordinateur a écrit dans cette copie depuis une copie du disque : envoyez celle-ci dans un autre dossier (Modifier…).
offsite-advice-no-secret = Donnez à nouveau le secret de la clé d'accès (Modifier…).
offsite-form-title = Copie hors site de { $device }
offsite-form-hint = L'adresse du bucket et une clé d'accès qui peut le lire et l'écrire. Le secret est gardé dans le trousseau de cet ordinateur ; la copie est chiffrée comme les sauvegardes d'ici.
offsite-address = Adresse
offsite-address-hint = s3://hôte/bucket/dossier, ou s3+http://hôte:port/bucket/dossier pour un serveur sans HTTPS.
offsite-access-key = Clé d'accès
offsite-secret = Secret
offsite-secret-hint = Plus jamais affiché, jamais écrit dans les fichiers de Keepsake.
offsite-secret-unchanged = inchangé
offsite-bandwidth = Débit maximal (Ko/s)
offsite-bandwidth-hint = Vide : aussi vite que le réseau le permet.
offsite-save = Vérifier et enregistrer
offsite-checking = Vérification…
offsite-cancel = Annuler
offsite-remove = Arrêter la copie hors site
offsite-progress-label = Copie hors site
offsite-sent = { $sent } sur { $total } envoyés
result-offsite-saved = La copie hors site est réglée : la prochaine sauvegarde y part aussi.
result-offsite-removed = Plus de copie hors site ; ce que le bucket contient y reste.
result-offsite-copying = Copie hors site…

## Models: Apple's product names stay as Apple writes them (views/models.ts)

# un appareil dont le modèle n'est pas encore connu
model-unknown = iPhone ou iPad
