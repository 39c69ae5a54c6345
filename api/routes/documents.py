"""Uploading policy documents."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from policykg.api.deps import GraphDep, IndexDep, SettingsDep, require_api_key
from policykg.api.rules_cache import forget_rules
from policykg.api.schema import IngestOut, problems
from policykg.api.upload import read_upload
from policykg.core.model import WriteOutcome
from policykg.ingest.pipeline import Ingestor

router = APIRouter()

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary",
                                            "description": "a policy document: .txt, .docx, .pdf or .html"}},
                }
            }
        },
    }
}


@router.post(
    "/documents",
    status_code=201,
    response_model=IngestOut,
    tags=["documents"],
    dependencies=[Depends(require_api_key)],
    openapi_extra=_UPLOAD_BODY,
    responses={200: {"model": IngestOut, "description": "the same version is already stored"},
               201: {"description": "the document was created or replaced an older version"},
               **problems(401, 403, 413, 422, 503)},
)
async def upload_document(request: Request, settings: SettingsDep, graph: GraphDep, index: IndexDep) -> JSONResponse:
    """Ingest one document into the graph and the search index.

    201 when it was created or replaced an older version, 200 when the same version is already
    stored. The key is checked before a byte of the body is read, and reading stops at
    POLICYKG_MAX_FILE_MB (413).
    """
    max_bytes = settings.max_file_bytes
    upload = await read_upload(request, field="file", max_bytes=max_bytes)
    ingestor = Ingestor(graph, index, max_bytes=max_bytes)
    result = await run_in_threadpool(ingestor.ingest_bytes, upload.data, upload.filename)
    status = 200 if result.outcome == WriteOutcome.UNCHANGED.value else 201
    if status == 201:
        forget_rules(graph)  # a new or changed document may bring clauses with criteria
    return JSONResponse(IngestOut.model_validate(result.to_json()).model_dump(), status_code=status)
