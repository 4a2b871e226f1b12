// Known-fraud and cleared merchants are looked up by verdict.
CREATE INDEX merchant_verdict IF NOT EXISTS
FOR (m:Merchant) ON (m.verdict)
