# Copies hors site sur un stockage objet compatible S3.

offsite-bad-address = { $address } n'est pas une adresse hors site ({ $why }). Écrivez-la s3://hôte/bucket/préfixe, ou s3+http://hôte:port/bucket/préfixe pour un serveur sans HTTPS.
offsite-refused = { $remote } a refusé les clés ({ $detail }). Vérifiez la clé d'accès et son secret, et qu'ils peuvent lire et écrire ce bucket.
offsite-unreachable = en attente de { $remote } : il est injoignable ({ $detail }). Vérifiez le réseau ; Keepsake réessaie plus tard.
offsite-write-refused = { $remote } n'accepte plus de données ({ $detail }) : le bucket est peut-être plein (un quota) ou le serveur défaillant. Libérez de la place ou augmentez le quota ; les sauvegardes locales sont intactes.
offsite-no-copy = { $remote } ne contient aucune copie du dépôt { $repository }.
offsite-diverged = la copie du dépôt { $repository } sur { $remote } a des instantanés que celui de cet ordinateur n'a jamais eus (écrite depuis une autre copie du disque ?). Rien n'y a été changé ; envoyez cette copie sous un autre préfixe.
offsite-busy = { $remote } n'a pas cessé de changer pendant l'envoi de la copie (un autre ordinateur y écrit ?). Rien n'est perdu ; réessayez.
offsite-damaged = { $remote } : { $what } ne se lit pas comme Keepsake l'a écrit ({ $detail }).
offsite-local = { $path } : { $source }
offsite-read-only = la copie sur { $remote } se lit ici, elle ne s'écrit pas : sauvegardez vers un emplacement local, dont la copie part hors site.

## La copie hors site d'un appareil (core)

core-offsite-bad-access-key = la clé d'accès manque ou contient des espaces : copiez-la telle que le stockage objet l'affiche.
core-offsite-none = { $device } n'a pas de copie hors site : réglez-en une dans ses réglages.
error-offsite-no-secret = cet ordinateur ne se souvient pas du secret de la clé d'accès à { $remote } : donnez-le à nouveau dans les réglages hors site de l'appareil.
