async def test_healthz_answers_without_token(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_every_response_carries_a_request_id(client):
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_graphiql_page_is_served_in_development(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_no_graphiql_in_production(settings, signing_key, db):
    import httpx

    from api.app import create_app
    from api.services import Services

    production = type(settings)(**{**settings.__dict__, "env": "production"})
    app = create_app(Services.build(production, signing_key), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=production.issuer) as http:
        response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 401
