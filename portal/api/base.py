"""The API class both JSON APIs (the partners' and the console's) are made of."""

from ninja import NinjaAPI

from . import problems


class PortalAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation):
        return operation.view_func.__name__

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        # Errors are served as problem details, whatever ninja assumes.
        for path in schema["paths"].values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "content" in response:
                        _media_type, content = response["content"].popitem()
                        response["content"] = {problems.CONTENT_TYPE: content}
        return schema
