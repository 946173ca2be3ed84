# Amounts in yuan read as finance staff write them: 214,800.00 (Django's zh-Hans default has no separator).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
