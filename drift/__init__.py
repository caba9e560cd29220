"""Drift checks for scheduled CI: ``terraform plan -detailed-exitcode`` plus the verifier.

Plan alone is not enough: since AWS provider 5.51 it does not see function code swapped
outside Terraform, and it never re-checks revocation or expiry (Lambda checks those only at
deploy time). ``python -m drift`` runs both and combines their verdicts into one exit code and
one Markdown summary.
"""
