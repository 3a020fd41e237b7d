"""The reviewer correction loop: a small web app over the ledger database.

Reviewers (records staff) open the documents the pipeline was least sure
of, compare every field with its box on the page image, correct what is
wrong and approve. Every change is an audit row; the approved document is
written back to the output folder with a `review` block, and corrected
role and document names feed the user vocabulary.
"""
