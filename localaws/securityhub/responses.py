"""Security Hub restJson handlers: moto's SecurityHubResponse with the finding operations of
:class:`~localaws.securityhub.models.ExtendedSecurityHubBackend`."""

from __future__ import annotations

import json
from typing import Any

from moto.securityhub.responses import SecurityHubResponse

from localaws.sts.models import caller_arn

from .models import ExtendedSecurityHubBackend


class ExtendedSecurityHubResponse(SecurityHubResponse):
    @property
    def securityhub_backend(self) -> ExtendedSecurityHubBackend:  # type: ignore[override]
        backend = super().securityhub_backend
        assert isinstance(backend, ExtendedSecurityHubBackend)
        return backend

    def _json_body(self) -> dict[str, Any]:
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        document = json.loads(body or "{}")
        return document if isinstance(document, dict) else {}

    def batch_import_findings(self) -> str:
        failed_count, success_count, failed = self.securityhub_backend.batch_import_findings(
            findings=self._json_body().get("Findings"),  # type: ignore[arg-type]
            caller_arn=caller_arn(self.current_account, self.partition, self.get_access_key()),
        )
        return json.dumps(
            {"FailedCount": failed_count, "SuccessCount": success_count, "FailedFindings": failed}
        )

    def get_findings(self) -> str:
        body = self._json_body()
        findings, token = self.securityhub_backend.get_findings(
            filters=body.get("Filters"),
            sort_criteria=body.get("SortCriteria"),
            max_results=body.get("MaxResults"),
            next_token=body.get("NextToken"),
        )
        result: dict[str, Any] = {"Findings": findings}
        if token:
            result["NextToken"] = token
        return json.dumps(result)

    def batch_update_findings(self) -> str:
        body = self._json_body()
        identifiers = body.pop("FindingIdentifiers", None)
        processed, unprocessed = self.securityhub_backend.batch_update_findings(
            identifiers=identifiers,  # type: ignore[arg-type]
            updates=body,
        )
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
