/** The ledger's store kept refusing (throttling) after every retry; the last call wrote nothing. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

/** Too many concurrent writers on one chain: the append gave up after its bounded retries. */
export class LedgerConflictError extends Error {
  override readonly name = 'LedgerConflictError';
}

/** An item the ledger wrote can no longer be read as a record: it was tampered with. */
export class LedgerCorruptError extends Error {
  override readonly name = 'LedgerCorruptError';
}
