## Projects: readers', members' and staff pages, and their messages.

projects-title = Projects
projects-lead = What the association raises money or looks for volunteers for.
projects-none = No project yet.
projects-pages = Pages of projects
projects-previous = ← Previous
projects-next = Next →
projects-page-of = Page { $page } of { $pages }
projects-status = Status
projects-status-all = All
projects-status-draft = Draft
projects-status-open = Open
projects-status-closed = Completed
projects-status-archived = Archived
projects-visibility-public = Everyone
projects-visibility-members = Members only
projects-deadline = Deadline:
projects-deadline-passed = deadline passed
projects-of-goal = raised of { $goal }
projects-raised = raised
projects-gauge-label = { $percent }% of the { $goal } goal
projects-percent = { $percent }% of the goal
projects-donors = { $count ->
    [0] no donation yet
    [one] 1 donor
   *[other] { $count } donors
}
projects-volunteers-of = { $count } of { $wanted } volunteer places taken
projects-volunteers-count = { $count ->
    [0] no volunteer yet
    [one] 1 volunteer
   *[other] { $count } volunteers
}
projects-full = Full
projects-manage = Manage this project

projects-give-title = Support this project
projects-give-help = Make a transfer with the reference below: the treasurer will earmark your donation for this project.
projects-give-holder = Account holder
projects-give-memo = Reference
projects-give-ask = Ask the association's treasurer for its bank details and write "{ $memo }" on your transfer: your donation will be earmarked for this project.
projects-give-other = You may also give by cheque or in cash to the treasurer, naming the project.
projects-give-sign-in = Members can support this project: sign in to see how to give, or join the association.
projects-sign-in = Sign in
projects-join = Join

projects-volunteers-title = Volunteers
projects-you-signed-up = You signed up as a volunteer.
projects-withdraw = Withdraw
projects-sign-up = I volunteer
projects-note = A note (when you are free, what you can do)
projects-sign-in-to-volunteer = Sign in to volunteer.

projects-updates = Project news
projects-no-updates = No news yet.
projects-comments = Comments
projects-no-comments = No comment yet.
projects-comment-hidden = Hidden
projects-comments-locked = Comments on this project are closed.
projects-your-comment = Your comment
projects-comment-help = Plain text, at most 2,000 characters.
projects-post-comment = Post the comment
projects-sign-in-to-comment = Sign in to comment.
projects-do-hide = Hide
projects-do-unhide = Show again
projects-do-delete-comment = Delete

projects-staff-title = Projects
projects-staff-help = Fundraising and calls for volunteers: goal, gauge, news, comments.
projects-new = New project
projects-edit = Edit the project
projects-view = See it on the site
projects-see-public = See the public page
projects-filter = Filter by status
projects-none-here = No project here.
projects-raised-col = Raised
projects-volunteers-col = Volunteers
projects-field-title = Title
projects-field-slug = Page address
projects-slug-help = Lowercase letters, digits and hyphens; leave it empty to make it from the title.
projects-field-summary = Summary (shown on the card)
projects-field-description = Description
projects-description-help = Markdown: **bold**, *italics*, [a link](https://…), lists with "- ". Scripts are removed.
projects-field-goal = Goal (in { $currency })
projects-goal-help = Optional: without a goal, the gauge only shows what was raised.
projects-field-deadline = Deadline
projects-field-visibility = Who can see it
projects-field-volunteering = This project looks for volunteers
projects-field-wanted = Number of places
projects-wanted-help = Optional: empty means no limit.
projects-field-roles = Roles or time slots wanted
projects-preview = Preview
projects-save = Save
projects-moderate = Moderate the comments
projects-locked = Comments closed
projects-do-open = Open
projects-do-closed = Mark completed
projects-do-archived = Archive
projects-do-draft = Back to draft
projects-do-lock = Close the comments
projects-do-unlock = Reopen the comments
projects-do-delete = Delete for good
projects-update-title = Title of the news
projects-update-body = Text (Markdown)
projects-post-update = Post the news
projects-do-delete-update = Delete this news
projects-csv = Download the list (CSV)
projects-volunteer-name = Name
projects-volunteer-email = Email address
projects-signed-up-on = Signed up
projects-do-remove = Remove
projects-no-volunteers = Nobody signed up yet.

projects-error-title-missing = Give a title.
projects-error-title-long = The title is limited to 200 characters.
projects-error-slug = The address may hold only lowercase letters, digits and hyphens (not only digits, at most 80 characters).
projects-error-slug-taken = Another project already has this address.
projects-error-summary-long = The summary is limited to 500 characters.
projects-error-description-long = The description is limited to 50,000 characters.
projects-error-goal = Give a positive amount, e.g. 3,000.
projects-error-deadline = Give a date (YYYY-MM-DD).
projects-error-visibility = Choose who can see the project.
projects-error-wanted = Give a number of places from 1 to 10,000.
projects-error-roles-long = The roles are limited to 1,000 characters.
projects-error-comment-missing = Write your comment.
projects-error-comment-long = A comment is limited to 2,000 characters.
projects-error-note-long = The note is limited to 500 characters.
projects-error-update-long = A news item is limited to 20,000 characters.

projects-flash-saved = Project saved.
projects-flash-deleted = Project deleted.
projects-flash-update-posted = News posted.
projects-flash-update-deleted = News deleted.
projects-flash-moderated = Comment moderated.
projects-flash-comment-posted = Comment posted.
projects-flash-comment-deleted = Comment deleted.
projects-flash-signed-up = Thank you! You signed up as a volunteer.
projects-flash-withdrawn = You are no longer signed up.
projects-flash-volunteer-removed = Volunteer taken off the list.
projects-refused-not-open = This project is not open.
projects-refused-locked = Comments on this project are closed.
projects-refused-full = Every volunteer place is taken.
projects-refused-already = You signed up already.
projects-refused-not-signed-up = You were not signed up.
projects-refused-has-donations = Donations are earmarked for this project: archive it instead.

## The earmarked donation, in the treasury (the contributions module).

treasury-earmark = Donation earmarked for a project
treasury-earmark-help = Optional: a donation earmarked for a project pays no membership.
treasury-earmark-none = None (membership or credit)
treasury-earmarked-for = Earmarked donation:
treasury-error-earmark = Choose a project from the list.
treasury-error-earmark-memberships = An earmarked donation pays no membership: untick the memberships.
treasury-error-not-open = This project does not take donations.
treasury-ledger-donation = Donation
membership-ledger-donation = Donation
