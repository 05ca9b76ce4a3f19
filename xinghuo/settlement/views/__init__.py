"""Finance pages (issue 4): the employer's escrow, settlements and statements, the worker's
wallet, payouts and tax, and the operator's payouts, reconciliation and tax declaration.

Views parse input and call services; reads go through selectors; no ORM writes here.
Amounts are typed in yuan with at most two decimals and go to the services as whole fen.
Every form that moves money carries its idempotency key: a payout id rendered into the
withdrawal form (a double submit pays once). Money enters escrow only from the bank: the
employer declares a transfer (no money moves), the operator matches bank lines.

By page family: ``employer`` (escrow, top-up declarations, statement), ``worker`` (the
wallet), ``operator`` (payouts, reconciliation, the tax declaration), ``bank`` (the
operator's bank lines and declarations), ``corrections`` (the operator's corrections);
``forms`` and ``common`` are what they share.
"""
