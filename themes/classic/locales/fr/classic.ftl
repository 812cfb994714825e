classic-about = L’association
classic-members-area = Espace adhérents
