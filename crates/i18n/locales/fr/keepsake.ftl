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
