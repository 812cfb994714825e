# Chiffres en direct : les phrases du fil d’un tableau de bord (reporting::stream).
live-payment-recorded = { $payer } : { $amount } annoncé ({ $method })
live-payment-paid = { $payer } a payé { $amount } ({ $method })
live-payment-refunded = { $payer } a été remboursé·e de { $amount }
live-signup = { $name } s’est inscrit·e
