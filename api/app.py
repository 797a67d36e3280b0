"""The FastAPI application factory."""

from fastapi import FastAPI

from api.problems import install_problem_handlers
from api.routes import (
    coding,
    document_content,
    documents,
    health,
    inbound_email,
    master_data,
    matching,
    postings,
)
from web.routes import router as web_router


def create_app() -> FastAPI:
    app = FastAPI(
        title="Bilag",
        version="0.1.0",
        description=(
            "AI-assisted accounts payable for Nordic businesses. Authenticate with "
            "`Authorization: Bearer <api key>`; errors are `application/problem+json`."
        ),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    install_problem_handlers(app)
    app.include_router(documents.router, prefix="/api/v1")
    app.include_router(inbound_email.router, prefix="/api/v1")
    app.include_router(document_content.router, prefix="/api/v1")
    app.include_router(coding.router, prefix="/api/v1")
    app.include_router(postings.router, prefix="/api/v1")
    app.include_router(matching.router, prefix="/api/v1")
    for router in master_data.routers:
        app.include_router(router, prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(web_router)
    return app
