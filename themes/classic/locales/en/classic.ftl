classic-about = About us
classic-members-area = Members’ area
