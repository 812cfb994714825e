## The installed portal: offline page, member card and its check by staff.

pwa-offline-title = You are offline
pwa-offline-text = This page was not kept on this device. The pages you opened before are still here:
pwa-card-title = My member card
pwa-card-number = No. { $number }
pwa-card-until = valid until { $date }
pwa-card-no-membership = No membership at the moment.
pwa-card-qr = QR code of the member card
pwa-card-help = Show this code at the door: staff scan it to check your membership. It also works without a network once opened here.
pwa-check-title = Member card check
pwa-check-valid = Valid membership
pwa-check-not-valid = No valid membership
pwa-check-member = Member
pwa-check-membership = Membership
pwa-install = Install the app
