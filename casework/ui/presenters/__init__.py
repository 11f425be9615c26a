"""The words of the case-file pages: typed data from the selectors written for people to read
(dates, money, hours and months in the interface's language)."""
