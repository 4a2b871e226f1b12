// Onboarding check: what each given payment account connects to -- how many actors use it, its
// own label, the known-fraud or banned actors using it, and the rings of the latest
// complete run whose members use it.
// $ids: list of strings
CALL () {
  MATCH (run:Run {complete: true})
  RETURN run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
}
UNWIND $ids AS id
MATCH (n:PaymentAccount {account_id: id})
RETURN id, n.verdict AS verdict,
       COUNT { (n)<-[:PAID_VIA]-() } AS actors,
       COLLECT { MATCH (n)<-[:PAID_VIA]-(x)
                 WHERE x.verdict = 'fraud' OR x.status = 'banned'
                 RETURN CASE WHEN x:Merchant THEN 'merchant:' + x.merchant_id
                             ELSE 'streamer:' + x.streamer_id END AS actor
                 ORDER BY actor LIMIT 50 } AS fraud_actors,
       COLLECT { MATCH (n)<-[:PAID_VIA]-()<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run)
                 RETURN DISTINCT {ring_id: r.ring_id, risk: f.risk, score: f.score,
                                  pattern: r.pattern, verdict: r.verdict,
                                  by: r.verdict_by, at: toString(r.verdict_at),
                                  note: r.verdict_note} AS ring } AS rings
