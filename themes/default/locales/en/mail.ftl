# Mails (templates/mail/). Subjects: mail-<template>-subject, given $site.
mail-greeting = Hello { $name },
mail-greeting-anonymous = Hello,
mail-signature = The { $site } team
mail-footer = You receive this message because of your account with { $site }. It was sent automatically; please do not reply.
mail-link-fallback = If the button does not work, copy this address into your browser:
mail-verify-email-subject = Confirm your email address for { $site }
mail-verify-email-intro = Please confirm your email address to finish creating your account with { $site }.
mail-verify-email-action = Confirm my address
mail-verify-email-ignore = If you did not create this account, you can ignore this message: nothing will happen.
mail-reset-password-subject = Reset your { $site } password
mail-reset-password-intro = Someone asked to reset the password of your { $site } account. If it was you, choose a new password with the link below. It can be used only once and expires soon.
mail-reset-password-action = Choose a new password
mail-reset-password-ignore = If you did not ask for this, ignore this message: your password stays as it is.
mail-invitation-subject = Your invitation to join { $site }
mail-invitation-intro = { $inviter } invites you to join { $site }. Accept the invitation to choose your password and open your account.
mail-invitation-action = Accept the invitation
mail-invitation-ignore = If you do not know this association, you can ignore this message.
mail-email-change-subject = Confirm your new email address for { $site }
mail-email-change-intro = You asked to use this address for your { $site } account. Confirm it to make the change.
mail-email-change-action = Confirm this address
mail-email-change-ignore = If you did not ask for this change, ignore this message: your account keeps its current address.
mail-security-notice-subject = Security notice for your { $site } account
mail-security-notice-intro = A security setting of your { $site } account has just changed:
mail-security-notice-advice = If it was you, there is nothing to do. If not, reset your password at once and contact the association.
mail-security-event-password-changed = Your password was changed.
mail-security-event-email-changed = Your email address was changed.
mail-security-event-2fa-enabled = Two-step verification was turned on.
mail-security-event-2fa-disabled = Two-step verification was turned off.
mail-security-event-recovery-codes = New recovery codes were generated.
mail-security-event-signup-existing = Someone tried to join with your address. You already have an account: sign in, or reset your password if you have forgotten it.
mail-unsubscribe = Unsubscribe
mail-renewal-reminder-subject = { $state ->
    [ended] Your { $site } membership ended on { $ends_on }
   *[ending] Your { $site } membership ends on { $ends_on }
}
mail-renewal-reminder-intro = { $state ->
    [ended] Your membership of { $site } ended on { $ends_on }. You can renew it in one click, without signing in:
   *[ending] Your membership of { $site } ends on { $ends_on }. You can renew it in one click, without signing in:
}
mail-renewal-reminder-until = until { $date }
mail-renewal-reminder-action = Renew my membership
mail-renewal-reminder-fair = You pay exactly the amount shown, with no extra and no tip. If you have already renewed, ignore this message.
mail-renewal-reminder-stop = Don't want these reminders?
mail-treasurer-digest-subject = { $site }: your treasurer’s week ({ $week })
mail-treasurer-digest-intro = Here is the week of { $site } ({ $week }):
mail-treasurer-digest-payments = { $count ->
    [one] 1 payment received in the last 7 days, { $total } in all
   *[other] { $count } payments received in the last 7 days, { $total } in all
}
mail-treasurer-digest-expiring = { $count ->
    [one] 1 membership ends within 30 days
   *[other] { $count } memberships end within 30 days
}
mail-treasurer-digest-lapsed = { $count ->
    [one] 1 membership lapsed this week without renewal
   *[other] { $count } memberships lapsed this week without renewal
}
mail-treasurer-digest-action = Open the treasurer's desk
mail-treasurer-digest-stop = Don't want this weekly digest?
mail-signup-confirm-subject = Confirm the creation of your portal
mail-signup-confirm-intro = Someone, probably you, asked to create a portal for { $association }. Confirm your address and the portal goes live at once.
mail-signup-confirm-action = Create my portal
mail-signup-confirm-ignore = If you did not ask for it, ignore this message: nothing will be created. The link is valid for 24 hours.

mail-certificate-failing-subject = The certificate of { $hostname } cannot be obtained
mail-certificate-failing-intro = The last { $failures } attempts to obtain or renew the HTTPS certificate of { $hostname } failed. A certificate already issued keeps being served until it expires.
mail-certificate-failing-error = Last error
mail-certificate-failing-next = Attempts go on with growing intervals. The console shows the state of every certificate and lets you retry at once; `tessera certs list` and `tessera certs renew DOMAIN` do the same.
