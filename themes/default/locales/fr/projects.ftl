## Projets : pages des lecteurs, des membres et de l’équipe, et leurs messages.

projects-title = Projets
projects-lead = Ce pour quoi l’association collecte des fonds ou cherche des bénévoles.
projects-none = Aucun projet pour le moment.
projects-pages = Pages de projets
projects-previous = ← Précédents
projects-next = Suivants →
projects-page-of = Page { $page } sur { $pages }
projects-status = État
projects-status-all = Tous
projects-status-draft = Brouillon
projects-status-open = En cours
projects-status-closed = Terminé
projects-status-archived = Archivé
projects-visibility-public = Tout le monde
projects-visibility-members = Membres seulement
projects-deadline = Échéance :
projects-deadline-passed = échéance dépassée
projects-of-goal = collectés sur { $goal }
projects-raised = collectés
projects-gauge-label = { $percent } % de l’objectif de { $goal }
projects-percent = { $percent } % de l’objectif
projects-donors = { $count ->
    [0] aucun don pour l’instant
    [one] 1 donateur
   *[other] { $count } donateurs
}
projects-volunteers-of = { $count } sur { $wanted } places de bénévoles prises
projects-volunteers-count = { $count ->
    [0] aucun bénévole inscrit
    [one] 1 bénévole inscrit
   *[other] { $count } bénévoles inscrits
}
projects-full = Complet
projects-manage = Gérer ce projet

projects-give-title = Soutenir ce projet
projects-give-help = Faites un virement en indiquant la référence ci-dessous : le trésorier affectera votre don à ce projet.
projects-give-holder = Titulaire
projects-give-memo = Référence
projects-give-ask = Demandez les coordonnées bancaires au trésorier de l’association et indiquez « { $memo } » sur votre virement : il affectera votre don à ce projet.
projects-give-other = Vous pouvez aussi donner par chèque ou en espèces au trésorier, en précisant le projet.
projects-give-sign-in = Les membres peuvent soutenir ce projet : connectez-vous pour voir comment donner, ou adhérez à l’association.
projects-sign-in = Se connecter
projects-join = Adhérer

projects-volunteers-title = Bénévoles
projects-you-signed-up = Vous êtes inscrit·e comme bénévole.
projects-withdraw = Me désinscrire
projects-sign-up = Je me porte volontaire
projects-note = Un mot (disponibilités, ce que vous savez faire)
projects-sign-in-to-volunteer = Connectez-vous pour vous porter volontaire.

projects-updates = Nouvelles du projet
projects-no-updates = Pas encore de nouvelles.
projects-comments = Commentaires
projects-no-comments = Pas encore de commentaire.
projects-comment-hidden = Masqué
projects-comments-locked = Les commentaires de ce projet sont fermés.
projects-your-comment = Votre commentaire
projects-comment-help = Texte simple, 2 000 caractères au plus.
projects-post-comment = Publier le commentaire
projects-sign-in-to-comment = Connectez-vous pour commenter.
projects-do-hide = Masquer
projects-do-unhide = Rendre visible
projects-do-delete-comment = Supprimer

