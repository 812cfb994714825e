# Notifications (templates/notifications/, mail/notification*.html).
notif-title = Notifications
notif-nav-label = Notifications
notif-preferences = Notification settings
notif-unread-count = { $count ->
    [one] one unread notification
   *[other] { $count } unread notifications
}
notif-show-all = Show all
notif-show-unread = Show unread only
notif-mark-all-read = Mark all as read
notif-mark-read = Mark as read
notif-open = Open
notif-new = new
notif-none = No notifications yet.
notif-none-unread = Nothing unread.
notif-pages = Pages of notifications
notif-newest = Newest
notif-older = Older notifications
notif-kind = Kind
notif-kind-announcements = Announcements
notif-kind-renewals = Renewals
notif-kind-payments = Payments
notif-kind-projects = Projects
notif-channel-in_app = On the site
notif-channel-email = By email
notif-channel-push = On my devices
notif-preferences-intro = Choose where each kind of notification reaches you.
notif-mail-mode = Emails
notif-mode-immediate = Send each email as it happens
notif-mode-digest = One summary a day (daily digest)
notif-save = Save my settings
notif-devices = My devices
notif-devices-intro = Devices where you turned notifications on receive those marked "On my devices".
notif-no-devices = No device receives notifications yet.
notif-device-since = since
notif-device-last = last received
notif-device-remove = Stop notifications on this device
notif-push-enable = Turn on notifications on this device
notif-push-disable = Turn off notifications on this device
notif-push-enabled = Notifications are on for this device.
notif-push-disabled = Notifications are off for this device.
notif-push-denied = Your browser blocks notifications for this site; allow them in its settings first.
notif-push-failed = Notifications could not be turned on here. Try again later.
notif-push-needs-js = Turning notifications on for a device needs JavaScript.
notif-flash-all-read = All notifications are marked as read.
notif-flash-device-removed = This device will no longer receive notifications.
mail-notification-subject = { $site }: { $title }
mail-notification-action = Open on the site
mail-notification-why = You receive this email because of your notification settings.
mail-notification-preferences = Change my settings
mail-notification-digest-subject = { $site }: your daily summary
mail-notification-digest-intro = { $count ->
    [one] Here is what happened on { $site } since your last summary:
   *[other] Here are the { $count } things that happened on { $site } since your last summary:
}
mail-notification-digest-more = { $count ->
    [one] …and one more on the site.
   *[other] …and { $count } more on the site.
}
mail-notification-digest-action = See all my notifications
notif-unsubscribe = Stop these emails
notif-unsubscribe-kind = Stop the emails about “{ $kind }”? You will still see them on the site.
notif-unsubscribe-all = Stop all notification emails? You will still see your notifications on the site.
notif-unsubscribe-confirm = Stop the emails
notif-unsubscribed-kind = Done: no more emails about “{ $kind }”.
notif-unsubscribed-all = Done: no more notification emails.
notif-col-in_app = Site
notif-col-email = Email
notif-col-push = Devices
notif-kind-reports = Reports and alerts (staff)
