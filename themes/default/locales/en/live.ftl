# Live figures: the sentences of a dashboard's feed (reporting::stream).
live-payment-recorded = { $payer }: { $amount } announced ({ $method })
live-payment-paid = { $payer } paid { $amount } ({ $method })
live-payment-refunded = { $payer } was refunded { $amount }
live-signup = { $name } signed up