projects-staff-title = Projets
projects-staff-help = Collectes et appels à bénévoles : objectif, jauge, nouvelles, commentaires.
projects-new = Nouveau projet
projects-edit = Modifier le projet
projects-view = Voir sur le site
projects-see-public = Voir la page publique
projects-filter = Filtrer par état
projects-none-here = Aucun projet ici.
projects-raised-col = Collecté
projects-volunteers-col = Bénévoles
projects-field-title = Titre
projects-field-slug = Adresse de la page
projects-slug-help = Lettres minuscules, chiffres et tirets ; laissez vide pour la tirer du titre.
projects-field-summary = Résumé (affiché sur la carte)
projects-field-description = Description
projects-description-help = Markdown : **gras**, *italique*, [un lien](https://…), listes avec « - ». Les scripts sont retirés.
projects-field-goal = Objectif (en { $currency })
projects-goal-help = Facultatif : sans objectif, la jauge montre seulement le montant collecté.
projects-field-deadline = Échéance
projects-field-visibility = Qui peut le voir
projects-field-volunteering = Ce projet cherche des bénévoles
projects-field-wanted = Nombre de places
projects-wanted-help = Facultatif : vide, pas de limite.
projects-field-roles = Rôles ou créneaux recherchés
projects-preview = Aperçu
projects-save = Enregistrer
projects-moderate = Modérer les commentaires
projects-locked = Commentaires fermés
projects-do-open = Ouvrir
projects-do-closed = Marquer terminé
projects-do-archived = Archiver
projects-do-draft = Repasser en brouillon
projects-do-lock = Fermer les commentaires
projects-do-unlock = Rouvrir les commentaires
projects-do-delete = Supprimer définitivement
projects-update-title = Titre de la nouvelle
projects-update-body = Texte (Markdown)
projects-post-update = Publier la nouvelle
projects-do-delete-update = Supprimer cette nouvelle
projects-csv = Télécharger la liste (CSV)
projects-volunteer-name = Nom
projects-volunteer-email = Adresse e-mail
projects-signed-up-on = Inscription
projects-do-remove = Retirer
projects-no-volunteers = Personne ne s’est encore inscrit.

projects-error-title-missing = Donnez un titre.
projects-error-title-long = Le titre est limité à 200 caractères.
projects-error-slug = L’adresse ne peut contenir que des lettres minuscules, des chiffres et des tirets (pas seulement des chiffres, 80 caractères au plus).
projects-error-slug-taken = Un autre projet a déjà cette adresse.
projects-error-summary-long = Le résumé est limité à 500 caractères.
projects-error-description-long = La description est limitée à 50 000 caractères.
projects-error-goal = Indiquez un montant positif, par exemple 3 000.
projects-error-deadline = Indiquez une date (AAAA-MM-JJ).
projects-error-visibility = Choisissez qui peut voir le projet.
projects-error-wanted = Indiquez un nombre de places entre 1 et 10 000.
projects-error-roles-long = Les rôles sont limités à 1 000 caractères.
projects-error-comment-missing = Écrivez votre commentaire.
projects-error-comment-long = Un commentaire est limité à 2 000 caractères.
projects-error-note-long = Le mot est limité à 500 caractères.
projects-error-update-long = Une nouvelle est limitée à 20 000 caractères.

projects-flash-saved = Projet enregistré.
projects-flash-deleted = Projet supprimé.
projects-flash-update-posted = Nouvelle publiée.
projects-flash-update-deleted = Nouvelle supprimée.
projects-flash-moderated = Commentaire modéré.
projects-flash-comment-posted = Commentaire publié.
projects-flash-comment-deleted = Commentaire supprimé.
projects-flash-signed-up = Merci ! Vous êtes inscrit·e comme bénévole.
projects-flash-withdrawn = Vous n’êtes plus inscrit·e.
projects-flash-volunteer-removed = Bénévole retiré de la liste.
projects-refused-not-open = Ce projet n’est pas ouvert.
projects-refused-locked = Les commentaires de ce projet sont fermés.
projects-refused-full = Toutes les places de bénévoles sont prises.
projects-refused-already = Vous êtes déjà inscrit·e.
projects-refused-not-signed-up = Vous n’étiez pas inscrit·e.
projects-refused-has-donations = Des dons sont affectés à ce projet : archivez-le plutôt.

## Le don fléché, dans la trésorerie (module des cotisations).

treasury-earmark = Don fléché vers un projet
treasury-earmark-help = Facultatif : un don affecté à un projet ne paie aucune cotisation.
treasury-earmark-none = Aucun (cotisation ou crédit)
treasury-earmarked-for = Don fléché :
treasury-error-earmark = Choisissez un projet de la liste.
treasury-error-earmark-memberships = Un don fléché ne paie pas de cotisation : décochez les adhésions.
treasury-error-not-open = Ce projet n’est pas ouvert aux dons.
treasury-ledger-donation = Don
membership-ledger-donation = Don
