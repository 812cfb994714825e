## Le portail installé : page hors ligne, carte d’adhérent et son contrôle par l’équipe.

pwa-offline-title = Vous êtes hors ligne
pwa-offline-text = Cette page n’a pas été gardée sur cet appareil. Les pages déjà ouvertes restent disponibles :
pwa-card-title = Ma carte d’adhérent
pwa-card-number = N° { $number }
pwa-card-until = valable jusqu’au { $date }
pwa-card-no-membership = Pas d’adhésion en cours.
pwa-card-qr = QR code de la carte d’adhérent
pwa-card-help = Présentez ce code à l’entrée : l’équipe le scanne pour vérifier votre adhésion. Une fois ouvert ici, il marche aussi sans réseau.
pwa-check-title = Contrôle de carte d’adhérent
pwa-check-valid = Adhésion valable
pwa-check-not-valid = Pas d’adhésion valable
pwa-check-member = Adhérent
pwa-check-membership = Adhésion
pwa-install = Installer l’application
