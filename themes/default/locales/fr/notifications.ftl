# Notifications (templates/notifications/, mail/notification*.html).
notif-title = Notifications
notif-nav-label = Notifications
notif-preferences = Réglages des notifications
notif-unread-count = { $count ->
    [one] une notification non lue
   *[other] { $count } notifications non lues
}
notif-show-all = Tout afficher
notif-show-unread = Non lues seulement
notif-mark-all-read = Tout marquer comme lu
notif-mark-read = Marquer comme lu
notif-open = Ouvrir
notif-new = nouveau
notif-none = Aucune notification pour l’instant.
notif-none-unread = Rien de non lu.
notif-pages = Pages de notifications
notif-newest = Les plus récentes
notif-older = Notifications plus anciennes
notif-kind = Type
notif-kind-announcements = Annonces
notif-kind-renewals = Renouvellements
notif-kind-payments = Paiements
notif-kind-projects = Projets
notif-channel-in_app = Sur le site
notif-channel-email = Par e-mail
notif-channel-push = Sur mes appareils
notif-preferences-intro = Choisissez où chaque type de notification vous parvient.
notif-mail-mode = E-mails
notif-mode-immediate = Un e-mail à chaque fois
notif-mode-digest = Un résumé par jour
notif-save = Enregistrer mes réglages
notif-devices = Mes appareils
notif-devices-intro = Les appareils où vous avez activé les notifications reçoivent celles cochées « Sur mes appareils ».
notif-no-devices = Aucun appareil ne reçoit encore de notifications.
notif-device-since = depuis le
notif-device-last = dernière réception le
notif-device-remove = Arrêter les notifications sur cet appareil
notif-push-enable = Activer les notifications sur cet appareil
notif-push-disable = Désactiver les notifications sur cet appareil
notif-push-enabled = Les notifications sont activées sur cet appareil.
notif-push-disabled = Les notifications sont désactivées sur cet appareil.
notif-push-denied = Votre navigateur bloque les notifications de ce site ; autorisez-les d’abord dans ses réglages.
notif-push-failed = Impossible d’activer les notifications ici. Réessayez plus tard.
notif-push-needs-js = Activer les notifications sur un appareil demande JavaScript.
notif-flash-all-read = Toutes les notifications sont marquées comme lues.
notif-flash-device-removed = Cet appareil ne recevra plus de notifications.
mail-notification-subject = { $site } : { $title }
mail-notification-action = Ouvrir sur le site
mail-notification-why = Vous recevez cet e-mail selon vos réglages de notifications.
mail-notification-preferences = Modifier mes réglages
mail-notification-digest-subject = { $site } : votre résumé du jour
mail-notification-digest-intro = { $count ->
    [one] Voici ce qui s’est passé sur { $site } depuis votre dernier résumé :
   *[other] Voici les { $count } nouveautés de { $site } depuis votre dernier résumé :
}
mail-notification-digest-more = { $count ->
    [one] …et une de plus sur le site.
   *[other] …et { $count } de plus sur le site.
}
mail-notification-digest-action = Voir toutes mes notifications
notif-unsubscribe = Ne plus recevoir ces e-mails
notif-unsubscribe-kind = Ne plus recevoir d’e-mails « { $kind } » ? Vous les verrez toujours sur le site.
notif-unsubscribe-all = Ne plus recevoir aucun e-mail de notification ? Vous verrez toujours vos notifications sur le site.
notif-unsubscribe-confirm = Arrêter les e-mails
notif-unsubscribed-kind = C’est fait : plus d’e-mails « { $kind } ».
notif-unsubscribed-all = C’est fait : plus aucun e-mail de notification.
notif-col-in_app = Site
notif-col-email = E-mail
notif-col-push = Appareils
notif-kind-reports = Rapports et alertes (équipe)
