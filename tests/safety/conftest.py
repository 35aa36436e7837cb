from tests.api.conftest import api_for  # noqa: F401 - the API's token client, shared
