"""Benchmark pages: a centre's own indicators (centre host), the coordinators' comparisons and the
ministry's export builder (portal host). Every figure on a page comes from benchmarking.comparisons
or benchmarking.exports, i.e. through the disclosure gate, exactly as the API's do."""
