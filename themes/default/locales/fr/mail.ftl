# Courriels (templates/mail/). Objets : mail-<modèle>-subject, avec $site.
mail-greeting = Bonjour { $name },
mail-greeting-anonymous = Bonjour,
mail-signature = L’équipe { $site }
mail-footer = Vous recevez ce message en raison de votre compte chez { $site }. Il a été envoyé automatiquement ; merci de ne pas y répondre.
mail-link-fallback = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :
mail-verify-email-subject = Confirmez votre adresse e-mail pour { $site }
mail-verify-email-intro = Confirmez votre adresse e-mail pour terminer la création de votre compte chez { $site }.
mail-verify-email-action = Confirmer mon adresse
mail-verify-email-ignore = Si vous n’avez pas créé ce compte, ignorez ce message : il ne se passera rien.
mail-reset-password-subject = Réinitialisez votre mot de passe { $site }
mail-reset-password-intro = Quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $site }. Si c’est vous, choisissez un nouveau mot de passe avec le lien ci-dessous. Il ne sert qu’une fois et expire bientôt.
mail-reset-password-action = Choisir un nouveau mot de passe
mail-reset-password-ignore = Si vous n’avez rien demandé, ignorez ce message : votre mot de passe ne change pas.
mail-invitation-subject = Votre invitation à rejoindre { $site }
mail-invitation-intro = { $inviter } vous invite à rejoindre { $site }. Acceptez l’invitation pour choisir votre mot de passe et ouvrir votre compte.
mail-invitation-action = Accepter l’invitation
mail-invitation-ignore = Si vous ne connaissez pas cette association, ignorez ce message.
mail-email-change-subject = Confirmez votre nouvelle adresse e-mail pour { $site }
mail-email-change-intro = Vous avez demandé à utiliser cette adresse pour votre compte { $site }. Confirmez-la pour effectuer le changement.
mail-email-change-action = Confirmer cette adresse
mail-email-change-ignore = Si vous n’avez pas demandé ce changement, ignorez ce message : votre compte garde son adresse actuelle.
mail-security-notice-subject = Alerte de sécurité pour votre compte { $site }
mail-security-notice-intro = Un réglage de sécurité de votre compte { $site } vient de changer :
mail-security-notice-advice = Si c’est vous, il n’y a rien à faire. Sinon, réinitialisez votre mot de passe immédiatement et contactez l’association.
mail-security-event-password-changed = Votre mot de passe a été modifié.
mail-security-event-email-changed = Votre adresse e-mail a été modifiée.
mail-security-event-2fa-enabled = La vérification en deux étapes a été activée.
mail-security-event-2fa-disabled = La vérification en deux étapes a été désactivée.
mail-security-event-recovery-codes = De nouveaux codes de secours ont été générés.
mail-security-event-signup-existing = Quelqu’un a tenté de s’inscrire avec votre adresse. Vous avez déjà un compte : connectez-vous, ou réinitialisez votre mot de passe si vous l’avez oublié.
mail-unsubscribe = Se désabonner
mail-renewal-reminder-subject = { $state ->
    [ended] Votre adhésion à { $site } a pris fin le { $ends_on }
   *[ending] Votre adhésion à { $site } prend fin le { $ends_on }
}
mail-renewal-reminder-intro = { $state ->
    [ended] Votre adhésion à { $site } a pris fin le { $ends_on }. Vous pouvez la renouveler en un clic, sans vous connecter :
   *[ending] Votre adhésion à { $site } prend fin le { $ends_on }. Vous pouvez la renouveler en un clic, sans vous connecter :
}
mail-renewal-reminder-until = jusqu’au { $date }
mail-renewal-reminder-action = Renouveler mon adhésion
mail-renewal-reminder-fair = Vous payez exactement le montant affiché, sans supplément ni pourboire. Si vous avez déjà renouvelé, ignorez ce message.
mail-renewal-reminder-stop = Vous ne souhaitez plus ces rappels ?
mail-treasurer-digest-subject = { $site } : votre semaine de trésorerie ({ $week })
mail-treasurer-digest-intro = Voici la semaine de { $site } ({ $week }) :
mail-treasurer-digest-payments = { $count ->
    [one] 1 paiement reçu ces 7 derniers jours, { $total } au total
   *[other] { $count } paiements reçus ces 7 derniers jours, { $total } au total
}
mail-treasurer-digest-expiring = { $count ->
    [one] 1 adhésion prend fin dans les 30 jours
   *[other] { $count } adhésions prennent fin dans les 30 jours
}
mail-treasurer-digest-lapsed = { $count ->
    [one] 1 adhésion est arrivée à échéance cette semaine sans renouvellement
   *[other] { $count } adhésions sont arrivées à échéance cette semaine sans renouvellement
}
mail-treasurer-digest-action = Ouvrir le bureau du trésorier
mail-treasurer-digest-stop = Vous ne souhaitez plus ce récapitulatif hebdomadaire ?
mail-signup-confirm-subject = Confirmez la création de votre portail
mail-signup-confirm-intro = Quelqu’un, sans doute vous, a demandé la création d’un portail pour { $association }. Confirmez votre adresse et le portail est en ligne aussitôt.
mail-signup-confirm-action = Créer mon portail
mail-signup-confirm-ignore = Si vous n’avez rien demandé, ignorez ce message : rien ne sera créé. Le lien est valable 24 heures.

mail-certificate-failing-subject = Le certificat de { $hostname } ne peut pas être obtenu
mail-certificate-failing-intro = Les { $failures } dernières tentatives d’obtenir ou de renouveler le certificat HTTPS de { $hostname } ont échoué. Un certificat déjà délivré reste servi jusqu’à son expiration.
mail-certificate-failing-error = Dernière erreur
mail-certificate-failing-next = Les tentatives continuent à intervalles croissants. La console montre l’état de chaque certificat et permet de réessayer aussitôt ; `tessera certs list` et `tessera certs renew DOMAINE` font de même.
