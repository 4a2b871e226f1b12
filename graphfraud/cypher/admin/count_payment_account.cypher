// Nodes labelled PaymentAccount (answered from the count store).
MATCH (n:PaymentAccount) RETURN count(n) AS n
