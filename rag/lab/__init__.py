"""The lab: evaluation and training harness. It imports the read path; the read path never imports it."""
