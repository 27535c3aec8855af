-- Where the borrower lives, as an IANA zone name (loan tape column `time_zone`): the compliance
-- guard counts allowed hours in it (US rules use the consumer's own zone). NULL: the compliance
-- profile's default zone.
ALTER TABLE borrower ADD COLUMN time_zone TEXT;
