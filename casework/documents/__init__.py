"""Printable documents of a case: the administrative decision and the social contract.

A document is first built, from what the database stores, into a plain :class:`~casework.documents.
model.Document` (title, parties, sections of paragraphs and facts, signature blocks); two renderers
then lay the same document out, as an HTML page with print CSS and as a PDF (fpdf2 with the
committed DejaVu fonts, so that Polish characters come out right on any machine).

The document's text is Polish whatever language the interface is in: an administrative decision and
a contract with a client are official documents, which Polish public bodies issue in Polish.
Nothing is invented: what the database does not hold is left blank to be filled in by hand.
"""
