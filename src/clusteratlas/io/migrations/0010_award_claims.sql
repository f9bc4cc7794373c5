-- 0010: payable awards. An award line keeps its amount before a budget's cap (entitled), and
-- the office's claims ledger follows each award from application to payment (申报 → 审核 → 兑现):
-- events appended, never updated or deleted; a payment is undone only by a reversal event.

ALTER TABLE award_lines ADD COLUMN entitled DOUBLE;

CREATE SEQUENCE claim_ids START 1;
CREATE SEQUENCE claim_event_ids START 1;
CREATE TABLE claim_events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('claim_event_ids'),
    claim_id INTEGER NOT NULL,
    ruleset VARCHAR NOT NULL,      -- metadata.id of the ruleset
    rule_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    year INTEGER NOT NULL,         -- the year the award is for
    payer VARCHAR NOT NULL,
    run_id INTEGER,                -- the recorded run whose award line the claim is for
    event VARCHAR NOT NULL,        -- claimed | approved | rejected | paid | reversed
    amount DOUBLE,                 -- CNY: claimed, approved, paid or reversed
    voucher VARCHAR,               -- the payment's voucher reference (paid, reversed)
    actor VARCHAR NOT NULL,
    note VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
