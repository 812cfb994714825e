vivid-join = Rejoindre l’association
